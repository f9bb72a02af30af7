// `scedit dataset build emoji`: emoji images composited onto recorded plain or gradient
// backgrounds, captioned from their names, labelled with category and sub-category.
import type { RgbaImage } from '../../engine/io/image.ts';
import { readImage, resizeImage } from '../../engine/io/image.ts';
import type { Split } from '../dataset-writer.ts';
import { DatasetWriter, progressReporter, stemOf } from '../dataset-writer.ts';
import { hashSeed, Prng } from '../prng.ts';
import { backgroundPhrase, compositeOver, paintBackground, sampleBackground } from './backgrounds.ts';
import { emojiCaption } from './emoji-caption.ts';
import type { EmojiCatalog, EmojiEntry, EmojiVendor } from './emoji-catalog.ts';
import { loadEmojiCatalog } from './emoji-catalog.ts';

export interface BuildEmojiOptions {
  out: string;
  vendor: EmojiVendor;
  /** Number of pictures; default: every emoji once. More than the catalogue repeats emoji on new backgrounds. */
  count?: number;
  seed: number;
  size: number;
  heldout: number;
  replace?: boolean;
  log?: (line: string) => void;
  command?: string;
  /** A catalogue to use instead of the installed package's (tests). */
  catalog?: EmojiCatalog;
}

/** FNV-1a of a string: a stable number for an emoji's group. */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Skin-tone variants go to the same split as their base emoji, so nothing held out was seen. */
export function emojiSplit(seed: number, entry: EmojiEntry, heldout: number): Split {
  return hashSeed(seed ^ 0x656d6a, stringHash(entry.group)) / 4294967296 < heldout ? 'heldout' : 'train';
}

export async function buildEmoji(options: BuildEmojiOptions): Promise<{
  counts: Record<Split, number>;
  skipped: EmojiCatalog['skipped'];
  seconds: number;
}> {
  const started = performance.now();
  const { out, vendor, seed, size, heldout } = options;
  const log = options.log ?? (() => {});
  const catalog = options.catalog ?? loadEmojiCatalog(vendor);
  if (catalog.entries.length === 0)
    throw new Error(`${catalog.packageName} has no emoji with ${vendor} images`);
  if (catalog.skipped.length > 0) {
    const shown = catalog.skipped.slice(0, 5).map((s) => `${s.name} (${s.reason})`);
    log(
      `emoji: skipped ${catalog.skipped.length} without an image: ${shown.join('; ')}${catalog.skipped.length > 5 ? '; …' : ''}`,
    );
  }
  if (size > 64) log(`emoji: the package's images are 64 px; at ${size} px they are enlarged and soft`);
  const count = options.count ?? catalog.entries.length;
  const order = new Prng(seed, 0x7fffffff).shuffle(catalog.entries);
  const writer = DatasetWriter.open(out, options.replace ?? false);
  const report = progressReporter(`emoji (${vendor})`, count, log);
  const decoded = new Map<string, RgbaImage>();
  for (let k = 0; k < count; k++) {
    const entry = order[k % order.length]!;
    const rng = new Prng(seed, k);
    const background = sampleBackground(rng);
    const scale = rng.range(0.78, 1);
    const side = Math.max(1, Math.round(size * scale));
    const left = Math.round(((size - side) / 2) * (1 + rng.jitter(0.8)));
    const top = Math.round(((size - side) / 2) * (1 + rng.jitter(0.8)));
    let art = decoded.get(entry.imagePath);
    if (!art) {
      art = await readImage(entry.imagePath);
      // Repeats reuse the decode; a full catalogue is ~3,800 small pictures.
      if (count > order.length) decoded.set(entry.imagePath, art);
    }
    const fitted = await resizeImage(art, side, side, 'fill');
    const image = compositeOver(paintBackground(background, size, size), fitted, left, top);
    await writer.add({
      split: emojiSplit(seed, entry, heldout),
      stem: stemOf(k),
      image,
      caption: emojiCaption(entry, backgroundPhrase(background)),
      labels: {
        category: entry.category,
        subcategory: entry.subcategory,
        name: entry.name,
        unified: entry.unified,
        skin_tone: entry.skinTones.length ? entry.skinTones.join(',') : null,
        vendor,
        background: {
          kind: background.kind,
          colors: background.colors,
          hex: background.hex,
          angle_deg: background.angleDeg,
        },
        placement: { left, top, size: side },
      },
    });
    report(k + 1);
  }
  const counts = await writer.finish({
    format: 'scedit-dataset',
    source: 'emoji',
    vendor,
    package: `${catalog.packageName}@${catalog.packageVersion}`,
    licence:
      vendor === 'google'
        ? 'Noto Emoji images: Apache License 2.0 (see assets/licenses/noto-emoji.md)'
        : 'Twemoji graphics: CC-BY 4.0 (see assets/licenses/twemoji.md)',
    command: options.command ?? null,
    options: { count, seed, size, heldout, vendor },
    catalogue: { emoji: catalog.entries.length, skipped: catalog.skipped },
  });
  return { counts, skipped: catalog.skipped, seconds: (performance.now() - started) / 1000 };
}
