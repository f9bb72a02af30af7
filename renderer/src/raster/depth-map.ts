import type { DepthGradient, DepthLayer, DepthStroke } from '../scene/types.ts';
import { type Bitmap, bitmapToGrey, greyToBitmap, resampleBitmap } from './bitmap.ts';
import { forEachPixelNearPolyline } from './geometry.ts';

/** Brush coverage at distance d from the stroke's centre line: 1 inside the hard core, easing to 0 at the rim. */
export function brushCoverage(distance: number, radius: number, softness: number): number {
  const core = radius * (1 - softness);
  if (distance <= core) return 1;
  if (distance >= radius) return 0;
  const t = (distance - core) / (radius - core);
  return 1 - t * t * (3 - 2 * t);
}

function paintStroke(values: Float32Array, op: DepthStroke, width: number, height: number): void {
  const radius = op.width / 2;
  forEachPixelNearPolyline(op.points, radius, width, height, (i, d) => {
    const a = brushCoverage(d, radius, op.softness);
    values[i] = values[i]! * (1 - a) + op.value * a;
  });
}

function paintGradient(values: Float32Array, op: DepthGradient, width: number, height: number): void {
  const [fx, fy] = op.from;
  const dx = op.to[0] - fx;
  const dy = op.to[1] - fy;
  const len2 = dx * dx + dy * dy;
  const len = Math.sqrt(len2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5 - fx;
      const py = y + 0.5 - fy;
      const raw = op.shape === 'linear' ? (px * dx + py * dy) / len2 : Math.sqrt(px * px + py * py) / len;
      const t = Math.max(0, Math.min(1, raw));
      values[y * width + x] = op.fromValue + (op.toValue - op.fromValue) * t;
    }
  }
}

/** Grey depth, near = white, as depth-conditioned models expect. Gradients repaint the whole layer. */
export function renderDepthMap(
  layer: DepthLayer,
  width: number,
  height: number,
  image: Bitmap | null = null,
): Bitmap {
  const values = image
    ? bitmapToGrey(resampleBitmap(image, width, height))
    : new Float32Array(width * height).fill(layer.background);
  for (const op of layer.ops) {
    if (op.type === 'stroke') paintStroke(values, op, width, height);
    else paintGradient(values, op, width, height);
  }
  return greyToBitmap(values, width, height);
}
