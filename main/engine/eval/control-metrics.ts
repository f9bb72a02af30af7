// How faithfully a generated picture follows its condition map: the control-fidelity metrics of
// the control benchmark (issue 11). Pure functions over maps already extracted from the generated
// picture (canny edges, estimated depth, detected pose) by the caller, so the same annotators and
// settings that made the condition measure the result.
//
// - Edge F1: a condition edge pixel is recalled when a generated edge pixel lies within
//   `tolerance` pixels of it (Chebyshev distance: the (2t+1)² square around it), and a generated
//   edge pixel is precise when a condition edge pixel lies that close; F1 is their harmonic mean.
//   Matching is by dilation, not one-to-one. Default tolerance 1 px (at 64 px pictures about the
//   0.75 % of the diagonal that the BSDS edge benchmark allows).
// - Depth RMSE in 0..255 map levels, by default after the least-squares scale and shift of the
//   estimate onto the condition (MiDaS-style: relative depth has no absolute scale).
// - Pose PCK@α: a visible condition keypoint counts as found when the detected person has that
//   keypoint within α × the longer side of the bounding box of the condition person's visible
//   keypoints. Pooled over keypoints (found / visible), not averaged per picture.
// Masked variants measure inside and outside a region (mask pixels ≥ 128).
import type { PoseDocument, PoseKeypoints } from '../../../shared/pose/openpose-json.ts';
import type { RgbaImage } from '../io/image.ts';

/** A one-channel map, one value per pixel, row by row. */
export interface PlaneMap {
  width: number;
  height: number;
  values: ArrayLike<number>;
}

export const DEFAULT_EDGE_TOLERANCE_PX = 1;
export const DEFAULT_PCK_ALPHA = 0.1;

export class MetricInputError extends Error {}

/** The brightest channel of each pixel of an RGB(A) map: edge, depth and mask maps are grey. */
export function planeFromRgba(image: RgbaImage): PlaneMap {
  const n = image.width * image.height;
  const values = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    values[i] = Math.max(image.data[i * 4]!, image.data[i * 4 + 1]!, image.data[i * 4 + 2]!);
  return { width: image.width, height: image.height, values };
}

function sameSize(a: PlaneMap, b: PlaneMap, what: string): void {
  if (a.width !== b.width || a.height !== b.height)
    throw new MetricInputError(
      `${what}: the maps differ in size (${a.width}x${a.height} vs ${b.width}x${b.height}); resize one first`,
    );
  for (const m of [a, b])
    if (m.values.length !== m.width * m.height)
      throw new MetricInputError(
        `${what}: a ${m.width}x${m.height} map holds ${m.values.length} values, not ${m.width * m.height}`,
      );
}

function binary(map: PlaneMap, threshold = 128): Uint8Array {
  const out = new Uint8Array(map.width * map.height);
  for (let i = 0; i < out.length; i++) out[i] = map.values[i]! >= threshold ? 1 : 0;
  return out;
}

/** Square (Chebyshev) dilation by `r` pixels, as two separable passes. */
function dilate(bits: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return bits;
  const rows = new Uint8Array(bits.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let d = Math.max(0, x - r); d <= Math.min(width - 1, x + r) && !on; d++) on = bits[y * width + d]!;
      rows[y * width + x] = on;
    }
  const out = new Uint8Array(bits.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let d = Math.max(0, y - r); d <= Math.min(height - 1, y + r) && !on; d++)
        on = rows[d * width + x]!;
      out[y * width + x] = on;
    }
  return out;
}

export interface EdgeScores {
  precision: number;
  recall: number;
  f1: number;
  /** Edge pixels counted (inside the region, when one is given). */
  conditionEdges: number;
  generatedEdges: number;
}

export interface EdgeF1Options {
  /** Pixels an edge may be off and still match (default 1). */
  tolerance?: number;
  /** Only pixels where this mask is ≥ 128 count; matches may reach across its border. */
  region?: PlaneMap;
}

/**
 * Edge F1 between two edge maps (edge = value ≥ 128). With no edges on one side its score is
 * taken as perfect (nothing to miss, or nothing wrongly drawn): two empty maps score 1.
 */
export function edgeF1(condition: PlaneMap, generated: PlaneMap, options: EdgeF1Options = {}): EdgeScores {
  sameSize(condition, generated, 'edge F1');
  const tolerance = options.tolerance ?? DEFAULT_EDGE_TOLERANCE_PX;
  if (!(Number.isInteger(tolerance) && tolerance >= 0))
    throw new MetricInputError(`edge F1: tolerance must be a whole number of pixels ≥ 0, got ${tolerance}`);
  if (options.region) sameSize(condition, options.region, 'edge F1 region');
  const { width, height } = condition;
  const c = binary(condition);
  const g = binary(generated);
  const region = options.region ? binary(options.region) : null;
  const cNear = dilate(c, width, height, tolerance);
  const gNear = dilate(g, width, height, tolerance);
  let cCount = 0;
  let gCount = 0;
  let recalled = 0;
  let precise = 0;
  for (let i = 0; i < c.length; i++) {
    if (region && !region[i]) continue;
    if (c[i]) {
      cCount++;
      if (gNear[i]) recalled++;
    }
    if (g[i]) {
      gCount++;
      if (cNear[i]) precise++;
    }
  }
  const precision = gCount ? precise / gCount : 1;
  const recall = cCount ? recalled / cCount : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, conditionEdges: cCount, generatedEdges: gCount };
}

