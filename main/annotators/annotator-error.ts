// Errors an annotator raises for bad input, and the checks every annotator runs first.
import type { RgbaImage } from '../engine/io/image.ts';

/** Larger inputs are refused before any work: a 16k × 16k photo is already 1 GiB of RGBA. */
export const MAX_ANNOTATOR_SIDE = 16384;
export const MAX_ANNOTATOR_PIXELS = 64 * 1024 * 1024;

export class AnnotatorError extends Error {}

/** Throws an AnnotatorError naming what is wrong unless `image` is a usable RGBA image. */
export function checkAnnotatorImage(image: unknown, what = 'image'): asserts image is RgbaImage {
  if (typeof image !== 'object' || image === null)
    throw new AnnotatorError(`${what} is not an image (expected {width, height, data} RGBA pixels)`);
  const { width, height } = image as Partial<RgbaImage>;
  const data: unknown = (image as Partial<RgbaImage>).data;
  if (!Number.isInteger(width) || !Number.isInteger(height))
    throw new AnnotatorError(`${what} has no whole-number width and height`);
  const w = width as number;
  const h = height as number;
  if (w <= 0 || h <= 0) throw new AnnotatorError(`${what} has zero size (${w}x${h})`);
  if (w > MAX_ANNOTATOR_SIDE || h > MAX_ANNOTATOR_SIDE || w * h > MAX_ANNOTATOR_PIXELS)
    throw new AnnotatorError(
      `${what} is too large (${w}x${h}); annotators take at most ${MAX_ANNOTATOR_SIDE} pixels a side and ${MAX_ANNOTATOR_PIXELS} pixels in all`,
    );
  if (!(data instanceof Uint8ClampedArray) && !(data instanceof Uint8Array))
    throw new AnnotatorError(`${what} has no RGBA pixel data`);
  if ((data as Uint8Array).length !== w * h * 4)
    throw new AnnotatorError(
      `${what} has ${(data as Uint8Array).length} bytes of pixels, expected ${w * h * 4} for ${w}x${h} RGBA`,
    );
}

/** Checks a requested output side (the size a condition map is made at). */
export function checkOutputSide(value: number, field: string): void {
  if (!Number.isInteger(value) || value <= 0 || value > MAX_ANNOTATOR_SIDE)
    throw new AnnotatorError(
      `${field} must be a whole number of pixels from 1 to ${MAX_ANNOTATOR_SIDE}, got ${value}`,
    );
}
