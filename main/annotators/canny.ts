// Canny edge detection in plain TypeScript over typed arrays: 3×3 Sobel gradients, non-maximum
// suppression in four directions, double threshold and hysteresis. It follows OpenCV's Canny
// (aperture 3, L1 magnitude |dx|+|dy| unless asked for L2, replicated borders, strict
// thresholds), so thresholds mean what they mean in the SCEdit configs (cv2.Canny(img, 100, 200)
// on the RGB picture: every channel's gradient is taken and the strongest one wins per pixel).
import type { RgbaImage } from '../engine/io/image.ts';
import { AnnotatorError, checkAnnotatorImage } from './annotator-error.ts';
import { gaussianBlurPlane } from './gaussian-blur.ts';
import { rgbaChannel, rgbaToGray } from './gray.ts';

export interface CannyOptions {
  /** Weak-edge threshold on the gradient magnitude (default 100). */
  low?: number;
  /** Strong-edge threshold (default 200). */
  high?: number;
  /** Magnitude sqrt(dx² + dy²) instead of |dx| + |dy| (OpenCV's L2gradient; default false). */
  l2Gradient?: boolean;
  /** Gaussian blur before the gradients; 0 (default, as the SCEdit annotator) for none. */
  blurSigma?: number;
  /** Gradients per colour channel, strongest wins (default, as cv2.Canny on RGB) or of the luminance. */
  color?: boolean;
}

export const CANNY_DEFAULTS = { low: 100, high: 200, l2Gradient: false, blurSigma: 0, color: true } as const;

// tan(22.5°) in 15-bit fixed point: the direction bins of the suppression step.
const TG22 = Math.round((Math.SQRT2 - 1) * 32768);

/**
 * `channels` interleaved 8-bit planes with a one-pixel replicated border, so the Sobel stencil
 * needs no bounds checks. `sample(i, c)` reads channel c of pixel i of the source.
 */
function padReplicated(
  width: number,
  height: number,
  channels: number,
  sample: (i: number, c: number) => number,
): Uint8Array {
  const pw = (width + 2) * channels;
  const padded = new Uint8Array(pw * (height + 2));
  for (let y = -1; y <= height; y++) {
    const src = (y < 0 ? 0 : y >= height ? height - 1 : y) * width;
    let o = (y + 1) * pw;
    for (let x = -1; x <= width; x++) {
      const i = src + (x < 0 ? 0 : x >= width ? width - 1 : x);
      for (let c = 0; c < channels; c++) padded[o++] = sample(i, c);
    }
  }
  return padded;
}

/** padReplicated for the RGB of RGBA pixels, without a call per byte (the common case). */
function padRgb(data: Uint8ClampedArray | Uint8Array, width: number, height: number): Uint8Array {
  const pw = (width + 2) * 3;
  const padded = new Uint8Array(pw * (height + 2));
  for (let y = -1; y <= height; y++) {
    let i = (y < 0 ? 0 : y >= height ? height - 1 : y) * width * 4;
    let o = (y + 1) * pw;
    padded[o++] = data[i]!;
    padded[o++] = data[i + 1]!;
    padded[o++] = data[i + 2]!;
    for (let x = 0; x < width; x++, i += 4) {
      padded[o++] = data[i]!;
      padded[o++] = data[i + 1]!;
      padded[o++] = data[i + 2]!;
    }
    i -= 4;
    padded[o++] = data[i]!;
    padded[o++] = data[i + 1]!;
    padded[o] = data[i + 2]!;
  }
  return padded;
}

/**
 * 3×3 Sobel gradients of a padded image into dx, dy (row-major, width × height) and the
 * magnitude into `mag`, a (width+2) × (height+2) array whose one-pixel frame stays 0. With
 * several channels, the one with the strictly largest magnitude wins (the first on ties).
 */