function invertMask(mask: PlaneMap): PlaneMap {
  const values = new Uint8Array(mask.width * mask.height);
  for (let i = 0; i < values.length; i++) values[i] = mask.values[i]! >= 128 ? 0 : 255;
  return { width: mask.width, height: mask.height, values };
}

/** Edge F1 inside a region mask and outside it (regional control: item 5 of issue 11). */
export function edgeF1InsideOutside(
  condition: PlaneMap,
  generated: PlaneMap,
  mask: PlaneMap,
  options: Omit<EdgeF1Options, 'region'> = {},
): { inside: EdgeScores; outside: EdgeScores } {
  return {
    inside: edgeF1(condition, generated, { ...options, region: mask }),
    outside: edgeF1(condition, generated, { ...options, region: invertMask(mask) }),
  };
}

export interface DepthScores {
  /** Root mean square error in 0..255 map levels. */
  rmse: number;
  /** The fitted estimate is scale × estimate + shift (1 and 0 without a fit). */
  scale: number;
  shift: number;
  pixels: number;
}

export interface DepthRmseOptions {
  /** 'affine' (default): least-squares scale and shift first; 'none': the levels as they are. */
  fit?: 'affine' | 'none';
  region?: PlaneMap;
}

/** RMSE between a condition depth map and the depth estimated from the generated picture. */
export function depthRmse(
  condition: PlaneMap,
  estimate: PlaneMap,
  options: DepthRmseOptions = {},
): DepthScores {
  sameSize(condition, estimate, 'depth RMSE');
  if (options.region) sameSize(condition, options.region, 'depth RMSE region');
  const region = options.region ? binary(options.region) : null;
  let n = 0;
  let se = 0;
  let sc = 0;
  let see = 0;
  let sec = 0;
  for (let i = 0; i < condition.values.length; i++) {
    if (region && !region[i]) continue;
    const e = estimate.values[i]!;
    const c = condition.values[i]!;
    if (!Number.isFinite(e) || !Number.isFinite(c))
      throw new MetricInputError(`depth RMSE: pixel ${i} holds a non-finite value`);
    n++;
    se += e;
    sc += c;
    see += e * e;
    sec += e * c;
  }
  if (n === 0) throw new MetricInputError('depth RMSE: the region holds no pixels');
  let scale = 1;
  let shift = 0;
  if ((options.fit ?? 'affine') === 'affine') {
    const varE = see / n - (se / n) ** 2;
    const covEC = sec / n - (se / n) * (sc / n);
    // A flat estimate carries no depth: the best it can do is the condition's mean.
    scale = varE > 1e-9 ? covEC / varE : 0;
    shift = sc / n - scale * (se / n);
  }
  let sq = 0;
  for (let i = 0; i < condition.values.length; i++) {
    if (region && !region[i]) continue;
    const d = scale * estimate.values[i]! + shift - condition.values[i]!;
    sq += d * d;
  }
  return { rmse: Math.sqrt(sq / n), scale, shift, pixels: n };
}

export interface PckScores {
  /** found / visible; null when the condition has no visible keypoint. */
  pck: number | null;
  found: number;
  visible: number;
}

export interface PckOptions {
  /** Fraction of the bounding box's longer side (default 0.1). */
  alpha?: number;
  /** Detected points below this confidence count as missing (default: all kept). */
  minScore?: number;
}

/** The longer side of the bounding box of the present points (at least 1 px). */
export function keypointBoxSize(body: PoseKeypoints): number {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const p of body) {
    if (!p) continue;
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return x1 >= x0 ? Math.max(1, x1 - x0, y1 - y0) : 0;
}

/** PCK of one detected body against one condition body (same canvas, OpenPose order). */
export function bodyPck(
  condition: PoseKeypoints,
  detected: PoseKeypoints,
  options: PckOptions = {},
): PckScores {
  const alpha = options.alpha ?? DEFAULT_PCK_ALPHA;
  const reach = alpha * keypointBoxSize(condition);
  let found = 0;
  let visible = 0;
  for (const [k, c] of condition.entries()) {
    if (!c) continue;
    visible++;
    const d = detected[k];
    if (!d || (options.minScore !== undefined && d.confidence < options.minScore)) continue;
    if (Math.hypot(d.x - c.x, d.y - c.y) <= reach) found++;
  }
  return { pck: visible ? found / visible : null, found, visible };
}

/**
 * PCK between a condition pose and the pose detected in the generated picture. Each condition
 * person is paired with the not yet paired detected person that finds most of its points; the
 * detected document is scaled to the condition's canvas when their canvases differ.
 */
export function posePck(
  condition: PoseDocument,
  detected: PoseDocument,
  options: PckOptions = {},
): PckScores {
  if (!(detected.canvasWidth > 0 && detected.canvasHeight > 0))
    throw new MetricInputError(`pose PCK: the detected pose has no canvas size`);
  const sx = condition.canvasWidth / detected.canvasWidth;
  const sy = condition.canvasHeight / detected.canvasHeight;
  const candidates = detected.people.map((p) =>
    p.body.map((k) => (k ? { ...k, x: k.x * sx, y: k.y * sy } : null)),
  );
  const used = new Set<number>();
  let found = 0;
  let visible = 0;
  for (const person of condition.people) {
    let best: PckScores = bodyPck(person.body, [], options);
    let bestAt = -1;
    for (const [i, body] of candidates.entries()) {
      if (used.has(i)) continue;
      const s = bodyPck(person.body, body, options);
      if (s.found > best.found) {
        best = s;
        bestAt = i;
      }
    }
    if (bestAt >= 0) used.add(bestAt);
    found += best.found;
    visible += best.visible;
  }
  return { pck: visible ? found / visible : null, found, visible };
}
