// The emoji a vendor package offers: names, short names, categories and image files, read from
// the emoji-datasource-<vendor> npm packages (emoji.json + img/<vendor>/64/*.png).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const EMOJI_VENDORS = ['google', 'twitter'] as const;
export type EmojiVendor = (typeof EMOJI_VENDORS)[number];

export const SKIN_TONES: Record<string, string> = {
  '1F3FB': 'light',
  '1F3FC': 'medium-light',
  '1F3FD': 'medium',
  '1F3FE': 'medium-dark',
  '1F3FF': 'dark',
};

export interface EmojiEntry {
  /** Code points, e.g. "1F600" or "1F44D-1F3FD". */
  unified: string;
  /** The base emoji's code points: skin-tone variants share it (they are split together). */
  group: string;
  name: string;
  shortNames: string[];
  category: string;
  subcategory: string;
  /** Skin tones of a variant, e.g. ["medium"] or ["light", "dark"]; empty for the base emoji. */
  skinTones: string[];
  imagePath: string;
}

export interface EmojiCatalog {
  vendor: EmojiVendor;
  packageName: string;
  packageVersion: string;
  entries: EmojiEntry[];
  /** Entries without an image for this vendor, and why. */
  skipped: { unified: string; name: string; reason: string }[];
}

interface RawVariation {
  unified: string;
  image: string;
  [key: string]: unknown;
}

interface RawEmoji {
  name: string | null;
  unified: string;
  image: string;
  short_names: string[];
  category: string;
  subcategory: string;
  skin_variations?: Record<string, RawVariation>;
  [key: string]: unknown;
}

export class EmojiCatalogError extends Error {}

/** Where the vendor's package is installed. */
export function emojiPackageDir(vendor: EmojiVendor): string {
  const packageName = `emoji-datasource-${vendor}`;
  try {
    return dirname(createRequire(import.meta.url).resolve(`${packageName}/package.json`));
  } catch {
    throw new EmojiCatalogError(`the npm package ${packageName} is not installed (run "npm ci")`);
  }
}

export function loadEmojiCatalog(vendor: EmojiVendor, packageDir = emojiPackageDir(vendor)): EmojiCatalog {
  const packageName = `emoji-datasource-${vendor}`;
  const jsonPath = join(packageDir, 'emoji.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (err) {
    throw new EmojiCatalogError(`${jsonPath}: cannot be read as JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new EmojiCatalogError(`${jsonPath}: expected an array of emoji`);
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string })
    .version;
  const imageDir = join(packageDir, 'img', vendor, '64');
  const hasImageKey = `has_img_${vendor}`;
  const entries: EmojiEntry[] = [];
  const skipped: EmojiCatalog['skipped'] = [];
  for (const [i, item] of (raw as RawEmoji[]).entries()) {
    if (
      typeof item?.unified !== 'string' ||
      typeof item.image !== 'string' ||
      typeof item.category !== 'string'
    )
      throw new EmojiCatalogError(`${jsonPath}: entry ${i} lacks unified/image/category`);
    const name = (item.name ?? item.short_names?.[0] ?? item.unified).toString();
    const variants: { unified: string; image: string; tones: string[]; has: unknown }[] = [
      { unified: item.unified, image: item.image, tones: [], has: item[hasImageKey] },
      ...Object.entries(item.skin_variations ?? {}).map(([key, v]) => ({
        unified: v.unified,
        image: v.image,
        tones: key.split('-').map((k) => SKIN_TONES[k] ?? k),
        has: v[hasImageKey],
      })),
    ];
    for (const v of variants) {
      const imagePath = join(imageDir, v.image);
      const label = v.tones.length ? `${name} (${v.tones.join(', ')} skin tone)` : name;
      if (v.has === false) {
        skipped.push({
          unified: v.unified,
          name: label,
          reason: `no ${vendor} image (${hasImageKey} is false)`,
        });
        continue;
      }
      if (!existsSync(imagePath)) {
        skipped.push({ unified: v.unified, name: label, reason: `image file missing: ${imagePath}` });
        continue;
      }
      entries.push({
        unified: v.unified,
        group: item.unified,
        name,
        shortNames: Array.isArray(item.short_names) ? item.short_names : [],
        category: item.category,
        subcategory: typeof item.subcategory === 'string' ? item.subcategory : '',
        skinTones: v.tones,
        imagePath,
      });
    }
  }
  return { vendor, packageName, packageVersion: version, entries, skipped };
}
