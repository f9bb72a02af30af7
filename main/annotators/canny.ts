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
 * Sobel gradients of one plane into dx, dy (row-major, width × height) and the magnitude into
 * `mag`, a (width+2) × (height+2) array whose one-pixel frame stays 0. When `replaceIfStronger`,
 * a pixel is only overwritten where this plane's magnitude is strictly larger.
 */
function sobelInto(
  plane: Uint8Array,
  width: number,
  height: number,
  l2: boolean,
  dx: Int16Array,
  dy: Int16Array,
  mag: Int32Array,
  replaceIfStronger: boolean,
): void {
  const pw = width + 2;
  // Replicated border, so the stencil below needs no bounds checks.
  const padded = new Uint8Array(pw * (height + 2));
  for (let y = -1; y <= height; y++) {
    const sy = y < 0 ? 0 : y >= height ? height - 1 : y;
    const src = sy * width;
    const dst = (y + 1) * pw;
    padded.set(plane.subarray(src, src + width), dst + 1);
    padded[dst] = plane[src]!;
    padded[dst + pw - 1] = plane[src + width - 1]!;
  }
  for (let y = 0; y < height; y++) {
    let up = y * pw + 1;
    let mid = up + pw;
    let down = mid + pw;
    let o = y * width;
    let m = (y + 1) * pw + 1;
    for (let x = 0; x < width; x++, up++, mid++, down++, o++, m++) {
      const gx =
        padded[up + 1]! -
        padded[up - 1]! +
        2 * (padded[mid + 1]! - padded[mid - 1]!) +
        padded[down + 1]! -
        padded[down - 1]!;
      const gy =
        padded[down - 1]! +
        2 * padded[down]! +
        padded[down + 1]! -
        padded[up - 1]! -
        2 * padded[up]! -
        padded[up + 1]!;
      const mm = l2 ? gx * gx + gy * gy : (gx < 0 ? -gx : gx) + (gy < 0 ? -gy : gy);
      if (!replaceIfStronger || mm > mag[m]!) {
        dx[o] = gx;
        dy[o] = gy;
        mag[m] = mm;
      }
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

/** Canny edges of one or more 8-bit planes (the strongest plane's gradient wins per pixel). */
export function cannyPlanes(
  planes: Uint8Array[],
  width: number,
  height: number,
  options: CannyOptions = {},
): Uint8Array {
  const o = { ...CANNY_DEFAULTS, ...options };
  checkThreshold(o.low, 'low');
  checkThreshold(o.high, 'high');
  let lowT = Math.min(o.low, o.high);
  let highT = Math.max(o.low, o.high);
  if (o.l2Gradient) {
    lowT = Math.min(32767, lowT) ** 2;
    highT = Math.min(32767, highT) ** 2;
  }
  const dx = new Int16Array(width * height);
  const dy = new Int16Array(width * height);
  const mag = new Int32Array((width + 2) * (height + 2));
  planes.forEach((plane, i) => {
    const src = o.blurSigma > 0 ? gaussianBlurPlane(plane, width, height, o.blurSigma) : plane;
    sobelInto(src, width, height, o.l2Gradient, dx, dy, mag, i > 0);
  });
  return traceEdges(width, height, dx, dy, mag, Math.floor(lowT), Math.floor(highT));
}

/** Canny edges of an RGBA image: 255 on edges, 0 elsewhere, one byte per pixel. */
export function cannyEdges(image: RgbaImage, options: CannyOptions = {}): Uint8Array {
  checkAnnotatorImage(image);
  const color = options.color ?? CANNY_DEFAULTS.color;
  const planes = color
    ? [rgbaChannel(image, 0), rgbaChannel(image, 1), rgbaChannel(image, 2)]
    : [rgbaToGray(image)];
  return cannyPlanes(planes, image.width, image.height, options);
}
