// Scribble maps: thin white strokes on black, the hand-drawn control. From a sketch: threshold
// (Otsu unless given) and thin. From a photo: edges first — the Gaussian-smoothed gradient
// magnitude kept where it is among the strongest of the picture (a soft-edge stand-in for the
// HED network that scribble datasets were made with) — then thin. Thinning is Zhang–Suen, to
// 1-pixel strokes; a dilation then gives the stroke width models expect.
import type { RgbaImage } from '../engine/io/image.ts';
import { AnnotatorError, checkAnnotatorImage } from './annotator-error.ts';
import { gaussianBlurPlane } from './gaussian-blur.ts';
import { rgbaToGray } from './gray.ts';

export type ScribbleSource = 'auto' | 'sketch' | 'photo';

export interface ScribbleOptions {
  /** What the picture is; 'auto' (default) tells a sketch by its mostly plain paper. */
  source?: ScribbleSource;
  /** Sketch threshold on luminance 0..255 (default: Otsu's). */
  threshold?: number;
  /** Final stroke width in pixels (default 3; 1 keeps the thinned strokes). */
  strokeWidth?: number;
  /** Photo: the share of pixels, strongest gradients first, that become edges (default 0.12). */
  edgeFraction?: number;
}

export const SCRIBBLE_DEFAULTS = { source: 'auto', strokeWidth: 3, edgeFraction: 0.12 } as const;

function histogram(gray: Uint8Array): Uint32Array {
  const h = new Uint32Array(256);
  for (let i = 0; i < gray.length; i++) h[gray[i]!]!++;
  return h;
}

/** Otsu's threshold: the level that best splits the histogram into two classes. */
export function otsuThreshold(gray: Uint8Array): number {
  const h = histogram(gray);
  const total = gray.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * h[i]!;
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let bestT = 127;
  for (let t = 0; t < 256; t++) {
    wB += h[t]!;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * h[t]!;
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) {
      best = between;
      bestT = t;
    }
  }
  return bestT;
}

/** A sketch is mostly one plain paper tone: ≥ 60 % of pixels within 24 levels of the commonest. */
export function looksLikeSketch(gray: Uint8Array): boolean {
  const h = histogram(gray);
  let mode = 0;
  for (let i = 1; i < 256; i++) if (h[i]! > h[mode]!) mode = i;
  let near = 0;
  for (let i = Math.max(0, mode - 24); i <= Math.min(255, mode + 24); i++) near += h[i]!;
  return near >= 0.6 * gray.length;
}

/** Thins a binary mask (1 = stroke) in place to 1-pixel-wide, 8-connected strokes (Zhang–Suen). */
export function zhangSuenThin(mask: Uint8Array, width: number, height: number): void {
  const pw = width + 2;
  const buf = new Uint8Array(pw * (height + 2));
  for (let y = 0; y < height; y++) buf.set(mask.subarray(y * width, (y + 1) * width), (y + 1) * pw + 1);
  const remove: number[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (let step = 0; step < 2; step++) {
      remove.length = 0;
      for (let y = 1; y <= height; y++) {
        for (let x = 1, p = y * pw + 1; x <= width; x++, p++) {
          if (!buf[p]) continue;
          // Neighbours clockwise from north: P2..P9.
          const p2 = buf[p - pw]!;
          const p3 = buf[p - pw + 1]!;
          const p4 = buf[p + 1]!;
          const p5 = buf[p + pw + 1]!;
          const p6 = buf[p + pw]!;
          const p7 = buf[p + pw - 1]!;
          const p8 = buf[p - 1]!;
          const p9 = buf[p - pw - 1]!;
          const b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
          if (b < 2 || b > 6) continue;
          const a =
            (p2 === 0 && p3 === 1 ? 1 : 0) +
            (p3 === 0 && p4 === 1 ? 1 : 0) +
            (p4 === 0 && p5 === 1 ? 1 : 0) +
            (p5 === 0 && p6 === 1 ? 1 : 0) +
            (p6 === 0 && p7 === 1 ? 1 : 0) +
            (p7 === 0 && p8 === 1 ? 1 : 0) +
            (p8 === 0 && p9 === 1 ? 1 : 0) +
            (p9 === 0 && p2 === 1 ? 1 : 0);
          if (a !== 1) continue;
          if (
            step === 0 ? p2 * p4 * p6 === 0 && p4 * p6 * p8 === 0 : p2 * p4 * p8 === 0 && p2 * p6 * p8 === 0
          )
            remove.push(p);
        }
      }
      if (remove.length) {
        changed = true;
        for (const p of remove) buf[p] = 0;
      }
    }
  }
  for (let y = 0; y < height; y++)
    mask.set(buf.subarray((y + 1) * pw + 1, (y + 1) * pw + 1 + width), y * width);
}

