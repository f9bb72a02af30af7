import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../main/engine/io/image.ts';
import type { RecipeInput } from '../../../main/engine/io/recipe.ts';
import { readRecipe } from '../../../main/engine/io/recipe.ts';
import { openSafetensors } from '../../../main/engine/io/safetensors.ts';
import { Library } from '../../../main/library/library.ts';
import { inspectTunerFile, TUNER_METADATA_KEYS as K } from '../../../main/library/tuner-inspector.ts';
import { BASE_HASH, rewriteTunerFile, tempDir, writeTunerFile } from './tuner-fixture.ts';

let t: ReturnType<typeof tempDir>;
let lib: Library;
beforeEach(() => {
  t = tempDir();
  lib = Library.open({ dataDir: join(t.dir, 'data') });
});
afterEach(() => {
  lib.close();
  t.cleanup();
});

const seedOf = (name: string) => [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
const tuner = (name: string, o: Parameters<typeof writeTunerFile>[1] = {}) =>
  writeTunerFile(join(t.dir, `${name}.safetensors`), { seed: seedOf(name), ...o });

describe('Library: tuners', () => {
  it('opens a real database in the data folder with WAL and foreign keys', () => {
    expect(existsSync(join(t.dir, 'data', 'library.db'))).toBe(true);
    expect(lib.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(lib.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(lib.startupReport?.ok).toBe(true);
  });

  it('imports a tuner with its metadata, and importing it again stores nothing new', async () => {
    const path = await tuner('watercolour');
    const first = await lib.importTuner(path, { tags: ['style', 'paint'], notes: 'soft edges' });
    expect(first.alreadyPresent).toBe(false);
    expect(first.tuner).toMatchObject({
      name: 'watercolour',
      kind: 'sc',
      condition: null,
      baseModel: { modelId: 'tiny-sd', hash: BASE_HASH },
      tags: ['paint', 'style'],
      notes: 'soft edges',
      dataset: { folder: '/data/cats', imageCount: 12 },
      size: readFileSync(path).length,
    });
    expect(first.tuner.parameterCount).toBe(2 * (4 * 4 + 4) + 2 * (8 * 8 + 8));
    const again = await lib.importTuner(path, { name: 'copy' });
    expect(again.alreadyPresent).toBe(true);
    expect(again.tuner.id).toBe(first.tuner.id);
    expect(lib.store.scan().hashes).toEqual([first.tuner.fileHash]);
    expect(lib.tuners.list().total).toBe(1);
  });

  it('does not import a file the inspector refuses, and stores nothing', async () => {
    const path = join(t.dir, 'junk.safetensors');
    writeFileSync(path, 'junk');
    await expect(lib.importTuner(path)).rejects.toThrow(/junk\.safetensors/);
    expect(lib.store.scan().hashes).toEqual([]);
  });

  it('takes an injected inspector (the engine loader can replace the built-in one)', async () => {
    const path = await tuner('x');
    const custom = Library.open({
      dataDir: join(t.dir, 'other'),
      inspector: async (p) => ({ ...(await inspectTunerFile(p)), condition: 'depth', kind: 'csc' }),
    });
    try {
      const r = await custom.importTuner(path);
      expect(r.tuner.kind).toBe('csc');
      expect(r.tuner.condition).toBe('depth');
    } finally {
      custom.close();
    }
  });

  it('asks for the base model when the inspector cannot name its hash', async () => {
    const path = await tuner('foreign');
    const other = Library.open({
      dataDir: join(t.dir, 'other'),
      inspector: async (p) => ({ ...(await inspectTunerFile(p)), baseModelHash: null }),
    });
    try {
      await expect(other.importTuner(path)).rejects.toThrow(/foreign\.safetensors: .*base model's hash/);
      expect(other.store.scan().hashes).toEqual([]);
      const r = await other.importTuner(path, { baseModel: { modelId: 'tiny-sd', hash: 'd'.repeat(64) } });
      expect(r.tuner.baseModel.hash).toBe('d'.repeat(64));
    } finally {
      other.close();
    }
  });

  it('renames, tags, notes, rates, and refuses bad values with clear messages', async () => {
    const { tuner: a } = await lib.importTuner(await tuner('a'));
    lib.tuners.rename(a.id, '  Ink Wash  ');
    lib.tuners.addTags(a.id, ['Ink', 'ink', 'monochrome']);
    lib.tuners.removeTags(a.id, ['monochrome']);
    lib.tuners.setNotes(a.id, 'trained on sumi-e scans');
    lib.tuners.setRating(a.id, 4);
    const b = lib.tuners.require(a.id);
    expect(b).toMatchObject({ name: 'Ink Wash', tags: ['Ink'], notes: 'trained on sumi-e scans', rating: 4 });
    expect(b.updatedAt).toBeGreaterThanOrEqual(a.updatedAt);
    expect(() => lib.tuners.rename(a.id, '   ')).toThrow(/cannot be empty/);
    expect(() => lib.tuners.setRating(a.id, 9)).toThrow(/rating must be 1 to 5/);
    expect(() => lib.tuners.addTags(a.id, [''])).toThrow(/tag "" must be 1 to 64/);
    expect(() => lib.tuners.rename(999, 'x')).toThrow(/no tuner with id 999/);
    expect(lib.tuners.find('Ink Wash')?.id).toBe(a.id);
    expect(lib.tuners.find(a.fileHash.slice(0, 8))?.id).toBe(a.id);
    expect(lib.tuners.find(String(a.id))?.id).toBe(a.id);
  });

  it('searches names, tags and notes (FTS5, prefixes, diacritics), filters, sorts and pages', async () => {
    const ids: Record<string, number> = {};
    for (const [name, kind, tags, notes] of [
      ['Watercolour cats', 'sc', ['style'], 'café paintings'],
      ['Canny edges', 'csc', ['control'], ''],
      ['Oil portrait', 'sc', ['style', 'portrait'], 'thick impasto'],
      ['Depth map', 'csc', ['control'], 'from MiDaS'],
    ] as const) {
      const { tuner: r } = await lib.importTuner(await tuner(name.replace(' ', '-'), { kind }), {
        name,
        tags: [...tags],
        notes,
      });
      ids[name] = r.id;
    }
    const names = (q: Parameters<Library['tuners']['list']>[0]) =>
      lib.tuners.list(q).items.map((x) => x.name);
    expect(names({ search: 'water' })).toEqual(['Watercolour cats']);
    expect(names({ search: 'cafe' })).toEqual(['Watercolour cats']);
    expect(names({ search: 'portrait' })).toEqual(['Oil portrait']);
    expect(names({ search: 'control', sort: 'name' })).toEqual(['Canny edges', 'Depth map']);
    expect(names({ search: 'impasto thick' })).toEqual(['Oil portrait']);
    expect(names({ search: '"); DROP TABLE tuners; --' })).toEqual([]);
    expect(names({ search: 'NEAR(' })).toEqual([]);
    expect(names({ kind: 'csc', sort: 'name' })).toEqual(['Canny edges', 'Depth map']);
    expect(names({ kind: 'sc', tag: 'portrait' })).toEqual(['Oil portrait']);
    expect(names({ condition: 'canny', sort: 'name' })).toEqual(['Canny edges', 'Depth map']);
    expect(names({ sort: 'name', order: 'desc' })).toEqual([
      'Watercolour cats',
      'Oil portrait',
      'Depth map',
      'Canny edges',
    ]);
    const page = lib.tuners.list({ sort: 'name', limit: 3, offset: 3 });
    expect(page.total).toBe(4);
    expect(page.items.map((x) => x.name)).toEqual(['Watercolour cats']);
    // the index follows edits
    lib.tuners.rename(ids['Oil portrait']!, 'Gouache portrait');
    expect(names({ search: 'oil' })).toEqual([]);
    expect(names({ search: 'gouache' })).toEqual(['Gouache portrait']);
    lib.tuners.addTags(ids['Depth map']!, ['zoedepth']);
    expect(names({ search: 'zoe' })).toEqual(['Depth map']);
    lib.tuners.setTags(ids['Depth map']!, []);
    expect(names({ search: 'zoe' })).toEqual([]);
    lib.tuners.setNotes(ids['Watercolour cats']!, 'now about dogs');
    expect(names({ search: 'cafe' })).toEqual([]);
    lib.deleteTuner(ids['Canny edges']!);
    expect(names({ search: 'canny' })).toEqual([]);
    expect(lib.db.prepare('SELECT count(*) FROM tuners_fts').pluck().get()).toBe(3);
  });

  it('exports the file with its library metadata, weights bit-identical, and re-imports it', async () => {
    const { tuner: a } = await lib.importTuner(await tuner('export-me'), { tags: ['x'], notes: 'hello' });
    lib.tuners.setRating(a.id, 5);
    lib.tuners.rename(a.id, 'Exported: one/two');
    const out = await lib.exportTuner(a.id, t.dir);
    expect(out).toBe(join(t.dir, 'Exported_ one_two.safetensors'));
    await expect(lib.exportTuner(a.id, out)).rejects.toThrow(/already exists/);
    const original = await openSafetensors(lib.store.pathOf(a.fileHash));
    const exported = await openSafetensors(out);
    try {
      expect(exported.metadata).toMatchObject({
        [K.name]: 'Exported: one/two',
        [K.tags]: '["x"]',
        [K.notes]: 'hello',
        [K.rating]: '5',
        [K.kind]: 'sc',
        [K.baseModelHash]: BASE_HASH,
        [K.training]: original.metadata[K.training],
      });
      expect(exported.keys().sort()).toEqual(original.keys().sort());
      for (const k of original.keys())
        expect(await exported.readBytes(k)).toEqual(await original.readBytes(k));
    } finally {
      await original.close();
      await exported.close();
    }
    const other = Library.open({ dataDir: join(t.dir, 'friend') });
    try {
      const { tuner: b } = await other.importTuner(out);
      expect(b).toMatchObject({ name: 'Exported: one/two', tags: ['x'], notes: 'hello', rating: 5 });
    } finally {
      other.close();
    }
  });

  it('keeps a preferred weight: given at import, carried by an exported file, a bad one refused or ignored', async () => {
    const { tuner: a } = await lib.importTuner(await tuner('strong-pose', { kind: 'csc' }), {
      preferredWeight: 2,
    });
    expect(a.preferredWeight).toBe(2);
    const { tuner: plain } = await lib.importTuner(await tuner('plain'));
    expect(plain.preferredWeight).toBeNull();
    lib.tuners.setPreferredWeight(plain.id, 1.5);
    expect(lib.tuners.require(plain.id).preferredWeight).toBe(1.5);
    lib.tuners.setPreferredWeight(plain.id, null);
    expect(lib.tuners.require(plain.id).preferredWeight).toBeNull();
    for (const bad of [0, -1, 5, Number.NaN])
      expect(() => lib.tuners.setPreferredWeight(plain.id, bad)).toThrow(
        /preferred weight must be above 0 and at most 4/,
      );
    await expect(lib.importTuner(await tuner('too-strong'), { preferredWeight: 9 })).rejects.toThrow(
      /preferred weight must be above 0 and at most 4 \(or none\), not 9/,
    );
    expect(lib.tuners.find('too-strong')).toBeNull();

    const out = await lib.exportTuner(a.id, join(t.dir, 'shared.safetensors'));
    const exported = await openSafetensors(out);
    try {
      expect(exported.metadata[K.preferredWeight]).toBe('2');
    } finally {
      await exported.close();
    }
    // Imported from that file, then cleared: the next export must not bring the weight back.
    const friendOfFriend = Library.open({ dataDir: join(t.dir, 'second') });
    try {
      const { tuner: again } = await friendOfFriend.importTuner(out);
      friendOfFriend.tuners.setPreferredWeight(again.id, null);
      friendOfFriend.tuners.setRating(again.id, 3);
      friendOfFriend.tuners.setRating(again.id, null);
      const back = await friendOfFriend.exportTuner(again.id, join(t.dir, 'cleared.safetensors'));
      const f = await openSafetensors(back);
      try {
        expect(f.metadata[K.preferredWeight]).toBeUndefined();
        expect(f.metadata[K.rating]).toBeUndefined();
      } finally {
        await f.close();
      }
    } finally {
      friendOfFriend.close();
    }
    const odd = await rewriteTunerFile(out, join(t.dir, 'odd.safetensors'), (tensors, metadata) => {
      metadata[K.preferredWeight] = 'very strong';
      metadata[K.name] = 'Odd';
      return tensors;
    });
    const other = Library.open({ dataDir: join(t.dir, 'friend') });
    try {
      expect((await other.importTuner(out)).tuner.preferredWeight).toBe(2);
      // A hint in someone else's file that makes no sense is dropped, not a failed import.
      expect((await other.importTuner(odd)).tuner).toMatchObject({ name: 'Odd', preferredWeight: null });
    } finally {
      other.close();
    }
  });

  it('keeps trigger words: read from the file, tidied, carried by an export, odd ones dropped', async () => {
    const trained = await rewriteTunerFile(
      await tuner('ink'),
      join(t.dir, 'ink-trained.safetensors'),
      (tensors, metadata) => {
        metadata[K.triggerWords] = JSON.stringify(['ink  wash', 'Ink wash', 'sumi-e']);
        return tensors;
      },
    );
    const { tuner: a } = await lib.importTuner(trained);
    expect(a.triggerWords).toEqual(['ink wash', 'sumi-e']);
    lib.tuners.setTriggerWords(a.id, [' sumi-e ', 'brush', '']);
    expect(lib.tuners.require(a.id).triggerWords).toEqual(['sumi-e', 'brush']);
    expect(() => lib.tuners.setTriggerWords(a.id, ['x'.repeat(101)])).toThrow(/at most 100/);
    expect(() =>
      lib.tuners.setTriggerWords(
        a.id,
        [...Array(21)].map((_, i) => `w${i}`),
      ),
    ).toThrow(/21 trigger words; a tuner has at most 20/);
    expect(lib.tuners.require(a.id).triggerWords).toEqual(['sumi-e', 'brush']);

    const out = await lib.exportTuner(a.id, join(t.dir, 'ink-shared.safetensors'));
    // Cleared here, so gone from the export too, though the stored file still names them.
    lib.tuners.setTriggerWords(a.id, []);
    const cleared = await openSafetensors(
      await lib.exportTuner(a.id, join(t.dir, 'ink-cleared.safetensors')),
    );
    try {
      expect(cleared.metadata[K.triggerWords]).toBeUndefined();
    } finally {
      await cleared.close();
    }
    const odd = await rewriteTunerFile(out, join(t.dir, 'ink-odd.safetensors'), (tensors, metadata) => {
      metadata[K.triggerWords] = JSON.stringify(['ok', 7, 'y'.repeat(500), ...Array(30).fill('z')]);
      metadata[K.name] = 'Odd ink';
      return tensors;
    });
    const broken = await rewriteTunerFile(out, join(t.dir, 'ink-broken.safetensors'), (tensors, metadata) => {
      metadata[K.triggerWords] = '{not json';
      metadata[K.name] = 'Broken ink';
      return tensors;
    });
    const other = Library.open({ dataDir: join(t.dir, 'friend') });
    try {
      expect((await other.importTuner(out)).tuner.triggerWords).toEqual(['sumi-e', 'brush']);
      // Someone else's metadata: what can be kept is kept, never a failed import.
      expect((await other.importTuner(odd)).tuner.triggerWords).toEqual(['ok', 'z']);
      expect((await other.importTuner(broken)).tuner.triggerWords).toEqual([]);
    } finally {
      other.close();
    }
  });

  it('deletes a tuner and its files, keeping files that something else still uses', async () => {
    const { tuner: a } = await lib.importTuner(await tuner('a1'));
    const { tuner: b } = await lib.importTuner(await tuner('b1'));
    const png = await encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(9) });
    const shared = await lib.addPreview(a.id, png);
    await lib.addPreview(b.id, png);
    expect(lib.tuners.require(a.id).previews).toEqual([shared]);
    const first = lib.deleteTuner(a.id);
    expect(first.removedFiles).toEqual([a.fileHash]);
    expect(lib.store.has(a.fileHash)).toBe(false);
    expect(lib.store.has(shared)).toBe(true);
    const second = lib.deleteTuner(b.id);
    expect(second.removedFiles.sort()).toEqual([b.fileHash, shared].sort());
    expect(lib.store.scan().hashes).toEqual([]);
    expect(lib.db.prepare('SELECT count(*) FROM files').pluck().get()).toBe(0);
    expect(() => lib.deleteTuner(a.id)).toThrow(/no tuner with id/);
  });
});

describe('Library: generations and training runs', () => {
  const recipe = (tunerHash: string, prompt = 'a fox'): RecipeInput => ({
    prompt,
    negativePrompt: 'blurry',
    seed: 42,
    sampler: 'Euler a',
    steps: 20,
    guidance: 7,
    width: 64,
    height: 64,
    baseModel: { name: 'tiny-sd', hash: BASE_HASH },
    tuners: [{ name: 'style', hash: tunerHash, kind: 'sc', weight: 0.7 }],
  });

  it('records a generation: the stored PNG carries its recipe, and history lists and finds it', async () => {
    const { tuner: a } = await lib.importTuner(await tuner('style'));
    const png = await encodePng({ width: 4, height: 4, data: new Uint8ClampedArray(64).fill(120) });
    const g = await lib.recordGeneration({
      png,
      recipe: recipe(a.fileHash),
      durationMs: 1234,
      backend: 'wasm',
    });
    expect(g).toMatchObject({ durationMs: 1234, backend: 'wasm', tunerIds: [a.id] });
    const back = readRecipe(readFileSync(lib.store.pathOf(g.imageHash)));
    expect(back.source).toBe('scedit');
    expect(back.recipe).toEqual(g.recipe);
    expect(back.parameters).toMatch(/^a fox\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a/);
    await lib.recordGeneration({ png, recipe: recipe(a.fileHash, 'a red barn') });
    expect(lib.generations.list().items.map((x) => x.prompt)).toEqual(['a red barn', 'a fox']);
    expect(lib.generations.list({ search: 'barn' }).items.map((x) => x.prompt)).toEqual(['a red barn']);
    expect(lib.generations.list({ tunerHash: a.fileHash }).total).toBe(2);
    const [newest, older] = lib.generations.list().items;
    const next = lib.generations.list({ before: newest!.id, limit: 1 });
    expect(next.items.map((x) => x.id)).toEqual([older!.id]);
    expect(next.total).toBe(2); // total counts every match, whatever the page
    expect(lib.generations.list({ search: 'a', before: newest!.id }).items.map((x) => x.prompt)).toEqual([
      'a fox',
    ]);
    expect(lib.generations.list({ search: 'a', order: 'asc' }).items.map((x) => x.prompt)).toEqual([
      'a fox',
      'a red barn',
    ]);
    // history outlives the tuner
    lib.deleteTuner(a.id);
    expect(lib.generations.get(g.id)?.tunerIds).toEqual([null]);
    expect(lib.generations.get(g.id)?.recipe.tuners[0]?.hash).toBe(a.fileHash);
    const removed = lib.deleteGeneration(g.id);
    expect(removed.removedFiles).toEqual([g.imageHash]); // the other picture's recipe differs, so its PNG does too
    expect(lib.store.has(g.imageHash)).toBe(false);
  });

  it('refuses a generation whose condition image is not stored', async () => {
    const png = await encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(16) });
    await expect(
      lib.recordGeneration({
        png,
        recipe: {
          ...recipe('a'.repeat(64)),
          conditions: [{ kind: 'canny', weight: 1, imageHash: 'e'.repeat(64) }],
        },
      }),
    ).rejects.toThrow(/condition layer "canny": image e+ is not in the library/);
    expect(lib.generations.list().total).toBe(0);
    const map = await lib.storeFile(png, 'png');
    const g = await lib.recordGeneration({
      png,
      recipe: { ...recipe('a'.repeat(64)), conditions: [{ kind: 'canny', weight: 1, imageHash: map }] },
    });
    expect(lib.generations.get(g.id)?.recipe.conditions[0]).toEqual({
      kind: 'canny',
      weight: 1,
      imageHash: map,
      start: 0,
      end: 1,
    });
  });

  it('tracks a training run (progress, losses, checkpoint, failure) and tuner lineage', async () => {
    const runs = lib.trainingRuns;
    const id = runs.create({
      name: 'cats',
      kind: 'sc',
      totalSteps: 100,
      dataset: { folder: '/d', imageCount: 3, hash: null },
    });
    runs.start(id);
    runs.progress(id, 10, [
      { step: 9, loss: 0.3 },
      { step: 10, loss: 0.25 },
    ]);
    runs.checkpoint(id, 'runs/1/step-10.safetensors', 10);
    expect(runs.get(id)).toMatchObject({ status: 'running', step: 10, progress: 0.1, checkpointStep: 10 });
    expect(runs.losses(id, 9)).toEqual([{ step: 10, loss: 0.25 }]);
    expect(() => runs.checkpoint(id, '../outside.safetensors', 10)).toThrow(
      /must stay inside the data folder/,
    );
    expect(() => runs.checkpoint(id, '/etc/x', 10)).toThrow(/must stay inside/);
    expect(() => runs.progress(id, 11, [{ step: 11, loss: Number.NaN }])).toThrow(/loss at step 11 is NaN/);
    expect(runs.get(id)?.step).toBe(10); // the failed call changed nothing
    runs.fail(id, 'out of memory');
    expect(runs.get(id)).toMatchObject({ status: 'failed', error: 'out of memory' });
    const { tuner: a } = await lib.importTuner(await tuner('from-run'), { trainingRunId: id });
    const { tuner: b } = await lib.importTuner(await tuner('child'), { parentTunerId: a.id });
    expect(a.trainingRunId).toBe(id);
    expect(b.parentTunerId).toBe(a.id);
    lib.deleteTuner(a.id);
    expect(lib.tuners.require(b.id).parentTunerId).toBeNull();
  });
});
