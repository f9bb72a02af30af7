import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePng, readImage } from '../../../../main/engine/io/image.ts';
import { encodeTextChunk, readPngText, writePngText } from '../../../../main/engine/io/png-text.ts';

async function smallPng(): Promise<Uint8Array> {
  const data = new Uint8ClampedArray(4 * 4 * 4).map((_, i) => (i * 37) % 256);
  return encodePng({ width: 4, height: 4, data });
}

function chunkTypes(png: Uint8Array): string[] {
  const types: string[] = [];
  let pos = 8;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  while (pos < png.length) {
    const len = view.getUint32(pos);
    types.push(String.fromCharCode(...png.subarray(pos + 4, pos + 8)));
    pos += 12 + len;
  }
  return types;
}

describe('PNG text chunks', () => {
  it('writes tEXt for Latin-1 and iTXt for other text, before IEND, and reads both back', async () => {
    const png = await smallPng();
    const out = writePngText(png, [
      { keyword: 'parameters', text: 'a cat, café\nSteps: 20' },
      { keyword: 'scedit', text: '{"prompt":"猫 🐱"}' },
    ]);
    const types = chunkTypes(out);
    expect(types.at(-1)).toBe('IEND');
    expect(types.slice(-3, -1)).toEqual(['tEXt', 'iTXt']);
    expect(readPngText(out)).toEqual([
      { keyword: 'parameters', text: 'a cat, café\nSteps: 20' },
      { keyword: 'scedit', text: '{"prompt":"猫 🐱"}' },
    ]);
  });

  it('keeps the pixels, and sharp (libpng) accepts every CRC we wrote', async () => {
    const png = await smallPng();
    const out = writePngText(png, [{ keyword: 'scedit', text: 'x'.repeat(5000) }], { compressAbove: 100 });
    const a = await readImage(png);
    const b = await readImage(out);
    expect(Buffer.from(b.data)).toEqual(Buffer.from(a.data));
    const meta = await sharp(out).metadata();
    expect(meta.width).toBe(4);
    expect(readPngText(out)).toEqual([{ keyword: 'scedit', text: 'x'.repeat(5000) }]);
    expect(out.length).toBeLessThan(png.length + 200); // it was compressed
  });

  it('replaces chunks with the same keyword instead of piling them up', async () => {
    const once = writePngText(await smallPng(), [{ keyword: 'parameters', text: 'first' }]);
    const twice = writePngText(once, [{ keyword: 'parameters', text: 'second' }]);
    expect(readPngText(twice)).toEqual([{ keyword: 'parameters', text: 'second' }]);
  });

  it('reads zTXt written by other tools', async () => {
    const png = await smallPng();
    const { deflateSync } = await import('node:zlib');
    const data = Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.from('hello'))]);
    const chunk = Buffer.alloc(12 + data.length);
    chunk.writeUInt32BE(data.length, 0);
    chunk.write('zTXt', 4, 'latin1');
    data.copy(chunk, 8);
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
    const iend = png.length - 12;
    const withZ = Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
    expect(readPngText(withZ)).toEqual([{ keyword: 'Comment', text: 'hello' }]);
  });

  it('refuses corrupt files with a message naming the file and the problem', async () => {
    const out = Buffer.from(writePngText(await smallPng(), [{ keyword: 'parameters', text: 'hello' }]));
    const bad = Buffer.from(out);
    bad[bad.length - 20]! ^= 0xff; // inside the tEXt data
    expect(() => readPngText(bad, 'cat.png')).toThrow(/cat\.png: chunk tEXt .* wrong CRC/);
    expect(() => readPngText(out.subarray(0, out.length - 6), 'cut.png')).toThrow(
      /cut\.png: .*(truncated|past the end)/,
    );
    expect(() => readPngText(Buffer.from('GIF89a...'), 'x.gif')).toThrow(/x\.gif: not a PNG/);
  });

  it('refuses invalid keywords', () => {
    expect(() => encodeTextChunk({ keyword: '', text: 'x' })).toThrow(/keyword/);
    expect(() => encodeTextChunk({ keyword: 'k'.repeat(80), text: 'x' })).toThrow(/keyword/);
    expect(() => encodeTextChunk({ keyword: ' lead', text: 'x' })).toThrow(/keyword/);
  });
});