function sobel(
  padded: Uint8Array,
  width: number,
  height: number,
  channels: number,
  l2: boolean,
  dx: Int16Array,
  dy: Int16Array,
  mag: Int32Array,
): void {
  const C = channels;
  const pw = (width + 2) * C;
  for (let y = 0; y < height; y++) {
    let up = y * pw + C;
    let o = y * width;
    let m = (y + 1) * (width + 2) + 1;
    for (let x = 0; x < width; x++, up += C, o++, m++) {
      let best = -1;
      let bx = 0;
      let by = 0;
      for (let c = 0; c < C; c++) {
        const u = up + c;
        const mid = u + pw;
        const down = mid + pw;
        const gx =
          padded[u + C]! -
          padded[u - C]! +
          2 * (padded[mid + C]! - padded[mid - C]!) +
          padded[down + C]! -
          padded[down - C]!;
        const gy =
          padded[down - C]! +
          2 * padded[down]! +
          padded[down + C]! -
          padded[u - C]! -
          2 * padded[u]! -
          padded[u + C]!;
        const mm = l2 ? gx * gx + gy * gy : (gx < 0 ? -gx : gx) + (gy < 0 ? -gy : gy);
        if (mm > best) {
          best = mm;
          bx = gx;
          by = gy;
        }
      }
      dx[o] = bx;
      dy[o] = by;
      mag[m] = best;
    }
  }
}

/** `sobel` unrolled for three channels and the L1 magnitude: the default path, worth the copy. */
function sobelRgbL1(
  padded: Uint8Array,
  width: number,
  height: number,
  dx: Int16Array,
  dy: Int16Array,
  mag: Int32Array,
): void {
  const pw = (width + 2) * 3;
  for (let y = 0; y < height; y++) {
    let u = y * pw + 3;
    let o = y * width;
    let m = (y + 1) * (width + 2) + 1;
    for (let x = 0; x < width; x++, u += 3, o++, m++) {
      const c = u + pw;
      const d = c + pw;
      let gx =
        padded[u + 3]! -
        padded[u - 3]! +
        2 * (padded[c + 3]! - padded[c - 3]!) +
        padded[d + 3]! -
        padded[d - 3]!;
      let gy =
        padded[d - 3]! + 2 * padded[d]! + padded[d + 3]! - padded[u - 3]! - 2 * padded[u]! - padded[u + 3]!;
      let best = (gx < 0 ? -gx : gx) + (gy < 0 ? -gy : gy);
      const gx1 =
        padded[u + 4]! -
        padded[u - 2]! +
        2 * (padded[c + 4]! - padded[c - 2]!) +
        padded[d + 4]! -
        padded[d - 2]!;
      const gy1 =
        padded[d - 2]! +
        2 * padded[d + 1]! +
        padded[d + 4]! -
        padded[u - 2]! -
        2 * padded[u + 1]! -
        padded[u + 4]!;
      const m1 = (gx1 < 0 ? -gx1 : gx1) + (gy1 < 0 ? -gy1 : gy1);
      if (m1 > best) {
        best = m1;
        gx = gx1;
        gy = gy1;
      }
      const gx2 =
        padded[u + 5]! -
        padded[u - 1]! +
        2 * (padded[c + 5]! - padded[c - 1]!) +
        padded[d + 5]! -
        padded[d - 1]!;
      const gy2 =
        padded[d - 1]! +
        2 * padded[d + 2]! +
        padded[d + 5]! -
        padded[u - 1]! -
        2 * padded[u + 2]! -
        padded[u + 5]!;
      const m2 = (gx2 < 0 ? -gx2 : gx2) + (gy2 < 0 ? -gy2 : gy2);
      if (m2 > best) {
        best = m2;
        gx = gx2;
        gy = gy2;
      }
      dx[o] = gx;
      dy[o] = gy;
      mag[m] = best;
    }
  }
}

