// The condition map a CSC-Tuner learns from, per training image: a paired file from
// `conditions/<kind>/` (an image, or OpenPose JSON drawn as the skeleton map), else extracted from
// the training image by the kind's annotator. Maps come back at the picture's own size; the caller
// crops them exactly as it crops the picture.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseOpenPoseJson } from '../../../shared/pose/openpose-json.ts';
import { annotate } from '../../annotators/annotate.ts';
import { renderSkeletonMap } from '../../annotators/pose/skeleton-map.ts';
import { type RgbaImage, readImage, resizeImage } from '../io/image.ts';

/**
 * Options of each annotator used to extract maps from training pictures (SCEdit's canny 100/200);
 * part of the cache key, so changing them recomputes the maps. Depth is paired-only: the one
 * built-in depth estimator takes the picture itself as the depth map, which a photo is not.
 */
export const EXTRACTOR_SETTINGS: Record<string, Record<string, unknown>> = {
  canny: { low: 100, high: 200 },
  scribble: { strokeWidth: 3 },
  pose: {},
};

/** Condition kinds this build can extract from a picture (the others need paired maps). */
export function canExtractCondition(kind: string): boolean {
  return kind in EXTRACTOR_SETTINGS;
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

/** The map of `kind` made from the (already cropped) training picture by its annotator. */
export async function extractCondition(kind: string, image: RgbaImage): Promise<RgbaImage> {
  const settings = EXTRACTOR_SETTINGS[kind];
  if (!settings)
    throw new Error(
      `no ${kind} annotator to extract condition maps from pictures; put paired maps in conditions/${kind}/`,
    );
  const { map } = await annotate(kind as 'canny' | 'scribble' | 'pose', image, settings);
  return map;
}
