// A tiny rasteriser for the skeleton map: filled rotated ellipses and discs on an RGB buffer.
// A pixel is painted when its centre (integer coordinates, as OpenCV counts them) is inside.

export interface RgbCanvas {
  width: number;
  height: number;
  /** 3 bytes a pixel, row-major. */
  rgb: Uint8ClampedArray;
}

export function blackCanvas(width: number, height: number): RgbCanvas {
  return { width, height, rgb: new Uint8ClampedArray(width * height * 3) };
}

/**
 * Fills the ellipse centred at (cx, cy) with semi-axes `a` along `angle` (radians) and `b`
 * across it.
 */
export function fillEllipse(
  canvas: RgbCanvas,
  cx: number,
  cy: number,
  a: number,
  b: number,
  angle: number,
  colour: readonly [number, number, number],
): void {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Half extents of the rotated ellipse's bounding box.
  const ex = Math.sqrt(a * a * cos * cos + b * b * sin * sin);
  const ey = Math.sqrt(a * a * sin * sin + b * b * cos * cos);
  const x0 = Math.max(0, Math.ceil(cx - ex));
  const x1 = Math.min(canvas.width - 1, Math.floor(cx + ex));
  const y0 = Math.max(0, Math.ceil(cy - ey));
  const y1 = Math.min(canvas.height - 1, Math.floor(cy + ey));
  const ia = a > 0 ? 1 / (a * a) : Number.POSITIVE_INFINITY;
  const ib = b > 0 ? 1 / (b * b) : Number.POSITIVE_INFINITY;
  for (let y = y0; y <= y1; y++) {
    const dy = y - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x - cx;
      const u = dx * cos + dy * sin;
      const v = -dx * sin + dy * cos;
      // A degenerate axis (a two-point limb of zero length) still paints its centre line.
      const uu = u === 0 ? 0 : u * u * ia;
      const vv = v === 0 ? 0 : v * v * ib;
      if (uu + vv <= 1 + 1e-9) {
        const o = (y * canvas.width + x) * 3;
        canvas.rgb[o] = colour[0];
        canvas.rgb[o + 1] = colour[1];
        canvas.rgb[o + 2] = colour[2];
      }
    }
  }
}

export function fillDisc(
  canvas: RgbCanvas,
  cx: number,
  cy: number,
  radius: number,
  colour: readonly [number, number, number],
): void {
  fillEllipse(canvas, cx, cy, radius, radius, 0, colour);
}

/** Multiplies every channel by `factor`, truncating like an 8-bit image library does. */
export function scaleCanvas(canvas: RgbCanvas, factor: number): void {
  const { rgb } = canvas;
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.floor(rgb[i]! * factor + 1e-9);
}

export function canvasToRgba(canvas: RgbCanvas): { width: number; height: number; data: Uint8ClampedArray } {
  const n = canvas.width * canvas.height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    data[i * 4] = canvas.rgb[i * 3]!;
    data[i * 4 + 1] = canvas.rgb[i * 3 + 1]!;
    data[i * 4 + 2] = canvas.rgb[i * 3 + 2]!;
    data[i * 4 + 3] = 255;
  }
  return { width: canvas.width, height: canvas.height, data };
}