/** Suppression + hysteresis over precomputed gradients; returns 255 on edges, 0 elsewhere. */
function traceEdges(
  width: number,
  height: number,
  dx: Int16Array,
  dy: Int16Array,
  mag: Int32Array,
  low: number,
  high: number,
): Uint8Array {
  const pw = width + 2;
  // 0 = weak candidate, 1 = not an edge, 2 = edge. The frame stays 1.
  const map = new Uint8Array(pw * (height + 2)).fill(1);
  let stack = new Int32Array(Math.max(1024, width * 4));
  let top = 0;
  for (let y = 0; y < height; y++) {
    let p = (y + 1) * pw + 1;
    let o = y * width;
    for (let x = 0; x < width; x++, p++, o++) {
      const m = mag[p]!;
      if (m <= low) continue;
      const xs = dx[o]!;
      const ys = dy[o]!;
      const ax = xs < 0 ? -xs : xs;
      const ay = (ys < 0 ? -ys : ys) * 32768;
      const tg22x = ax * TG22;
      let isMax: boolean;
      if (ay < tg22x) {
        isMax = m > mag[p - 1]! && m >= mag[p + 1]!;
      } else if (ay > tg22x + ax * 65536) {
        isMax = m > mag[p - pw]! && m >= mag[p + pw]!;
      } else {
        const s = (xs ^ ys) < 0 ? -1 : 1;
        isMax = m > mag[p - pw - s]! && m > mag[p + pw + s]!;
      }
      if (!isMax) continue;
      if (m > high) {
        map[p] = 2;
        if (top === stack.length) {
          const grown = new Int32Array(stack.length * 2);
          grown.set(stack);
          stack = grown;
        }
        stack[top++] = p;
      } else {
        map[p] = 0;
      }
    }
  }
  const neighbours = [-pw - 1, -pw, -pw + 1, -1, 1, pw - 1, pw, pw + 1];
  while (top > 0) {
    const p = stack[--top]!;
    for (const d of neighbours) {
      const q = p + d;
      if (map[q] === 0) {
        map[q] = 2;
        if (top === stack.length) {
          const grown = new Int32Array(stack.length * 2);
          grown.set(stack);
          stack = grown;
        }
        stack[top++] = q;
      }
    }
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = (y + 1) * pw + 1;
    for (let x = 0; x < width; x++) if (map[row + x] === 2) out[y * width + x] = 255;
  }
  return out;
}

function checkThreshold(value: number, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new AnnotatorError(`canny ${field} threshold must be a number ≥ 0, got ${value}`);
}

function thresholds(o: Required<CannyOptions>): [number, number] {
  checkThreshold(o.low, 'low');
  checkThreshold(o.high, 'high');
  if (!(o.blurSigma >= 0 && o.blurSigma <= 20))
    throw new AnnotatorError(`canny blurSigma must be from 0 to 20, got ${o.blurSigma}`);
  let lowT = Math.min(o.low, o.high);
  let highT = Math.max(o.low, o.high);
  if (o.l2Gradient) {
    lowT = Math.min(32767, lowT) ** 2;
    highT = Math.min(32767, highT) ** 2;
  }
  return [Math.floor(lowT), Math.floor(highT)];
}

function cannyPadded(
  padded: Uint8Array,
  width: number,
  height: number,
  channels: number,
  o: Required<CannyOptions>,
): Uint8Array {
  const [low, high] = thresholds(o);
  const dx = new Int16Array(width * height);
  const dy = new Int16Array(width * height);
  const mag = new Int32Array((width + 2) * (height + 2));
  if (channels === 3 && !o.l2Gradient) sobelRgbL1(padded, width, height, dx, dy, mag);
  else sobel(padded, width, height, channels, o.l2Gradient, dx, dy, mag);
  return traceEdges(width, height, dx, dy, mag, low, high);
}

/** Canny edges of one or more 8-bit planes (the strongest plane's gradient wins per pixel). */
export function cannyPlanes(
  planes: Uint8Array[],
  width: number,
  height: number,
  options: CannyOptions = {},
): Uint8Array {
  const o = { ...CANNY_DEFAULTS, ...options };
  thresholds(o);
  const src = o.blurSigma > 0 ? planes.map((p) => gaussianBlurPlane(p, width, height, o.blurSigma)) : planes;
  const padded = padReplicated(width, height, src.length, (i, c) => src[c]![i]!);
  return cannyPadded(padded, width, height, src.length, o);
}

/** Canny edges of an RGBA image: 255 on edges, 0 elsewhere, one byte per pixel. */
export function cannyEdges(image: RgbaImage, options: CannyOptions = {}): Uint8Array {
  checkAnnotatorImage(image);
  const o = { ...CANNY_DEFAULTS, ...options };
  const { width, height, data } = image;
  if (!o.color) return cannyPlanes([rgbaToGray(image)], width, height, o);
  if (o.blurSigma > 0)
    return cannyPlanes(
      [0, 1, 2].map((c) => rgbaChannel(image, c as 0 | 1 | 2)),
      width,
      height,
      o,
    );
  thresholds(o);
  return cannyPadded(padRgb(data, width, height), width, height, 3, o);
}
