import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudio, type Studio } from '../../../main/api/studio.ts';
import { type BridgeIpc, buildStudioBridge, IPC_CALL } from '../../../main/app/bridge.ts';
import { answerBridgeCall } from '../../../main/app/ipc.ts';
import { bridgeTransport } from '../../../renderer/src/api/electron-transport.ts';
import { STUDIO_METHOD_NAMES } from '../../../shared/api/methods.ts';
import type { JobProgress } from '../../../shared/api/progress.ts';
import type { BridgeOutcome, StudioBridge } from '../../../shared/api/studio-client.ts';
import { createStudioClient } from '../../../shared/api/studio-client.ts';

const HOME = 'file:///app/out/renderer/index.html';
let dir: string;
let studio: Studio;

/** The preload's IPC, wired to the main-process handler in-process (what Electron does across processes). */
function ipcTo(senderUrl: string): BridgeIpc {
  let progressListener: (callId: number, p: JobProgress) => void = () => {};
  return {
    invoke: (channel, callId, method, input) => {
      expect(channel).toBe(IPC_CALL);
      // Structured clone, as IPC does: nothing but data crosses.
      return answerBridgeCall(
        studio,
        { url: senderUrl, rendererUrl: HOME },
        method,
        structuredClone(input),
        (p) => progressListener(callId, structuredClone(p)),
      );
    },
    onProgress: (listener) => {
      progressListener = listener;
    },
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scedit-bridge-'));
  studio = openStudio({ mode: 'electron', dataDir: dir, testHooks: true });
});
afterAll(async () => {
  await studio.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the preload bridge', () => {
  it('exposes exactly the StudioApi methods (and fileUrl), frozen', () => {
    const bridge = buildStudioBridge(STUDIO_METHOD_NAMES, ipcTo(HOME));
    expect(Object.keys(bridge).sort()).toEqual([...STUDIO_METHOD_NAMES, 'fileUrl'].sort());
    expect(Object.isFrozen(bridge)).toBe(true);
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
    expect(
      (bridge.fileUrl as StudioBridge['fileUrl'])({ storePath: 'images/a b.png', mime: 'image/png' }),
    ).toBe('studio-file://library/images/a%20b.png');
  });

  it('never hands ipcRenderer or Node to the page (source check of the preload)', () => {
    const preload = readFileSync('main/app/preload.ts', 'utf8');
    const exposed = [...preload.matchAll(/exposeInMainWorld\(([^)]*)\)/g)].map((m) => m[1]);
    expect(exposed).toEqual(["'studio', bridge"]);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
  });

  it('carries calls, progress and errors between the page and the main process', async () => {
    const client = createStudioClient(
      bridgeTransport(buildStudioBridge(STUDIO_METHOD_NAMES, ipcTo(HOME)) as StudioBridge),
    );
    const events: JobProgress[] = [];
    const out = await client.debugJob({ steps: 3, stepMs: 5 }, { onProgress: (p) => events.push(p) });
    expect(out.steps).toBe(3);
    expect(events.at(-1)).toMatchObject({ state: 'running', fraction: 1 });
    await expect(client.settingsUpdate({ theme: 'plaid' } as never)).rejects.toMatchObject({
      code: 'invalid-input',
    });
  });

  it('main refuses unknown methods, bad payloads and other pages', async () => {
    const bridge = buildStudioBridge([...STUDIO_METHOD_NAMES, 'readFile'], ipcTo(HOME)) as Record<
      string,
      (input: unknown) => Promise<BridgeOutcome<unknown>>
    >;
    expect(await bridge.readFile!({ path: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'unknown-method' },
    });
    expect(await bridge.debugJob!({ steps: 'many' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    const foreign = buildStudioBridge(STUDIO_METHOD_NAMES, ipcTo('https://evil.example/')) as Record<
      string,
      (input: unknown) => Promise<BridgeOutcome<unknown>>
    >;
    expect(await foreign.settingsGet!({})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });
});
