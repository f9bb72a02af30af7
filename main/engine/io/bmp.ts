// A BMP decoder (libvips, under sharp, reads no BMP). Handles what painting programs write:
// uncompressed 24/32-bit, 1/4/8-bit palettes, BI_BITFIELDS 16/32-bit, bottom-up or top-down.
import type { RgbaImage } from './image.ts';

export class BmpError extends Error {}

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

export function decodeBmp(bytes: Uint8Array): RgbaImage {
  if (bytes.length < 54 || !isBmp(bytes))
    throw new BmpError('not a BMP file (too short or no "BM" signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40)
    throw new BmpError(`unsupported BMP header (size ${headerSize}; OS/2 bitmaps are not read)`);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bpp = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height === 0) throw new BmpError(`BMP has zero or negative size ${width}x${rawHeight}`);
  if (compression !== 0 && compression !== 3)
    throw new BmpError(`compressed BMP (method ${compression}) is not supported`);
  if (![1, 4, 8, 16, 24, 32].includes(bpp))
    throw new BmpError(`BMP with ${bpp} bits per pixel is not supported`);

  let masks = [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000];
  if (compression === 3) {
    const at = headerSize >= 52 ? 54 : 14 + headerSize;
    masks = [
      view.getUint32(at, true),
      view.getUint32(at + 4, true),
      view.getUint32(at + 8, true),
      headerSize >= 56 ? view.getUint32(at + 12, true) : 0,
    ];
  } else if (bpp === 16) {
    masks = [0x7c00, 0x03e0, 0x001f, 0];
  }
  const palette: number[][] = [];
  if (bpp <= 8) {
    const count = view.getUint32(46, true) || 1 << bpp;
    const at = 14 + headerSize;
    for (let i = 0; i < count; i++) {
      const p = at + i * 4;
      if (p + 3 >= bytes.length) throw new BmpError('BMP palette runs past the end of the file');
      palette.push([bytes[p + 2]!, bytes[p + 1]!, bytes[p]!]);
    }
  }
  const rowBytes = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + rowBytes * height > bytes.length) {
    throw new BmpError(
      `BMP pixel data is truncated: needs ${rowBytes * height} bytes at offset ${dataOffset}, file has ${bytes.length}`,
    );
  }
  const out = new Uint8ClampedArray(width * height * 4);
  const channel = (value: number, mask: number) => {
    if (mask === 0) return 255;
    let m = mask >>> 0;
    let s = 0;
    while ((m & 1) === 0) {
      m >>>= 1;
      s++;
    }
    return Math.round((((value >>> s) & m) / m) * 255);
  };
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 255;
      if (bpp <= 8) {
        const bitPos = x * bpp;
        const byte = bytes[row + (bitPos >> 3)]!;
        const idx = (byte >> (8 - bpp - (bitPos & 7))) & ((1 << bpp) - 1);
        const c = palette[idx] ?? [0, 0, 0];
        [r, g, b] = c as [number, number, number];
      } else if (bpp === 24 || (bpp === 32 && compression === 0)) {
        const p = row + x * (bpp / 8);
        b = bytes[p]!;
        g = bytes[p + 1]!;
        r = bytes[p + 2]!;
        // Most 32-bit BMPs leave the fourth byte zero: treat them as opaque.
      } else {
        const p = row + x * (bpp / 8);
        const v = bpp === 16 ? view.getUint16(p, true) : view.getUint32(p, true);
        r = channel(v, masks[0]!);
        g = channel(v, masks[1]!);
        b = channel(v, masks[2]!);
        a = masks[3] ? channel(v, masks[3]) : 255;
      }
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = a;
    }
  }
  return { width, height, data: out };
}
