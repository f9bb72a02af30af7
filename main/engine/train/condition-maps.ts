// The condition map a CSC-Tuner learns from, per training image: a paired file from
// `conditions/<kind>/` (an image, or OpenPose JSON drawn as the skeleton map), else extracted from
// the training image by the kind's annotator. Maps come back at the picture's own size; the caller
// crops them exactly as it crops the picture.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseOpenPoseJson } from '../../../shared/pose/openpose-json.ts';
import { cannyEdges } from '../../annotators/canny.ts';
import { renderSkeletonMap } from '../../annotators/pose/skeleton-map.ts';
import { scribbleStrokes } from '../../annotators/scribble.ts';
import { type RgbaImage, readImage, resizeImage } from '../io/image.ts';

/** Settings of each extractor; part of the cache key, so changing them recomputes the maps. */
export const EXTRACTOR_SETTINGS: Record<string, Record<string, unknown>> = {
  canny: { low: 100, high: 200 },
  scribble: { strokeWidth: 3 },
};

type Extractor = (image: RgbaImage) => Uint8Array;

const EXTRACTORS: Record<string, Extractor> = {
  canny: (image) => cannyEdges(image, EXTRACTOR_SETTINGS.canny),
  scribble: (image) => scribbleStrokes(image, EXTRACTOR_SETTINGS.scribble).strokes,
};

/** Condition kinds this build can extract from a picture (the others need paired maps). */
export function canExtractCondition(kind: string): boolean {
  return kind in EXTRACTORS;
}

function maskToRgba(mask: Uint8Array, width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i]!;
    data[i * 4] = v;
    data[i * 4 + 1] = v;
    data[i * 4 + 2] = v;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
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

export function extractCondition(kind: string, image: RgbaImage): RgbaImage {
  const extract = EXTRACTORS[kind];
  if (!extract)
    throw new Error(
      `no ${kind} annotator to extract condition maps from pictures; put paired maps in conditions/${kind}/`,
    );
  return maskToRgba(extract(image), image.width, image.height);
}
