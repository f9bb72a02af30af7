// Test pictures drawn in code: shapes, gradients, text-like strokes and noise, from a seed.
import type { RgbaImage } from '../../../main/engine/io/image.ts';

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function blankImage(
  width: number,
  height: number,
  rgb: [number, number, number] = [0, 0, 0],
): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
  return { width, height, data };
}

/** Paints `rgb` with 4×4 supersampled coverage where `inside(x, y)` holds (anti-aliased edges). */
export function paint(
  img: RgbaImage,
  rgb: [number, number, number],
  inside: (x: number, y: number) => boolean,
  box: [number, number, number, number] = [0, 0, img.width, img.height],
): void {
  const x0 = Math.max(0, Math.floor(box[0]));
  const y0 = Math.max(0, Math.floor(box[1]));
  const x1 = Math.min(img.width, Math.ceil(box[2]) + 1);
  const y1 = Math.min(img.height, Math.ceil(box[3]) + 1);
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      let hits = 0;
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) if (inside(x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) hits++;
      if (hits === 0) continue;
      const a = hits / 16;
      const o = (y * img.width + x) * 4;
      for (let c = 0; c < 3; c++) img.data[o + c] = Math.round(img.data[o + c]! * (1 - a) + rgb[c]! * a);
    }
}

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax;
  const vy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy || 1)));
  return Math.hypot(px - ax - t * vx, py - ay - t * vy);
}

export function strokeSegment(
  img: RgbaImage,
  rgb: [number, number, number],
  a: [number, number],
  b: [number, number],
  width: number,
): void {
  const r = width / 2 + 1;
  paint(img, rgb, (x, y) => segmentDistance(x, y, a[0], a[1], b[0], b[1]) <= width / 2, [
    Math.min(a[0], b[0]) - r,
    Math.min(a[1], b[1]) - r,
    Math.max(a[0], b[0]) + r,
    Math.max(a[1], b[1]) + r,
  ]);
}

export function shapesImage(size: number, seed: number): RgbaImage {
  const rnd = seededRandom(seed);
  const img = blankImage(size, size, [30, 40, 50]);
  const colour = (): [number, number, number] =>
    [rnd() * 255, rnd() * 255, rnd() * 255].map(Math.round) as [number, number, number];
  for (let i = 0; i < 6; i++) {
    const cx = rnd() * size;
    const cy = rnd() * size;
    const r = 10 + rnd() * size * 0.2;
    paint(img, colour(), (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r, [cx - r, cy - r, cx + r, cy + r]);
    const x0 = rnd() * size;
    const y0 = rnd() * size;
    const w = 10 + rnd() * size * 0.3;
    const h = 10 + rnd() * size * 0.3;
    paint(img, colour(), (x, y) => x >= x0 && x < x0 + w && y >= y0 && y < y0 + h, [x0, y0, x0 + w, y0 + h]);
  }
  // A triangle for slanted edges.
  const p = [0, 1, 2].map(() => [rnd() * size, rnd() * size] as const);
  const side = (x: number, y: number, a: readonly [number, number], b: readonly [number, number]) =>
    (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
  paint(img, colour(), (x, y) => {
    const s0 = side(x, y, p[0]!, p[1]!);
    const s1 = side(x, y, p[1]!, p[2]!);
    const s2 = side(x, y, p[2]!, p[0]!);
    return (s0 >= 0 && s1 >= 0 && s2 >= 0) || (s0 <= 0 && s1 <= 0 && s2 <= 0);
  });
  return img;
}

export function gradientImage(size: number): RgbaImage {
  const img = blankImage(size, size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      // Smooth ramps (no edges) plus a sinusoidal band whose slope crosses the thresholds.
      img.data[o] = (x / size) * 255;
      img.data[o + 1] = 128 + 120 * Math.sin((x + y) / 9);
      img.data[o + 2] = (y / size) * 255;
    }
  return img;
}

/** Dark pen strokes on paper, like handwriting: many short segments at all angles and widths. */
export function strokesImage(size: number, seed: number): RgbaImage {
  const rnd = seededRandom(seed);
  const img = blankImage(size, size, [245, 240, 230]);
  for (let i = 0; i < 40; i++) {
    let x = rnd() * size;
    let y = rnd() * size;
    const width = 1 + rnd() * 4;
    for (let k = 0; k < 4; k++) {
      const nx = x + (rnd() - 0.5) * size * 0.2;
      const ny = y + (rnd() - 0.5) * size * 0.2;
      strokeSegment(img, [20, 20, 30], [x, y], [nx, ny], width);
      x = nx;
      y = ny;
    }
  }
  return img;
}

export function noiseImage(size: number, seed: number): RgbaImage {
  const rnd = seededRandom(seed);
  const img = shapesImage(size, seed + 1);
  for (let i = 0; i < size * size; i++)
    for (let c = 0; c < 3; c++) img.data[i * 4 + c] = img.data[i * 4 + c]! + (rnd() - 0.5) * 80;
  return img;
}
