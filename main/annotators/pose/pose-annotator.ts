// Photo -> OpenPose document (in the condition map's pixels) and its skeleton map.

import type { PoseDocument, PosePerson } from '../../../shared/pose/openpose-json.ts';
import type { ResizeFit, RgbaImage } from '../../engine/io/image.ts';
import type { OutputSize } from '../fit.ts';
import { fitTransform } from '../fit.ts';
import { figuresPoseModelPath } from '../shipped-annotator-models.ts';
import { cocoToOpenPose } from './coco-to-openpose.ts';
import { HeatmapPoseDetector } from './heatmap-pose.ts';
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

let figuresDetector: Promise<HeatmapPoseDetector> | null = null;

/** The figure world's pose network, loaded on first use and kept. */
export function figuresPoseDetector(): Promise<HeatmapPoseDetector> {
  if (!figuresDetector) {
    const d = HeatmapPoseDetector.load(figuresPoseModelPath());
    figuresDetector = d;
    d.catch(() => {
      if (figuresDetector === d) figuresDetector = null;
    });
  }
  return figuresDetector;
}

export async function releasePoseDetectors(): Promise<void> {
  const all = [...detectors.values()];
  detectors.clear();
  for (const d of all) (await d.catch(() => null))?.dispose();
  const figures = figuresDetector;
  figuresDetector = null;
  (await figures?.catch(() => null))?.dispose();
}

/** 'movenet': people in photos (default); 'figures': the one figure of a figure-world picture. */
export const POSE_ESTIMATORS = ['movenet', 'figures'] as const;
export type PoseEstimatorName = (typeof POSE_ESTIMATORS)[number];

export interface PoseAnnotatorOptions extends MoveNetOptions {
  estimator?: PoseEstimatorName;
  modelsFolder?: string;
  variant?: MoveNetVariant;
}

/** The people in `image`, OpenPose order, in its own pixels. */
async function detectPeople(image: RgbaImage, options: PoseAnnotatorOptions): Promise<PosePerson[]> {
  if (options.estimator === 'figures') {
    const detector = await figuresPoseDetector();
    const body = await detector.detect(image, { minKeypointScore: options.minKeypointScore });
    return body.some((p) => p) ? [{ body }] : [];
  }
  const detector = await poseDetector(options.modelsFolder, options.variant);
  const people = await detector.detect(image, options);
  return people.map((person) => ({ body: cocoToOpenPose(person.keypoints) }));
}

/** Detects people in `image` and places them on a `size` canvas fitted as `fit` says. */
export async function poseAnnotation(
  image: RgbaImage,
  size: OutputSize,
  fit: ResizeFit,
  options: PoseAnnotatorOptions = {},
): Promise<{ document: PoseDocument; map: RgbaImage }> {
  const people = await detectPeople(image, options);
  const t = fitTransform(image, size, fit);
  const placed: PosePerson[] = [];
  for (const person of people) {
    const body = person.body.map((p) => {
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
