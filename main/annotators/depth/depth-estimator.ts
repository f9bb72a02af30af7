// The pluggable depth estimator: anything that turns a picture into relative depth, found by
// name in a registry. Built in: 'grayscale' (the picture already is a depth map) and 'model'
// (a model the user provides in a folder); the embedded world's estimator registers itself
// the same way.
import type { RgbaImage } from '../../engine/io/image.ts';
import { AnnotatorError } from '../annotator-error.ts';

/** Relative depth at the picture's size. Larger values are nearer (like MiDaS' disparity). */
export interface DepthMap {
  width: number;
  height: number;
  values: Float32Array;
  /** Values are already 0..255 map levels, taken as they are rather than stretched to the full range. */
  levels?: boolean;
}

export interface DepthEstimator {
  readonly name: string;
  estimate(image: RgbaImage): Promise<DepthMap>;
  dispose?(): void;
}

export interface DepthEstimatorOptions {
  /** Folder (or model.json / .safetensors file) of a user-provided model. */
  model?: string;
}

export interface DepthEstimatorEntry {
  name: string;
  description: string;
  create(options: DepthEstimatorOptions): Promise<DepthEstimator>;
}

const registry = new Map<string, DepthEstimatorEntry>();

export function registerDepthEstimator(entry: DepthEstimatorEntry): void {
  registry.set(entry.name, entry);
}

export function depthEstimatorEntries(): DepthEstimatorEntry[] {
  return [...registry.values()];
}

export function createDepthEstimator(
  name: string,
  options: DepthEstimatorOptions = {},
): Promise<DepthEstimator> {
  const entry = registry.get(name);
  if (!entry)
    throw new AnnotatorError(
      `unknown depth estimator "${name}"; available: ${[...registry.keys()].join(', ') || '(none registered)'}`,
    );
  return entry.create(options);
}

/** The map as an image, near = bright: relative depth is stretched to 0..255. */
export function depthMapToLevels(map: DepthMap, invert = false): Uint8Array {
  const { values } = map;
  const out = new Uint8Array(values.length);
  if (map.levels) {
    for (let i = 0; i < values.length; i++) {
      const v = Math.round(Math.min(255, Math.max(0, values[i]!)));
      out[i] = invert ? 255 - v : v;
    }
    return out;
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new AnnotatorError('the depth estimate holds a non-finite value');
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  for (let i = 0; i < values.length; i++) {
    const t = span > 0 ? (values[i]! - lo) / span : 0;
    out[i] = Math.round((invert ? 1 - t : t) * 255);
  }
  return out;
}
