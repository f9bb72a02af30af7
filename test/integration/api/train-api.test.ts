// Training end to end: a folder the test makes -> trainScan -> trainStart over the socket (the
// real trainer in the engine worker) -> the tuner in the SQLite library with its run; cancel
// keeps the run resumable and trainResume finishes it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openStudio, type Studio } from '../../../main/api/studio.ts';
import { encodePng } from '../../../main/engine/io/image.ts';
import { inspectTuner } from '../../../main/engine/tuners/tuner-file.ts';
import { fileStoreRoot } from '../../../main/library/data-dir.ts';
import { type StudioServer, startStudioServer } from '../../../main/server/studio-server.ts';
import { createWsStudioClient, type WsStudioClient } from '../../../renderer/src/api/ws-client.ts';
import type { JobProgress } from '../../../shared/api/progress.ts';

let dir: string;
let data: string;
let studio: Studio;
let server: StudioServer;
let api: WsStudioClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scedit-train-api-'));
  data = join(dir, 'pictures');
  mkdirSync(data);
  for (let i = 0; i < 4; i++) {
    const px = new Uint8ClampedArray(64 * 64 * 4);
    for (let p = 0; p < 64 * 64; p++) px.set([(i * 60) % 256, 128, 255 - i * 50, 255], p * 4);
    writeFileSync(join(data, `tile-${i}.png`), await encodePng({ width: 64, height: 64, data: px }));
    writeFileSync(join(data, `tile-${i}.txt`), `a flat tile number ${i}`);
  }
  writeFileSync(join(data, 'broken.png'), 'not a png');
  studio = openStudio({ mode: 'browser', dataDir: join(dir, 'data') });
  server = await startStudioServer({
    studio,
    webRoot: null,
    storeRoot: fileStoreRoot(studio.context.dataDir),
    port: 0,
  });
  api = createWsStudioClient({ baseUrl: server.url, openSocket: (url) => new WebSocket(url) as never });
});

afterAll(async () => {
  api?.disconnect();
  await server?.close();
  await studio?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('training over the socket', () => {
  it('scans a folder: usable images, skipped files with reasons, a memory verdict', async () => {
    const report = await api.trainScan({ dataFolder: data, kind: 'sc' });
    expect(report.usableImages).toBe(4);
    expect(report.skipped.map((s) => s.file)).toEqual([expect.stringContaining('broken.png')]);
    expect(report.memory?.fits).toBe(true);
    await expect(api.trainScan({ dataFolder: join(dir, 'nowhere'), kind: 'sc' })).rejects.toMatchObject({
      code: 'invalid-input',
    });
  });

  it('trains a style tuner with loss and previews in its progress and puts it in the library with its run', async () => {
    const events: JobProgress[] = [];
    const out = await api.trainStart(
      {
        name: 'Flat tiles',
        kind: 'sc',
        dataFolder: data,
        // No preview prompts given: the previews use the dataset's own captions.
        options: { steps: 3, checkpointEvery: 2, previewEvery: 3 },
      },
      { onProgress: (p) => events.push(p) },
    );
    expect(out.steps).toBe(3);
    expect(events.some((e) => e.loss !== null && e.step !== null)).toBe(true);
    expect(events.filter((e) => e.preview).map((e) => e.step)).toEqual([3]);
    const tuner = await api.tunersGet({ id: out.tunerId });
    expect(tuner).toMatchObject({ name: 'Flat tiles', kind: 'sc', trainingRunId: out.runId });
    // The run's last sample is the tuner's preview in the library: the very PNG the progress showed.
    expect(tuner.preview).not.toBeNull();
    const shown = await fetch(api.fileUrl(tuner.preview!));
    expect(Buffer.from(await shown.arrayBuffer()).toString('base64')).toBe(
      events.filter((e) => e.preview).at(-1)!.preview,
    );
    const run = (await api.trainRuns({})).runs.find((r) => r.id === out.runId)!;
    expect(run).toMatchObject({ status: 'completed', tunerId: out.tunerId, totalSteps: 3 });
    expect(run.lossHistory.length).toBeGreaterThan(0);
  });

  it("trains a condition tuner with the caption dropout it is given, and the file's lineage records it", async () => {
    const out = await api.trainStart({
      name: 'Flat tile edges',
      kind: 'csc',
      condition: 'canny',
      dataFolder: data,
      options: { steps: 2, batchSize: 2, learningRate: 2e-3, captionDropout: 0.5, previewEvery: 100 },
    });
    const tuner = await api.tunersGet({ id: out.tunerId });
    // No sample was drawn (previewEvery beyond the run): no preview, and no error.
    expect(tuner.preview).toBeNull();
    const root = fileStoreRoot(studio.context.dataDir);
    const info = await inspectTuner(join(root, tuner.fileHash.slice(0, 2), tuner.fileHash));
    expect(info.training).toMatchObject({ kind: 'csc', lr: 2e-3, batchSize: 2, captionDropout: 0.5 });
    await expect(
      api.trainStart({
        name: 'x',
        kind: 'csc',
        condition: 'canny',
        dataFolder: data,
        options: { captionDropout: 1.5 },
      }),
    ).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('stops a run on cancel, keeps it resumable, and resumes it to the end', async () => {
    let runId = '';
    const controller = new AbortController();
    const started = api.trainStart(
      { name: 'Stopped tiles', kind: 'sc', dataFolder: data, options: { steps: 40, checkpointEvery: 1 } },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if ((p.step ?? 0) >= 2) controller.abort();
        },
      },
    );
    await expect(started).rejects.toMatchObject({ code: 'cancelled' });
    const stopped = (await api.trainRuns({})).runs.find((r) => r.name === 'Stopped tiles')!;
    expect(stopped.status).toBe('cancelled');
    runId = stopped.id;
    const resumed = await api.trainResume({ runId, steps: 5 });
    expect(resumed).toMatchObject({ runId, steps: 5 });
    expect((await api.trainRuns({})).runs.find((r) => r.id === runId)?.status).toBe('completed');
  });
});
