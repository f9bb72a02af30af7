// How each condition is given to the tuners, and the per-picture score of a generated picture
// (controlFidelity, main/engine/eval/control-fidelity.ts: canny 100/200 edges with F1 at 1 px, the
// figure-world depth network's estimate with RMSE after scale + shift, detected keypoints with
// PCK@0.1). Conditions: canny edges extracted from the held-out picture with the settings training
// uses; the renderer's exact depth map; the OpenPose JSON drawn as the skeleton map. Pose is scored
// with the figure-world keypoint network (see score below).
import { readFile } from 'node:fs/promises';
import { annotate } from '../../../main/annotators/annotate.ts';
import { grayToRgba } from '../../../main/annotators/gray.ts';
import { releasePoseDetectors } from '../../../main/annotators/pose/pose-annotator.ts';
import { type ControlCondition, controlFidelity } from '../../../main/engine/eval/control-fidelity.ts';
import type { PlaneMap } from '../../../main/engine/eval/control-metrics.ts';
import { type RgbaImage, readImage, resizeImage } from '../../../main/engine/io/image.ts';
import { EXTRACTOR_SETTINGS, readPairedCondition } from '../../../main/engine/train/condition-maps.ts';
import { type PoseDocument, parseOpenPoseJson } from '../../../shared/pose/openpose-json.ts';
import type { ConditionKind, ImageScore } from './aggregate.ts';
import type { DatasetSample } from './datasets.ts';

/** A held-out condition: the map the tuners read, and what the generated picture is measured against. */
export interface HeldoutCondition {
  sample: DatasetSample;
  /** RGB condition map at the generated pictures' size. */
  map: RgbaImage;
  /** Pose only: the condition's keypoints. */
  pose?: PoseDocument;
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

function controlCondition(kind: ConditionKind, c: HeldoutCondition): ControlCondition {
  return { kind, map: c.map, pose: c.pose };
}

/** Edge F1 inside and outside a mask (≥ 128 inside). */
export async function edgeF1ByRegion(
  condition: HeldoutCondition,
  generated: RgbaImage,
  mask: PlaneMap,
): Promise<{ inside: number; outside: number }> {
  const region = grayToRgba(Uint8Array.from(mask.values), mask.width, mask.height);
  const f = await controlFidelity(controlCondition('canny', condition), generated, { region });
  return { inside: f.inside!.f1, outside: f.outside!.f1 };
}

/** Condition keypoints present (what PCK divides by), over every person. */
export function visibleKeypoints(doc: PoseDocument): number {
  return doc.people.reduce((n, p) => n + p.body.filter((k) => k !== null).length, 0);
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
  const load = async (sample: DatasetSample): Promise<HeldoutCondition> => {
    if (condition === 'canny') return { sample, map: await cannyMap(await pictureAt(sample.file, size)) };
    const path = paired(sample, condition);
    if (condition === 'depth') return { sample, map: await readPairedCondition(path, size, size) };
    const picture = await readImage(sample.file);
    // Keypoints stay on the picture's canvas; PCK scales the detection onto it.
    const { document } = parseOpenPoseJson(await readFile(path, 'utf8'), {
      name: path,
      defaultCanvas: { width: picture.width, height: picture.height },
    });
    return { sample, map: await readPairedCondition(path, size, size), pose: document };
  };
  const score = async (c: HeldoutCondition, generated: RgbaImage): Promise<ImageScore> => {
    // Pose is judged by the figure-world network: MoveNet, the better judge of the real held-out
    // scenes (PCK 0.860 vs 0.813), found no keypoint at all in the embedded model's 64 px pictures
    // (0 of 130 on 8 held-out conditions, with or without control), the figure network some.
    const options = condition === 'pose' ? { poseEstimator: 'figures' as const } : {};
    const f = await controlFidelity(controlCondition(condition, c), generated, options);
    if (condition === 'canny') {
      const e = f.edges!;
      return { metric: 'edgeF1', f1: e.f1, precision: e.precision, recall: e.recall };
    }
    if (condition === 'depth') return { metric: 'depthRmse', rmse: f.value };
    // PCK pools keypoints over pictures: found = PCK × the condition's visible keypoints.
    const visible = visibleKeypoints(c.pose!);
    return { metric: 'posePck', found: visible ? Math.round(f.value * visible) : 0, visible };
  };
  return {
    condition,
    load,
    score,
    async dispose() {
      if (condition === 'pose') await releasePoseDetectors();
    },
  };
}

function paired(sample: DatasetSample, kind: string): string {
  const path = sample.conditions[kind];
  if (!path) throw new Error(`${sample.file}: the dataset lists no ${kind} map for this picture`);
  return path;
}
