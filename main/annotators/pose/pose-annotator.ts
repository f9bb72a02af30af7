// Photo -> OpenPose document (in the condition map's pixels) and its skeleton map.

import type { PoseDocument, PosePerson } from '../../../shared/pose/openpose-json.ts';
import type { ResizeFit, RgbaImage } from '../../engine/io/image.ts';
import type { OutputSize } from '../fit.ts';
import { fitTransform } from '../fit.ts';
import { cocoToOpenPose } from './coco-to-openpose.ts';
import type { MoveNetOptions, MoveNetVariant } from './movenet.ts';
import { MoveNetPoseDetector, shippedPoseModelsFolder } from './movenet.ts';
import { renderSkeletonMap } from './skeleton-map.ts';

const detectors = new Map<string, Promise<MoveNetPoseDetector>>();

/** One detector per model folder and variant, loaded on first use and kept. */
export function poseDetector(folder?: string, variant?: MoveNetVariant): Promise<MoveNetPoseDetector> {
  const key = `${folder ?? shippedPoseModelsFolder()}\n${variant ?? 'auto'}`;
  let d = detectors.get(key);
  if (!d) {
    d = MoveNetPoseDetector.load(folder, variant);
    detectors.set(key, d);
    d.catch(() => detectors.delete(key));
  }
  return d;
}

export async function releasePoseDetectors(): Promise<void> {
  const all = [...detectors.values()];
  detectors.clear();
  for (const d of all) (await d.catch(() => null))?.dispose();
}

export interface PoseAnnotatorOptions extends MoveNetOptions {
  modelsFolder?: string;
  variant?: MoveNetVariant;
}

/** Detects people in `image` and places them on a `size` canvas fitted as `fit` says. */
export async function poseAnnotation(
  image: RgbaImage,
  size: OutputSize,
  fit: ResizeFit,
  options: PoseAnnotatorOptions = {},
): Promise<{ document: PoseDocument; map: RgbaImage }> {
  const detector = await poseDetector(options.modelsFolder, options.variant);
  const people = await detector.detect(image, options);
  const t = fitTransform(image, size, fit);
  const placed: PosePerson[] = [];
  for (const person of people) {
    const body = cocoToOpenPose(person.keypoints).map((p) => {
      if (!p) return null;
      const x = p.x * t.scaleX + t.offsetX;
      const y = p.y * t.scaleY + t.offsetY;
      // Cropped away by a cover fit: not on this canvas.
      if (x < 0 || y < 0 || x > size.width || y > size.height) return null;
      return { x, y, confidence: p.confidence };
    });
    if (body.some((p) => p)) placed.push({ body });
  }
  const document: PoseDocument = { canvasWidth: size.width, canvasHeight: size.height, people: placed };
  return { document, map: renderSkeletonMap(document) };
}
