import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paintBackground } from '../../../main/datasets/emoji/backgrounds.ts';
import { buildEmoji, emojiSplit } from '../../../main/datasets/emoji/build-emoji.ts';
import { emojiCaption } from '../../../main/datasets/emoji/emoji-caption.ts';
import type { EmojiEntry } from '../../../main/datasets/emoji/emoji-catalog.ts';
import { emojiPackageDir, loadEmojiCatalog } from '../../../main/datasets/emoji/emoji-catalog.ts';
import { readImage } from '../../../main/engine/io/image.ts';

const root = mkdtempSync(join(tmpdir(), 'scedit-emoji-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const google = loadEmojiCatalog('google');
const byName = (name: string, tones = 0): EmojiEntry =>
  google.entries.find((e) => e.name === name && e.skinTones.length === tones)!;

describe('emoji catalogue', () => {
  it('lists every Noto emoji with its image, skin-tone variants included', () => {
    expect(google.entries.length).toBeGreaterThan(3700);
    expect(google.skipped).toEqual([]);
    const apple = byName('RED APPLE');
    expect(apple).toMatchObject({ category: 'Food & Drink', subcategory: 'food-fruit', skinTones: [] });
    const thumbs = google.entries.filter((e) => e.group === byName('THUMBS UP SIGN').unified);
    expect(thumbs.map((e) => e.skinTones.join(','))).toEqual([
      '',
      'light',
      'medium-light',
      'medium',
      'medium-dark',
      'dark',
    ]);
  });

  it('reads the Twemoji package the same way', () => {
    const twitter = loadEmojiCatalog('twitter');
    expect(twitter.entries.length).toBeGreaterThan(3700);
    expect(twitter.entries[0]!.imagePath).toContain(join('img', 'twitter', '64'));
  });

  it('skips and reports entries without an image', () => {
    const dir = join(root, 'fake-package');
    mkdirSync(join(dir, 'img', 'google', '64'), { recursive: true });
    const source = emojiPackageDir('google');
    copyFileSync(
      join(source, 'img', 'google', '64', '1f34e.png'),
      join(dir, 'img', 'google', '64', '1f34e.png'),
    );
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '0.0.1' }));
    const base = {
      short_names: [],
      category: 'Food & Drink',
      subcategory: 'food-fruit',
      has_img_google: true,
    };
    writeFileSync(
      join(dir, 'emoji.json'),
      JSON.stringify([
        { ...base, name: 'RED APPLE', unified: '1F34E', image: '1f34e.png' },
        { ...base, name: 'GREEN APPLE', unified: '1F34F', image: '1f34f.png' },
        { ...base, name: 'PEAR', unified: '1F350', image: '1f350.png', has_img_google: false },
      ]),
    );
    const catalog = loadEmojiCatalog('google', dir);
    expect(catalog.entries.map((e) => e.name)).toEqual(['RED APPLE']);
    expect(catalog.skipped).toEqual([
      { unified: '1F34F', name: 'GREEN APPLE', reason: expect.stringMatching(/image file missing/) },
      { unified: '1F350', name: 'PEAR', reason: 'no google image (has_img_google is false)' },
    ]);
    writeFileSync(join(dir, 'emoji.json'), '{"not": "a list"}');
    expect(() => loadEmojiCatalog('google', dir)).toThrow(/emoji\.json: expected an array/);
  });
});

describe('emoji captions', () => {
  it('say the name, the short names and sub-category that add words, the skin tone and the background', () => {
    expect(emojiCaption(byName('RED APPLE'))).toBe('red apple, fruit');
    expect(emojiCaption(byName('THUMBS UP SIGN', 1), 'a white background')).toBe(
      'thumbs up sign, +1, thumbsup, hand fingers closed, light skin tone, on a white background',
    );
    expect(emojiCaption(byName('SMILING FACE WITH OPEN MOUTH'))).toBe('smiling face with open mouth, smiley');
    expect(emojiCaption(byName('Germany Flag'))).toBe('germany flag, country flag');
  });
});

describe('backgrounds', () => {
  it('paint a gradient from the first colour to the second along its angle', () => {
    const img = paintBackground(
      { kind: 'gradient', colors: ['black', 'white'], hex: ['#000000', '#ffffff'], angleDeg: 0 },
      16,
      4,
    );
    expect(img.data[0]).toBeLessThan(20);
    expect(img.data[15 * 4]).toBeGreaterThan(235);
    expect(img.data[4 * 16 * 3]).toBe(img.data[0]);
  });
});

describe('scedit dataset build emoji (library)', () => {
  it('composites emoji on recorded backgrounds, with labels, captions and a grouped held-out split', async () => {
    const out = join(root, 'a');
    const { counts, skipped } = await buildEmoji({
      out,
      vendor: 'google',
      count: 24,
      seed: 9,
      size: 48,
      heldout: 0.25,
    });
    expect(skipped).toEqual([]);
    expect(counts.train + counts.heldout).toBe(24);
    for (const split of ['train', 'heldout'] as const) {
      if (counts[split] === 0) continue;
      const rows = readFileSync(join(out, split, 'metadata.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      for (const row of rows) {
        const entry = google.entries.find((e) => e.unified === row.unified)!;
        expect(row.category).toBe(entry.category);
        expect(row.subcategory).toBe(entry.subcategory);
        expect(emojiSplit(9, entry, 0.25)).toBe(split);
        const bgWords =
          row.background.kind === 'plain'
            ? `a ${row.background.colors[0]} background`
            : `a ${row.background.colors[0]} to ${row.background.colors[1]} gradient background`;
        expect(row.text).toBe(emojiCaption(entry, bgWords));
        expect(readFileSync(join(out, split, row.file_name.replace('.png', '.txt')), 'utf8')).toBe(
          `${row.text}\n`,
        );
        const img = await readImage(join(out, split, row.file_name));
        expect([img.width, img.height]).toEqual([48, 48]);
        // Transparency was composited away: every pixel is opaque.
        for (let i = 3; i < img.data.length; i += 4) expect(img.data[i]).toBe(255);
      }
    }
    // Variants of one emoji never straddle the split.
    for (const e of google.entries.slice(0, 400))
      expect(emojiSplit(9, e, 0.25)).toBe(
        emojiSplit(9, google.entries.find((b) => b.unified === e.group)!, 0.25),
      );
  });

  it('gives the same bytes for the same seed', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    await buildEmoji({ out: b, vendor: 'google', count: 24, seed: 9, size: 48, heldout: 0.25 });
    for (const split of ['train', 'heldout']) {
      for (const f of readdirSync(join(a, split)))
        expect(readFileSync(join(b, split, f)).equals(readFileSync(join(a, split, f))), f).toBe(true);
    }
  });
});
