// How each condition is given to the tuners and measured on the generated picture, with the same
// annotators the trainer uses: canny edges (100/200) extracted from the held-out picture and from
// the generated one (edge F1, 1 px); the renderer's exact depth map given, the figure-world depth
// network's estimate of the generated picture measured against it (RMSE after scale + shift); the
// OpenPose JSON drawn as the skeleton map, the figure-world pose network's detection measured
// against its keypoints (PCK@0.1).
import { readFile } from 'node:fs/promises';
import { annotate } from '../../../main/annotators/annotate.ts';
import { registerBuiltinDepthEstimators } from '../../../main/annotators/depth/builtin-depth-estimators.ts';
import {
  createDepthEstimator,
  type DepthEstimator,
  depthMapToLevels,
} from '../../../main/annotators/depth/depth-estimator.ts';
import { releasePoseDetectors } from '../../../main/annotators/pose/pose-annotator.ts';
import {
  depthRmse,
  edgeF1,
  edgeF1InsideOutside,
  type PlaneMap,
  planeFromRgba,
  posePck,
} from '../../../main/engine/eval/control-metrics.ts';
import { type RgbaImage, readImage, resizeImage } from '../../../main/engine/io/image.ts';
import { EXTRACTOR_SETTINGS, readPairedCondition } from '../../../main/engine/train/condition-maps.ts';
import { parseOpenPoseJson } from '../../../shared/pose/openpose-json.ts';
import type { ConditionKind, ImageScore } from './aggregate.ts';
import type { DatasetSample } from './datasets.ts';

/** A held-out condition: the map the tuners read, and what the generated picture is measured against. */
export interface HeldoutCondition {
  sample: DatasetSample;
  /** RGB condition map at the picture's size. */
  map: RgbaImage;
  /** Pose only: the condition's keypoints. */
  pose?: import('../../../shared/pose/openpose-json.ts').PoseDocument;
}

export interface FidelityJudge {
  readonly condition: ConditionKind;
  load(sample: DatasetSample): Promise<HeldoutCondition>;
  score(condition: HeldoutCondition, generated: RgbaImage): Promise<ImageScore>;
  dispose(): Promise<void>;
}

/** Canny edges of a picture with the settings training extracts its maps with. */
export async function cannyMap(image: RgbaImage): Promise<RgbaImage> {
  return (await annotate('canny', image, EXTRACTOR_SETTINGS.canny as { low: number; high: number })).map;
}

/** Edge F1 inside and outside a mask (≥ 128 inside), both edge maps made by `cannyMap`. */
export async function edgeF1ByRegion(
  condition: HeldoutCondition,
  generated: RgbaImage,
  mask: PlaneMap,
): Promise<{ inside: number; outside: number }> {
  const { inside, outside } = edgeF1InsideOutside(
    planeFromRgba(condition.map),
    planeFromRgba(await cannyMap(generated)),
    mask,
  );
  return { inside: inside.f1, outside: outside.f1 };
}

/** The held-out picture at the size pictures are generated at (the model's), stretched if it differs. */
async function pictureAt(file: string, size: number): Promise<RgbaImage> {
  const picture = await readImage(file);
  return picture.width === size && picture.height === size
    ? picture
    : resizeImage(picture, size, size, 'fill');
}

/** A judge for pictures of `size` × `size` pixels (the model's): condition maps are made at that size. */
export async function createJudge(condition: ConditionKind, size: number): Promise<FidelityJudge> {
  if (condition === 'canny')
    return {
      condition,
      async load(sample) {
        return { sample, map: await cannyMap(await pictureAt(sample.file, size)) };
      },
      async score(c, generated) {
        const s = edgeF1(planeFromRgba(c.map), planeFromRgba(await cannyMap(generated)));
        return { metric: 'edgeF1', f1: s.f1, precision: s.precision, recall: s.recall };
      },
      async dispose() {},
    };
  if (condition === 'depth') {
    registerBuiltinDepthEstimators();
    const estimator: DepthEstimator = await createDepthEstimator('figures');
    return {
      condition,
      async load(sample) {
        const picture = await readImage(sample.file);
        return {
          sample,
          map: await readPairedCondition(paired(sample, 'depth'), picture.width, picture.height),
        };
      },
      async score(c, generated) {
        const depth = await estimator.estimate(generated);
        const estimate = { width: depth.width, height: depth.height, values: depthMapToLevels(depth) };
        return { metric: 'depthRmse', rmse: depthRmse(planeFromRgba(c.map), estimate).rmse };
      },
      async dispose() {
        estimator.dispose?.();
      },
    };
  }
  return {
    condition,
    async load(sample) {
      const path = paired(sample, 'pose');
      const picture = await readImage(sample.file);
      // Keypoints stay on the picture's canvas; PCK scales the detection onto it.
      const { document } = parseOpenPoseJson(await readFile(path, 'utf8'), {
        name: path,
        defaultCanvas: { width: picture.width, height: picture.height },
      });
      return { sample, map: await readPairedCondition(path, size, size), pose: document };
    },
    async score(c, generated) {
      const detected = await annotate('pose', generated, { estimator: 'figures' });
      const s = posePck(c.pose!, detected.pose!);
      return { metric: 'posePck', found: s.found, visible: s.visible };
    },
    async dispose() {
      await releasePoseDetectors();
    },
  };
}

function paired(sample: DatasetSample, kind: string): string {
  const path = sample.conditions[kind];
  if (!path) throw new Error(`${sample.file}: the dataset lists no ${kind} map for this picture`);
  return path;
}
