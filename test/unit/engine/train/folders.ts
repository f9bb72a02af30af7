// Small training folders for the tests, written the way artists' folders look (and go wrong).
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RgbaImage } from '../../../../main/engine/io/image.ts';
import { encodePng } from '../../../../main/engine/io/image.ts';

export async function tempDir(prefix = 'scedit-train-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A picture with a pattern picked by `kind`: 0 left/right halves, 1 stripes, 2 checks, 3 disc. */
export function patternImage(width: number, height: number, kind: number, hue = 0): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const on =
        kind === 0
          ? x < width / 2
          : kind === 1
            ? Math.floor(y / 4) % 2 === 0
            : kind === 2
              ? (Math.floor(x / 8) + Math.floor(y / 8)) % 2 === 0
              : (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 3) ** 2;
      const o = (y * width + x) * 4;
      data[o] = on ? 230 : 20 + hue;
      data[o + 1] = on ? 40 + hue : 200;
      data[o + 2] = on ? 40 : 230 - hue;
      data[o + 3] = 255;
    }
  return { width, height, data };
}

export async function writeImage(path: string, image: RgbaImage): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, await encodePng(image));
}

export function writeText(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** A flat folder of `count` 32×32 pattern pictures with .txt captions. */
export async function patternFolder(
  dir: string,
  count = 4,
  captions = ['a red apple', 'a blue figure'],
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await writeImage(join(dir, `img${i}.png`), patternImage(32, 32, i % 4, i * 10));
    writeText(join(dir, `img${i}.txt`), `${captions[i % captions.length]}\n`);
  }
}
