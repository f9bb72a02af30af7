// What the preload hands to contextBridge: one function per StudioApi method (the names come from
// the main process's method table), each sending a tagged call over IPC and routing progress
// events back by that tag. No ipcRenderer, no generic "send any channel" reaches the page.
// Pure: the IPC functions are passed in, so tests build the real bridge without Electron.
import type { FileRef } from '../../shared/api/common-schemas.ts';
import type { JobProgress } from '../../shared/api/progress.ts';
import { FILE_PROTOCOL } from '../../shared/api/protocol.ts';
import type { BridgeOutcome } from '../../shared/api/studio-client.ts';
import { encodeStorePath } from '../../shared/api/studio-client.ts';

export const IPC_CALL = 'studio:call';
export const IPC_PROGRESS = 'studio:progress';
export const IPC_METHODS = 'studio:methods';

export interface BridgeIpc {
  invoke(
    channel: typeof IPC_CALL,
    callId: number,
    method: string,
    input: unknown,
  ): Promise<BridgeOutcome<unknown>>;
  onProgress(listener: (callId: number, progress: JobProgress) => void): void;
}

export type BuiltBridge = Record<string, unknown>;

export function studioFileUrl(file: FileRef): string {
  return `${FILE_PROTOCOL}://library/${encodeStorePath(file.storePath)}`;
}

export function buildStudioBridge(methodNames: readonly string[], ipc: BridgeIpc): BuiltBridge {
  const listeners = new Map<number, (progress: JobProgress) => void>();
  ipc.onProgress((callId, progress) => listeners.get(callId)?.(progress));
  let nextCallId = 1;
  const bridge: BuiltBridge = {};
  for (const method of methodNames) {
    bridge[method] = async (input: unknown, onProgress?: (progress: JobProgress) => void) => {
      const callId = nextCallId++;
      if (typeof onProgress === 'function') listeners.set(callId, onProgress);
      try {
        return await ipc.invoke(IPC_CALL, callId, method, input);
      } finally {
        listeners.delete(callId);
      }
    };
  }
  bridge.fileUrl = (file: FileRef) => studioFileUrl(file);
  return Object.freeze(bridge);
}
