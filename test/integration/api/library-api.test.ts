// The library methods end to end: a WebSocket client, the real server, a real SQLite file and
// real tuner files written by the engine's tuner writer.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openStudio, type Studio } from '../../../main/api/studio.ts';
import { encodePng } from '../../../main/engine/io/image.ts';
import { fileStoreRoot } from '../../../main/library/data-dir.ts';
import { type StudioServer, startStudioServer } from '../../../main/server/studio-server.ts';
import { createWsStudioClient, type WsStudioClient } from '../../../renderer/src/api/ws-client.ts';
import { BASE_HASH, writeTunerFile } from '../../unit/library/tuner-fixture.ts';

let dir: string;
let studio: Studio;
let server: StudioServer;
let api: WsStudioClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scedit-library-api-'));
  studio = openStudio({ mode: 'browser', dataDir: join(dir, 'data'), testHooks: true });
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

async function pngBytes(): Promise<Uint8Array> {
  const data = new Uint8ClampedArray(8 * 8 * 4).fill(200);
  return encodePng({ width: 8, height: 8, data });
}

describe('tuners over the socket', () => {
  let styleId = '';
  let cannyId = '';

  it('imports a tuner by path and one uploaded as bytes', async () => {
    const style = await writeTunerFile(join(dir, 'ink-style.safetensors'), {
      kind: 'sc',
      seed: 1,
      name: 'Ink style',
    });
    const canny = await writeTunerFile(join(dir, 'canny.safetensors'), { kind: 'csc', seed: 2 });
    const a = await api.tunersImport({ path: style });
    expect(a).toMatchObject({ name: 'Ink style', kind: 'sc', baseModel: 'tiny-sd' });
    const b = await api.tunersImport({
      fileName: 'edges.safetensors',
      base64: readFileSync(canny).toString('base64'),
    });
    expect(b).toMatchObject({ kind: 'csc', condition: 'canny' });
    styleId = a.id;
    cannyId = b.id;
  });

  it('lists, filters, searches, renames, tags and reads one back', async () => {
    expect((await api.tunersList({})).total).toBe(2);
    expect((await api.tunersList({ kind: 'csc' })).items.map((t) => t.id)).toEqual([cannyId]);
    expect((await api.tunersList({ baseModel: 'no-such-model' })).total).toBe(0);
    await api.tunersRename({ id: styleId, name: 'Sumi ink' });
    const tagged = await api.tunersTag({ id: styleId, add: ['Ink', 'mono'], remove: [] });
    expect(tagged.tags.sort()).toEqual(['Ink', 'mono']);
    expect((await api.tunersSearch({ text: 'sumi' })).items.map((t) => t.id)).toEqual([styleId]);
    const detail = await api.tunersGet({ id: styleId });
    expect(detail).toMatchObject({ name: 'Sumi ink', notes: '', trainingRunId: null });
    expect(detail.file.storePath).toBe(`${detail.fileHash.slice(0, 2)}/${detail.fileHash}`);
    const file = await fetch(api.fileUrl(detail.file));
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).length).toBe(detail.sizeBytes);
  });

  it('exports with the metadata and says what is missing', async () => {
    const out = await api.tunersExport({ id: styleId, path: join(dir, 'exported.safetensors') });
    expect(out.path).toBe(join(dir, 'exported.safetensors'));
    expect(readFileSync(out.path!).subarray(8, 4096).toString()).toContain('Sumi ink');
    await expect(api.tunersGet({ id: '999' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(api.tunersGet({ id: '../etc' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it("keeps the artist's notes, rating and starting weight: found by search, sorted by rating, exported", async () => {
    const detail = await api.tunersUpdate({
      id: styleId,
      notes: 'Best on portraits, weight 0.8',
      rating: 4,
      preferredWeight: 0.8,
    });
    expect(detail).toMatchObject({ notes: 'Best on portraits, weight 0.8', rating: 4, preferredWeight: 0.8 });
    // One field at a time leaves the others as they are.
    expect(await api.tunersUpdate({ id: styleId, rating: 5 })).toMatchObject({
      notes: 'Best on portraits, weight 0.8',
      rating: 5,
      preferredWeight: 0.8,
    });
    expect(await api.tunersGet({ id: styleId })).toMatchObject({ rating: 5, preferredWeight: 0.8 });
    const triggered = await api.tunersUpdate({
      id: styleId,
      triggerWords: ['sumi ink', ' Sumi  ink', 'wash'],
    });
    expect(triggered.triggerWords).toEqual(['sumi ink', 'wash']);
    expect((await api.tunersList({ kind: 'sc' })).items[0]!.triggerWords).toEqual(['sumi ink', 'wash']);
    expect((await api.tunersSearch({ text: 'portraits' })).items.map((t) => t.id)).toEqual([styleId]);
    const byRating = await api.tunersList({ sort: 'rating', order: 'desc' });
    expect(byRating.items.map((t) => t.id)).toEqual([styleId, cannyId]);
    const out = await api.tunersExport({ id: styleId, path: join(dir, 'rated.safetensors') });
    const header = readFileSync(out.path!).subarray(8, 8192).toString();
    expect(header).toContain('Best on portraits');
    // null clears a rating and a starting weight.
    expect(await api.tunersUpdate({ id: styleId, rating: null, preferredWeight: null })).toMatchObject({
      rating: null,
      preferredWeight: null,
      notes: 'Best on portraits, weight 0.8',
    });
  });

  it('refuses an update out of range, with nothing in it, or for a tuner that does not exist, changing nothing', async () => {
    await expect(api.tunersUpdate({ id: styleId, rating: 6 })).rejects.toMatchObject({
      code: 'invalid-input',
    });
    await expect(api.tunersUpdate({ id: styleId, rating: 2.5 })).rejects.toMatchObject({
      code: 'invalid-input',
    });
    await expect(api.tunersUpdate({ id: styleId, preferredWeight: 0 })).rejects.toMatchObject({
      code: 'invalid-input',
    });
    await expect(api.tunersUpdate({ id: styleId, notes: 'x'.repeat(10_001) })).rejects.toMatchObject({
      code: 'invalid-input',
    });
    await expect(api.tunersUpdate({ id: styleId })).rejects.toThrow(/nothing to change/);
    await expect(
      api.tunersUpdate({ id: styleId, triggerWords: [...Array(21)].map((_, i) => `w${i}`) }),
    ).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(api.tunersUpdate({ id: '999', rating: 3 })).rejects.toMatchObject({ code: 'not-found' });
    expect(await api.tunersGet({ id: styleId })).toMatchObject({
      notes: 'Best on portraits, weight 0.8',
      rating: null,
    });
  });

  it('names the tuner a training continued from', async () => {
    const file = await writeTunerFile(join(dir, 'continued.safetensors'), { kind: 'sc', seed: 9 });
    const { tuner } = await studio.context.library.importTuner(file, { parentTunerId: Number(styleId) });
    const detail = await api.tunersGet({ id: String(tuner.id) });
    expect(detail.parent).toEqual({ id: styleId, name: 'Sumi ink' });
    expect((await api.tunersGet({ id: styleId })).parent).toBeNull();
    await api.tunersDelete({ id: String(tuner.id) });
  });

  it('refuses a generation whose tuners do not fit before any work is queued', async () => {
    const layer = {
      id: 'l1',
      kind: 'canny' as const,
      image: Buffer.from(await pngBytes()).toString('base64'),
    };
    await expect(api.generate({ prompt: 'a cat', styleTuners: [{ tunerId: '404' }] })).rejects.toMatchObject({
      code: 'not-found',
    });
    await expect(api.generate({ prompt: 'a cat', styleTuners: [{ tunerId: cannyId }] })).rejects.toThrow(
      /condition tuner/,
    );
    await expect(
      api.generate({ prompt: 'a cat', layers: [{ ...layer, kind: 'depth', tunerId: cannyId }] }),
    ).rejects.toThrow(/trained on canny maps, not depth/);
    expect((await api.jobsList({})).jobs).toEqual([]);
  });

  it('deletes a tuner and its file', async () => {
    expect(await api.tunersDelete({ id: cannyId })).toEqual({ deleted: true, filesRemoved: 1 });
    expect((await api.tunersList({})).total).toBe(1);
  });
});

describe('history over the socket', () => {
  let generationId = '';

  it('lists a generation with its recipe and serves its image', async () => {
    const style = studio.context.library.tuners.list({}).items[0]!;
    const record = await studio.context.library.recordGeneration({
      png: await pngBytes(),
      recipe: {
        prompt: 'a lighthouse at dusk',
        seed: 42,
        sampler: 'euler-a',
        steps: 12,
        guidance: 6,
        width: 8,
        height: 8,
        baseModel: { name: 'tiny-sd', hash: BASE_HASH },
        tuners: [{ name: style.name, hash: style.fileHash, kind: 'sc', weight: 0.8 }],
      },
      durationMs: 1234,
      backend: 'wasm',
    });
    generationId = String(record.id);
    const page = await api.historyList({});
    expect(page.total).toBe(1);
    const g = page.items[0]!;
    expect(g.recipe).toMatchObject({
      prompt: 'a lighthouse at dusk',
      seed: 42,
      steps: 12,
      baseModel: 'tiny-sd',
      styleTuners: [{ tunerId: String(style.id), scale: 0.8 }],
    });
    expect((await api.historyList({ text: 'lighthouse', offset: 0, limit: 10 })).total).toBe(1);
    expect((await api.historyList({ text: 'submarine', offset: 0, limit: 10 })).total).toBe(0);
    const response = await fetch(api.fileUrl(g.image));
    expect(response.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await response.arrayBuffer());
    const back = await api.recipeFromImage({ image: png.toString('base64') });
    expect(back).toMatchObject({ source: 'scedit', prompt: 'a lighthouse at dusk', seed: 42 });
    expect(back.tuners[0]).toMatchObject({ tunerId: String(style.id), weight: 0.8 });
  });

  it('reads a picture without a recipe gracefully, and refuses bytes that are not a PNG', async () => {
    const plain = await api.recipeFromImage({ image: Buffer.from(await pngBytes()).toString('base64') });
    expect(plain).toMatchObject({ source: 'none', prompt: null, tuners: [] });
    await expect(
      api.recipeFromImage({ image: Buffer.from('hello world!').toString('base64') }),
    ).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('keeps the library intact when the worker crashes mid-job', async () => {
    const before = { tuners: (await api.tunersList({})).total, history: (await api.historyList({})).total };
    await expect(api.debugJob({ steps: 50, stepMs: 20, crashAtStep: 3 })).rejects.toMatchObject({
      code: 'worker-crashed',
    });
    expect({ tuners: (await api.tunersList({})).total, history: (await api.historyList({})).total }).toEqual(
      before,
    );
    const integrity = studio.context.library.checkIntegrity();
    expect(integrity.missingFiles).toEqual([]);
    expect(integrity.databaseProblems).toEqual([]);
    expect((await api.debugJob({ steps: 1, stepMs: 1 })).steps).toBe(1);
  });

  it('deletes a generation', async () => {
    expect((await api.historyDelete({ id: generationId })).deleted).toBe(true);
    await expect(api.historyGet({ id: generationId })).rejects.toMatchObject({ code: 'not-found' });
  });
});
