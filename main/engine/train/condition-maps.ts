// The condition map a CSC-Tuner (or ControlNet) learns from, per training image: a paired file from
// `conditions/<kind>/` (an image, or OpenPose JSON drawn as the skeleton map), else extracted from
// the training image by the kind's annotator. Maps come back at the picture's own size; the caller
// crops them exactly as it crops the picture.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { parseOpenPoseJson } from '../../../shared/pose/openpose-json.ts';
import { annotate } from '../../annotators/annotate.ts';
import { registerBuiltinDepthEstimators } from '../../annotators/depth/builtin-depth-estimators.ts';
import {
  createDepthEstimator,
  type DepthEstimator,
  depthEstimatorEntries,
  depthMapToLevels,
} from '../../annotators/depth/depth-estimator.ts';
import { grayToRgba } from '../../annotators/gray.ts';
import { renderSkeletonMap } from '../../annotators/pose/skeleton-map.ts';
import { type RgbaImage, readImage, resizeImage } from '../io/image.ts';

/**
 * Options of each annotator used to extract maps from training pictures (SCEdit's canny 100/200);
 * part of the cache key, so changing them recomputes the maps. Depth is extracted only with a depth
 * model the user gives: the one built-in estimator takes the picture itself as the depth map,
 * which a photo is not.
 */
export const EXTRACTOR_SETTINGS: Record<string, Record<string, unknown>> = {
  canny: { low: 100, high: 200 },
  scribble: { strokeWidth: 3 },
  pose: {},
};

/** Where maps that are not paired may come from, beyond the built-in annotators. */
export interface ConditionSources {
  /**
   * A depth model folder or file (the depth estimator registry's 'model' estimator), or the name
   * of a registered depth estimator (e.g. 'figures', the figure world's network).
   */
  depthModel?: string | null;
}

/** Makes the maps of one kind from training pictures. */
export interface ConditionExtractor {
  readonly kind: string;
  /** What decides the maps (annotator options, the depth model's content hash): the cache key. */
  readonly settings: Record<string, unknown>;
  extract(image: RgbaImage): Promise<RgbaImage>;
  dispose(): void;
}

/** Condition kinds this build can extract from a picture (the others need paired maps). */
export function canExtractCondition(kind: string, sources: ConditionSources = {}): boolean {
  return kind in EXTRACTOR_SETTINGS || (kind === 'depth' && !!sources.depthModel);
}

/** What a person must provide when a picture has no paired map and none can be extracted. */
export function missingConditionAdvice(kind: string): string {
  return kind === 'depth'
    ? 'depth training needs paired depth maps in conditions/depth/ (same file names as the pictures) or a depth model to extract them (--depth-model <folder>)'
    : `${kind} training needs paired maps in conditions/${kind}/ (same file names as the pictures); there is no ${kind} annotator to extract them`;
}

/** A paired map file: an image, or OpenPose JSON drawn at the picture's size. */
export async function readPairedCondition(path: string, width: number, height: number): Promise<RgbaImage> {
  if (extname(path).toLowerCase() === '.json') {
    const { document } = parseOpenPoseJson(await readFile(path, 'utf8'), { name: path });
    return renderSkeletonMap(document, width, height);
  }
  const map = await readImage(path);
  // A map drawn at another size than its picture is stretched onto it, not cropped differently.
  return map.width === width && map.height === height ? map : resizeImage(map, width, height, 'fill');
}

/** The map of `kind` made from the (already cropped) training picture by its built-in annotator. */
export async function extractCondition(kind: string, image: RgbaImage): Promise<RgbaImage> {
  const settings = EXTRACTOR_SETTINGS[kind];
  if (!settings) throw new Error(missingConditionAdvice(kind));
  const { map } = await annotate(kind as 'canny' | 'scribble' | 'pose', image, settings);
  return map;
}

/** sha256 over a model file, or over every file (name and bytes) directly in a model folder. */
function modelContentHash(path: string): string {
  const hash = createHash('sha256');
  const files = statSync(path).isFile()
    ? [path]
    : readdirSync(path)
        .sort()
        .map((f) => join(path, f))
        .filter((f) => statSync(f).isFile());
  for (const file of files) hash.update(file.slice(path.length)).update(readFileSync(file));
  return hash.digest('hex');
}

/**
 * The extractor for `kind`, or null when maps of that kind can only be paired. Depth loads the
 * model once through the depth estimator registry; dispose() frees it.
 */
export async function conditionExtractor(
  kind: string,
  sources: ConditionSources = {},
): Promise<ConditionExtractor | null> {
  if (kind === 'depth') {
    if (!sources.depthModel) return null;
    registerBuiltinDepthEstimators();
    const model = sources.depthModel;
    let estimator: DepthEstimator;
    let settings: Record<string, unknown>;
    if (existsSync(model)) {
      estimator = await createDepthEstimator('model', { model });
      settings = { estimator: 'model', modelHash: modelContentHash(model) };
    } else {
      const names = depthEstimatorEntries()
        .map((e) => e.name)
        .filter((n) => n !== 'model');
      if (!names.includes(model))
        throw new Error(
          `depth model "${model}": no such folder or file, and no depth estimator of that name (built in: ${names.join(', ')})`,
        );
      estimator = await createDepthEstimator(model);
      // When the estimator says where its weights are, their content is part of the cache key.
      const weights = (estimator as { path?: unknown }).path;
      settings = {
        estimator: model,
        ...(typeof weights === 'string' && existsSync(weights)
          ? { modelHash: modelContentHash(dirname(weights)) }
          : {}),
      };
    }
    return {
      kind,
      settings,
      async extract(image) {
        const depth = await estimator.estimate(image);
        const map = grayToRgba(depthMapToLevels(depth), depth.width, depth.height);
        return map.width === image.width && map.height === image.height
          ? map
          : resizeImage(map, image.width, image.height, 'fill');
      },
      dispose: () => estimator.dispose?.(),
    };
  }
  const settings = EXTRACTOR_SETTINGS[kind];
  if (!settings) return null;
  return { kind, settings, extract: (image) => extractCondition(kind, image), dispose: () => {} };
}
