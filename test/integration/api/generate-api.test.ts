// Generation end to end: WebSocket client -> server -> queue -> engine worker running the real
// pipeline on the embedded model -> PNG with its recipe in a real SQLite library.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openStudio, type Studio } from '../../../main/api/studio.ts';
import { readImage } from '../../../main/engine/io/image.ts';
import { fileStoreRoot } from '../../../main/library/data-dir.ts';
import { type StudioServer, startStudioServer } from '../../../main/server/studio-server.ts';
import { createWsStudioClient, type WsStudioClient } from '../../../renderer/src/api/ws-client.ts';
import type { JobProgress } from '../../../shared/api/progress.ts';

let dir: string;
let studio: Studio;
let server: StudioServer;
const clients: WsStudioClient[] = [];

function client(): WsStudioClient {
  const c = createWsStudioClient({ baseUrl: server.url, openSocket: (url) => new WebSocket(url) as never });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scedit-generate-api-'));
  studio = openStudio({ mode: 'browser', dataDir: join(dir, 'data') });
  server = await startStudioServer({
    studio,
    webRoot: null,
    storeRoot: fileStoreRoot(studio.context.dataDir),
    port: 0,
  });
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.close();
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('generate over the socket', () => {
  it('runs the real pipeline with progress and previews, and stores the picture with its recipe', async () => {
    const api = client();
    const events: JobProgress[] = [];
    const out = await api.generate(
      { prompt: 'a red circle', seed: 7, steps: 3, width: 64, height: 64, batchCount: 2 },
      { onProgress: (p) => events.push(p) },
    );
    expect(out.images.map((i) => [i.seed, i.width, i.height])).toEqual([
      [7, 64, 64],
      [8, 64, 64],
    ]);
    const running = events.filter((e) => e.state === 'running');
    expect(running.at(-1)!.fraction).toBe(1);
    expect(running.some((e) => e.step === 3 && e.totalSteps === 3)).toBe(true);
    const png = Buffer.from(await (await fetch(api.fileUrl(out.images[0]!.image))).arrayBuffer());
    const picture = await readImage(png);
    expect([picture.width, picture.height]).toEqual([64, 64]);
    const history = await api.historyList({});
    expect(history.total).toBe(2);
    const record = await api.historyGet({ id: out.images[0]!.generationId });
    expect(record.recipe).toMatchObject({ prompt: 'a red circle', seed: 7, steps: 3, width: 64, height: 64 });
    const back = await api.recipeFromImage({ image: png.toString('base64') });
    expect(back).toMatchObject({ source: 'scedit', prompt: 'a red circle', seed: 7 });
  });

  it('gives the same picture for the same seed', async () => {
    const api = client();
    const a = await api.generate({ prompt: 'a blue square', seed: 11, steps: 2, width: 64, height: 64 });
    const b = await api.generate({ prompt: 'a blue square', seed: 11, steps: 2, width: 64, height: 64 });
    expect(a.images[0]!.image.storePath).toBe(b.images[0]!.image.storePath);
  });

  it('cancels a generation mid-way and records nothing', async () => {
    const api = client();
    const before = (await api.historyList({})).total;
    const controller = new AbortController();
    const pending = api.generate(
      { prompt: 'a long one', seed: 1, steps: 150, width: 64, height: 64, previews: false },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if ((p.step ?? 0) >= 2) controller.abort();
        },
      },
    );
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect((await api.historyList({})).total).toBe(before);
    expect((await api.jobsList({})).jobs).toEqual([]);
  });

  it('lists the model it generates with, and refuses one it does not have, by name', async () => {
    const { models } = await client().modelsList({});
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ source: 'embedded', isDefault: true, resolution: 64 });
    expect(models[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    await expect(client().generate({ prompt: 'x', baseModel: 'sd-xl', steps: 1 })).rejects.toMatchObject({
      code: 'not-found',
      message: /"sd-xl" is not available/,
    });
  });
});
