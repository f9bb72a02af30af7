// Preload (sandboxed): exposes the StudioApi methods to the renderer as `window.studio`, and
// nothing else. The method names come from the main process's table, so they are named once.
import { contextBridge, ipcRenderer } from 'electron';
import type { JobProgress } from '../../shared/api/progress.ts';
import type { BridgeOutcome } from '../../shared/api/studio-client.ts';
import { buildStudioBridge, IPC_METHODS, IPC_PROGRESS } from './bridge.ts';

const methodNames = ipcRenderer.sendSync(IPC_METHODS) as string[];

const bridge = buildStudioBridge(methodNames, {
  invoke: (channel, callId, method, input) =>
    ipcRenderer.invoke(channel, callId, method, input) as Promise<BridgeOutcome<unknown>>,
  onProgress: (listener) =>
    ipcRenderer.on(IPC_PROGRESS, (_event, callId: number, progress: JobProgress) =>
      listener(callId, progress),
    ),
});

contextBridge.exposeInMainWorld('studio', bridge);
