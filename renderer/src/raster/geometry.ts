/** Distance from (px, py) to the segment (ax, ay)-(bx, by). */
export function distanceToSegment(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  const cx = ax + t * dx - px;
  const cy = ay + t * dy - py;
  return Math.sqrt(cx * cx + cy * cy);
}

/**
 * Calls `visit(index, distance)` for every pixel whose centre lies within `radius` of the
 * polyline (flat x,y pairs), once per pixel with its smallest distance.
 */
export function forEachPixelNearPolyline(
  points: readonly number[],
  radius: number,
  width: number,
  height: number,
  visit: (index: number, distance: number) => void,
): void {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < points.length; i += 2) {
    minX = Math.min(minX, points[i]!);
    maxX = Math.max(maxX, points[i]!);
    minY = Math.min(minY, points[i + 1]!);
    maxY = Math.max(maxY, points[i + 1]!);
  }
  const x0 = Math.max(0, Math.floor(minX - radius));
  const x1 = Math.min(width - 1, Math.ceil(maxX + radius));
  const y0 = Math.max(0, Math.floor(minY - radius));
  const y1 = Math.min(height - 1, Math.ceil(maxY + radius));
  if (x0 > x1 || y0 > y1) return;
  const bw = x1 - x0 + 1;
  const best = new Float32Array(bw * (y1 - y0 + 1)).fill(Number.POSITIVE_INFINITY);
  const segments = Math.max(1, points.length / 2 - 1);
  for (let s = 0; s < segments; s++) {
    const ax = points[2 * s]!;
    const ay = points[2 * s + 1]!;
    const bx = points.length >= 4 ? points[2 * s + 2]! : ax;
    const by = points.length >= 4 ? points[2 * s + 3]! : ay;
    const sx0 = Math.max(x0, Math.floor(Math.min(ax, bx) - radius));
    const sx1 = Math.min(x1, Math.ceil(Math.max(ax, bx) + radius));
    const sy0 = Math.max(y0, Math.floor(Math.min(ay, by) - radius));
    const sy1 = Math.min(y1, Math.ceil(Math.max(ay, by) + radius));
    for (let y = sy0; y <= sy1; y++) {
      for (let x = sx0; x <= sx1; x++) {
        const d = distanceToSegment(x + 0.5, y + 0.5, ax, ay, bx, by);
        const k = (y - y0) * bw + (x - x0);
        if (d < best[k]!) best[k] = d;
      }
    }
  }
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = best[(y - y0) * bw + (x - x0)]!;
      if (d <= radius) visit(y * width + x, d);
    }
  }
}
