// The style bench's data: a Twemoji dataset built with the Noto dataset's settings is its twin
// (picture k is the same emoji on the same background, the held-out split the same emoji), built
// here small from the installed vendor packages; the reuse check, the metadata parser, the
// training subset and its folder.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmoji } from '../../../main/datasets/emoji/build-emoji.ts';
import { scanTrainingFolder } from '../../../main/engine/train/dataset-scan.ts';
import {
  datasetMismatch,
  ensureTwemojiDataset,
  pairTwins,
  parseSplitMetadata,
  readSplit,
  TWIN_OF_NOTO,
  trainingSubset,
  writeTrainingFolder,
} from '../../../test/bench/style/twemoji-data.ts';

const BUILD = { count: 40, seed: TWIN_OF_NOTO.seed, size: 32, heldout: 0.3 };
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scedit-style-data-'));
  await buildEmoji({ out: join(dir, 'noto'), vendor: 'google', ...BUILD });
  await ensureTwemojiDataset(join(dir, 'twemoji'), BUILD, () => {});
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('style bench data', () => {
  it('builds a Twemoji twin of the Noto dataset: same emoji, captions and backgrounds per picture', () => {
    const noto = readSplit(join(dir, 'noto'), 'heldout');
    const twemoji = readSplit(join(dir, 'twemoji'), 'heldout');
    expect(twemoji.length).toBeGreaterThan(0);
    const { pairs, unmatched } = pairTwins(twemoji, noto);
    expect(unmatched).toBe(0);
    expect(pairs).toHaveLength(noto.length);
    for (const { twemoji: t, noto: n } of pairs) {
      expect(t.caption).toBe(n.caption);
      expect(t.labels.background).toEqual(n.labels.background);
      expect(t.labels.vendor).toBe('twitter');
      expect(n.labels.vendor).toBe('google');
      expect(readFileSync(t.file).equals(readFileSync(n.file))).toBe(false);
    }
    const train = readSplit(join(dir, 'twemoji'), 'train');
    expect(train.length + twemoji.length).toBe(BUILD.count);
  });

  it('reuses a fitting dataset and rebuilds one that does not fit', async () => {
    const target = join(dir, 'twemoji');
    const before = statSync(join(target, 'dataset.json')).mtimeMs;
    expect(await ensureTwemojiDataset(target, { ...BUILD, count: 30 }, () => {})).toEqual({ built: false });
    expect(statSync(join(target, 'dataset.json')).mtimeMs).toBe(before);
    const lines: string[] = [];
    expect(await ensureTwemojiDataset(target, { ...BUILD, count: 45 }, (l) => lines.push(l))).toEqual({
      built: true,
    });
    expect(lines.join('\n')).toMatch(/rebuilding .*fewer than the 45/);
    expect(readSplit(target, 'train').length + readSplit(target, 'heldout').length).toBe(45);
  });

  it('says why a dataset cannot serve', () => {
    const fits = { vendor: 'twitter', options: { count: 50, seed: 1, size: 32, heldout: 0.3 } };
    expect(datasetMismatch(fits, BUILD)).toBeNull();
    expect(datasetMismatch({ ...fits, vendor: 'google' }, BUILD)).toMatch(/vendor is "google"/);
    expect(datasetMismatch({ ...fits, options: { ...fits.options, seed: 2 } }, BUILD)).toMatch(
      /seed is 2, not 1/,
    );
    expect(datasetMismatch({ ...fits, options: { ...fits.options, count: 10 } }, BUILD)).toMatch(
      /10 pictures, fewer than the 40/,
    );
    expect(datasetMismatch({ vendor: 'twitter' }, BUILD)).toMatch(/seed is undefined/);
  });

  it('parses metadata lines, naming the file and line of a bad one', () => {
    const text = '{"file_name":"000001.png","text":"cat face","category":"Animals"}\n\n';
    expect(parseSplitMetadata(text, '/d', 'emoji', 'm.jsonl')).toEqual([
      { source: 'emoji', file: '/d/000001.png', caption: 'cat face', labels: { category: 'Animals' } },
    ]);
    expect(() => parseSplitMetadata('{"file_name":1,"text":"x"}', '/d', 'emoji', 'm.jsonl')).toThrow(
      /m\.jsonl:1: needs string file_name and text/,
    );
    expect(() => parseSplitMetadata('ok\n', '/d', 'emoji', 'm.jsonl')).toThrow(/m\.jsonl:1: not JSON/);
  });

  it('leaves out a Twemoji picture whose twin shows another emoji', () => {
    const t = { source: 'emoji', file: '/a/000001.png', caption: 'x', labels: { unified: '1F600' } };
    const other = { ...t, file: '/b/000001.png', labels: { unified: '1F601' } };
    expect(pairTwins([t], [other])).toEqual({ pairs: [], unmatched: 1 });
  });

  it('writes the first N training pictures as a folder the trainer scans, kept while it holds them', async () => {
    const train = readSplit(join(dir, 'twemoji'), 'train');
    expect(() => trainingSubset(train, train.length + 1)).toThrow(/holds only/);
    const subset = trainingSubset(train, 5);
    expect(subset).toEqual(train.slice(0, 5));
    const folder = join(dir, 'train-5');
    expect(writeTrainingFolder(subset, folder)).toEqual({ reused: false });
    expect(writeTrainingFolder(subset, folder)).toEqual({ reused: true });
    const scan = await scanTrainingFolder(folder);
    expect(scan.images.map((i) => i.caption)).toEqual(subset.map((s) => s.caption));
    expect(scan.captionSources.txt).toBe(5);
    expect(writeTrainingFolder(subset.slice(0, 3), folder)).toEqual({ reused: false });
    expect(readdirSync(folder).filter((f) => f.endsWith('.png'))).toHaveLength(3);
  });
});
