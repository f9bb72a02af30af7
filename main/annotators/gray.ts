// RGBA -> 8-bit luminance, and one-channel maps back to RGBA.
import type { RgbaImage } from '../engine/io/image.ts';

/**
 * Luminance with the BT.601 weights in the same 14-bit fixed point OpenCV's RGB2GRAY uses, so
 * maps made here and by Python annotators agree to the bit.
 */
export function rgbaToGray(image: RgbaImage): Uint8Array {
  const { data } = image;
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    out[i] = (data[o]! * 4899 + data[o + 1]! * 9617 + data[o + 2]! * 1868 + 8192) >> 14;
  }
  return out;
}

/** A one-channel map (0..255) as an opaque grey RGBA image. */
export function grayToRgba(values: Uint8Array | Uint8ClampedArray, width: number, height: number): RgbaImage {
  const n = width * height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    const v = values[i]!;
    data[o] = v;
    data[o + 1] = v;
    data[o + 2] = v;
    data[o + 3] = 255;
  }
  return { width, height, data };
}

/** One channel (0 = red, 1 = green, 2 = blue) of an RGBA image. */
export function rgbaChannel(image: RgbaImage, channel: 0 | 1 | 2): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  const { data } = image;
  for (let i = 0, o = channel; i < n; i++, o += 4) out[i] = data[o]!;
  return out;
}
