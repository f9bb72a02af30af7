import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePng, readImage, resizeImage } from '../../../../main/engine/io/image.ts';

const dir = mkdtempSync(join(tmpdir(), 'scedit-image-'));

function gradient(width: number, height: number) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      data.set([x * 10, y * 20, 128, 255], o);
    }
  return { width, height, data };
}

function bmp24(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): Uint8Array {
  const row = Math.ceil((width * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + row * height);
  buf.write('BM', 0);
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const o = 54 + (height - 1 - y) * row + x * 3;
      buf[o] = b;
      buf[o + 1] = g;
      buf[o + 2] = r;
    }
  return buf;
}

describe('image io', () => {
  it('round-trips RGBA through PNG exactly', async () => {
    const img = gradient(7, 5);
    const back = await readImage(await encodePng(img));
    expect(back.width).toBe(7);
    expect(back.height).toBe(5);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
  });

  it('reads JPEG and WebP', async () => {
    const raw = { raw: { width: 8, height: 8, channels: 3 as const } };
    const pixels = Buffer.alloc(8 * 8 * 3, 200);
    const jpg = await sharp(pixels, raw).jpeg().toBuffer();
    const webp = await sharp(pixels, raw).webp({ lossless: true }).toBuffer();
    for (const bytes of [jpg, webp]) {
      const img = await readImage(bytes);
      expect([img.width, img.height]).toEqual([8, 8]);
      expect(Math.abs(img.data[0]! - 200)).toBeLessThan(4);
      expect(img.data[3]).toBe(255);
    }
  });

  it('reads bottom-up 24-bit BMP with row padding', async () => {
    const img = await readImage(bmp24(3, 2, (x, y) => [x * 50, y * 100, 7]));
    expect([img.width, img.height]).toEqual([3, 2]);
    expect(Array.from(img.data.subarray(0, 4))).toEqual([0, 0, 7, 255]);
    const last = ((1 * 3 + 2) * 4) as number;
    expect(Array.from(img.data.subarray(last, last + 4))).toEqual([100, 100, 7, 255]);
  });

  it('names the file and the problem for bad input', async () => {
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, '');
    await expect(readImage(empty)).rejects.toThrow(/empty\.png: the file is empty/);
    const text = join(dir, 'notes.png');
    writeFileSync(text, 'hello, I am not a picture');
    await expect(readImage(text)).rejects.toThrow(/notes\.png: not a PNG, JPEG, WebP or BMP image/);
    const truncated = join(dir, 'cut.png');
    writeFileSync(truncated, (await encodePng(gradient(32, 32))).subarray(0, 60));
    await expect(readImage(truncated)).rejects.toThrow(/cut\.png: corrupt or unreadable PNG/);
    await expect(readImage(join(dir, 'missing.png'))).rejects.toThrow(/missing\.png: no such file/);
    await expect(readImage(dir)).rejects.toThrow(/is a folder/);
    const badBmp = bmp24(4, 4, () => [1, 2, 3]).subarray(0, 70);
    await expect(readImage(badBmp, { name: 'x.bmp' })).rejects.toThrow(/x\.bmp: BMP pixel data is truncated/);
  });

  it('refuses oversized images before decoding', async () => {
    const big = await encodePng(gradient(20, 20));
    await expect(readImage(big, { maxPixels: 100 })).rejects.toThrow(/too large/);
  });

  it('resizes with centre crop', async () => {
    const img = await resizeImage(gradient(20, 10), 10, 10, 'cover');
    expect([img.width, img.height]).toEqual([10, 10]);
  });
});
