import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetFolderError } from '../../../main/datasets/dataset-writer.ts';
import { buildFigures, figureSplit } from '../../../main/datasets/figures/build-figures.ts';
import { figureCaption } from '../../../main/datasets/figures/caption.ts';
import { sampleFigureScene } from '../../../main/datasets/figures/figure-scene.ts';
import { readImage } from '../../../main/engine/io/image.ts';
import { parseOpenPoseJson } from '../../../shared/pose/openpose-json.ts';

const root = mkdtempSync(join(tmpdir(), 'scedit-figures-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const options = { count: 14, seed: 4, size: 32, heldout: 0.3, supersample: 2 };

describe('scedit dataset build figures (library)', () => {
  it('writes the training-folder layout with captions, labels, depth and pose for every image', async () => {
    const out = join(root, 'a');
    const { counts } = await buildFigures({ out, ...options });
    expect(counts.train + counts.heldout).toBe(14);
    expect(counts.heldout).toBeGreaterThan(0);
    const manifest = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8'));
    expect(manifest).toMatchObject({ source: 'figures', options: { count: 14, seed: 4, size: 32 }, counts });
    for (const split of ['train', 'heldout'] as const) {
      const dir = join(out, split);
      const rows = readFileSync(join(dir, 'metadata.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(rows.length).toBe(counts[split]);
      for (const row of rows) {
        const stem = row.file_name.replace(/\.png$/, '');
        const index = Number(stem);
        expect(stem).toMatch(/^\d{6}$/);
        expect(figureSplit(4, index, 0.3)).toBe(split);
        // The caption file, the metadata text and the labels all agree with the scene.
        const labels = sampleFigureScene(4, index).labels;
        expect(row.text).toBe(figureCaption(labels));
        expect(readFileSync(join(dir, `${stem}.txt`), 'utf8')).toBe(`${row.text}\n`);
        expect(row).toMatchObject({
          pose: labels.pose,
          figure_color: labels.figureColor,
          object: labels.object,
          time_of_day: labels.timeOfDay,
          ground: labels.ground,
        });
        const image = await readImage(join(dir, row.file_name));
        expect([image.width, image.height]).toEqual([32, 32]);
        const depth = await readImage(join(dir, row.conditions.depth));
        expect([depth.width, depth.height]).toEqual([32, 32]);
        const skeleton = await readImage(join(dir, row.conditions.skeleton));
        expect([skeleton.width, skeleton.height]).toEqual([32, 32]);
        const pose = parseOpenPoseJson(readFileSync(join(dir, row.conditions.pose), 'utf8'));
        expect(pose.document.canvasWidth).toBe(32);
        expect(pose.document.people[0]!.body.length).toBe(18);
        expect(pose.document.people[0]!.body.filter((p) => p !== null).length).toBe(row.visible_keypoints);
      }
      expect(listFiles(dir).filter((f) => f.endsWith('.png') && !f.includes('/')).length).toBe(rows.length);
    }
  });

  it('gives the same bytes for the same options, and the same first images when more are built', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    await buildFigures({ out: b, ...options });
    const files = listFiles(a);
    expect(listFiles(b)).toEqual(files);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    const c = join(root, 'c');
    await buildFigures({ out: c, ...options, count: 16 });
    const first = files.filter((f) => /(train|heldout)\/0000(0\d|1[0-3])\.png$/.test(f));
    for (const f of first) expect(readFileSync(join(c, f)).equals(readFileSync(join(a, f))), f).toBe(true);
  });

  it('refuses a folder that is not empty, and replaces only a dataset built before', async () => {
    const a = join(root, 'a');
    await expect(buildFigures({ out: a, ...options })).rejects.toThrow(DatasetFolderError);
    await expect(buildFigures({ out: a, ...options })).rejects.toThrow(/not empty.*--force/);
    const { counts } = await buildFigures({ out: a, ...options, count: 3, replace: true });
    expect(counts.train + counts.heldout).toBe(3);
    expect(listFiles(join(a, 'train')).filter((f) => /^\d+\.png$/.test(f)).length).toBe(counts.train);
    const other = join(root, 'other');
    await buildFigures({ out: join(other, 'x'), ...options, count: 1 });
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await expect(buildFigures({ out: other, ...options, replace: true })).rejects.toThrow(/no dataset.json/);
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine');
    await expect(buildFigures({ out: join(other, 'notes.txt'), ...options })).rejects.toThrow(
      /is a file, not a folder/,
    );
  });
});