/** Grows strokes to `width` pixels with a disc (width 1 returns the mask unchanged). */
export function dilate(mask: Uint8Array, width: number, height: number, strokeWidth: number): Uint8Array {
  if (strokeWidth <= 1) return mask;
  const r = (strokeWidth - 1) / 2;
  const ri = Math.ceil(r);
  const offsets: [number, number][] = [];
  for (let dy = -ri; dy <= ri; dy++)
    for (let dx = -ri; dx <= ri; dx++) if (dx * dx + dy * dy <= r * r + r) offsets.push([dx, dy]);
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (const [dx, dy] of offsets) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < width && yy < height) out[yy * width + xx] = 1;
      }
    }
  return out;
}

function sketchStrokes(gray: Uint8Array, threshold: number | undefined): Uint8Array {
  const t = threshold ?? otsuThreshold(gray);
  let sum = 0;
  for (let i = 0; i < gray.length; i++) sum += gray[i]!;
  // Dark pen on light paper (the usual case) or light chalk on a dark board.
  const darkStrokes = sum / gray.length > t;
  const mask = new Uint8Array(gray.length);
  for (let i = 0; i < gray.length; i++) mask[i] = (darkStrokes ? gray[i]! <= t : gray[i]! > t) ? 1 : 0;
  return mask;
}

function photoEdges(gray: Uint8Array, width: number, height: number, fraction: number): Uint8Array {
  const sigma = Math.max(1, Math.min(width, height) / 256);
  const smooth = gaussianBlurPlane(gray, width, height, sigma);
  const mag = new Float32Array(width * height);
  const at = (x: number, y: number) =>
    smooth[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))]!;
  const counts = new Uint32Array(2048);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const gx =
        at(x + 1, y - 1) +
        2 * at(x + 1, y) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x - 1, y) -
        at(x - 1, y + 1);
      const gy =
        at(x - 1, y + 1) +
        2 * at(x, y + 1) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x, y - 1) -
        at(x + 1, y - 1);
      const m = Math.hypot(gx, gy);
      mag[y * width + x] = m;
      counts[Math.min(2047, Math.floor(m))]!++;
    }
  // The magnitude above which `fraction` of the pixels lie; never below a faint-texture floor.
  let above = 0;
  let cut = 2047;
  while (cut > 0 && above + counts[cut]! < fraction * mag.length) above += counts[cut--]!;
  const threshold = Math.max(cut, 24);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mag.length; i++) mask[i] = mag[i]! > threshold ? 1 : 0;
  return mask;
}

/** Scribble strokes of an RGBA image: 255 on strokes, 0 elsewhere, one byte a pixel. */
export function scribbleStrokes(
  image: RgbaImage,
  options: ScribbleOptions = {},
): { strokes: Uint8Array; source: 'sketch' | 'photo' } {
  checkAnnotatorImage(image);
  const o = { ...SCRIBBLE_DEFAULTS, ...options };
  if (!Number.isInteger(o.strokeWidth) || o.strokeWidth < 1 || o.strokeWidth > 64)
    throw new AnnotatorError(
      `scribble strokeWidth must be a whole number from 1 to 64, got ${o.strokeWidth}`,
    );
  if (o.threshold !== undefined && !(o.threshold >= 0 && o.threshold <= 255))
    throw new AnnotatorError(`scribble threshold must be from 0 to 255, got ${o.threshold}`);
  if (!(o.edgeFraction > 0 && o.edgeFraction < 1))
    throw new AnnotatorError(`scribble edgeFraction must be between 0 and 1, got ${o.edgeFraction}`);
  const { width, height } = image;
  const gray = rgbaToGray(image);
  const source = o.source === 'auto' ? (looksLikeSketch(gray) ? 'sketch' : 'photo') : o.source;
  const mask =
    source === 'sketch' ? sketchStrokes(gray, o.threshold) : photoEdges(gray, width, height, o.edgeFraction);
  zhangSuenThin(mask, width, height);
  const grown = dilate(mask, width, height, o.strokeWidth);
  const strokes = new Uint8Array(grown.length);
  for (let i = 0; i < grown.length; i++) strokes[i] = grown[i] ? 255 : 0;
  return { strokes, source };
}
