// `scedit dataset build figures`: renders N figure scenes into a training folder, with depth
// maps, OpenPose keypoints, captions and labels for each.

import { OPENPOSE_KEYPOINT_NAMES } from '../../../shared/pose/openpose.ts';
import { toOpenPoseJson } from '../../../shared/pose/openpose-json.ts';
import { renderSkeletonMap } from '../../annotators/pose/skeleton-map.ts';
import type { Split } from '../dataset-writer.ts';
import { DatasetWriter, progressReporter, stemOf } from '../dataset-writer.ts';
import { hashSeed } from '../prng.ts';
import type { FigureSample } from './figure-sample.ts';
import { DEFAULT_SUPERSAMPLE, renderFigureSample } from './figure-sample.ts';
import { COLOR_NAMES, FACINGS, GROUND_NAMES, OBJECT_KINDS, TIMES_OF_DAY } from './figure-scene.ts';
import { POSE_CLASSES } from './pose-families.ts';
import { dot, sub } from './vec3.ts';

/** Bumped whenever the same seed would render different pictures. */
export const FIGURE_RENDERER_VERSION = 1;

export interface BuildFiguresOptions {
  out: string;
  count: number;
  seed: number;
  size: number;
  heldout: number;
  supersample?: number;
  replace?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** The command line to record in dataset.json. */
  command?: string;
}

/** Which split sample `index` belongs to: decided per index, so it does not depend on `count`. */
export function figureSplit(seed: number, index: number, heldout: number): Split {
  return hashSeed(seed ^ 0x68656c64, index) / 4294967296 < heldout ? 'heldout' : 'train';
}

/** The OpenPose JSON written for a sample, with the joints' camera-space 3D positions added. */
export function figurePoseJson(sample: FigureSample): string {
  const json = toOpenPoseJson(sample.pose);
  const cam = sample.scene.trace.camera;
  // OpenPose's 3D field: camera coordinates in metres (x right, y down, z forward), every joint
  // whether seen or not; confidence 1.
  const joints = sample.scene.mannequin.joints;
  const points3d = OPENPOSE_KEYPOINT_NAMES.map((name) => joints[name]).flatMap((p) => {
    const rel = sub(p, cam.position);
    const r = (v: number) => Math.round(v * 1e4) / 1e4;
    return [r(dot(rel, cam.right)), r(-dot(rel, cam.up)), r(dot(rel, cam.forward)), 1];
  });
  const people = json.people.map((person) => ({ ...person, pose_keypoints_3d: points3d }));
  return `${JSON.stringify({ ...json, people })}\n`;
}

export function figureLabels(sample: FigureSample): Record<string, unknown> {
  const l = sample.scene.labels;
  return {
    pose: l.pose,
    figure_color: l.figureColor,
    object: l.object,
    object_color: l.objectColor,
    object_side: l.objectSide,
    ground: l.ground,
    time_of_day: l.timeOfDay,
    facing: l.facing,
    yaw_deg: l.yawDeg,
    visible_keypoints: sample.keypoints.filter((k) => k.visible).length,
    depth_near: Math.round(sample.nearestDepth * 1e4) / 1e4,
  };
}

export async function buildFigures(options: BuildFiguresOptions): Promise<{
  counts: Record<Split, number>;
  seconds: number;
}> {
  const { out, count, seed, size, heldout } = options;
  const supersample = options.supersample ?? DEFAULT_SUPERSAMPLE;
  const started = performance.now();
  const writer = DatasetWriter.open(out, options.replace ?? false);
  const report = progressReporter('figures', count, options.log ?? (() => {}));
  for (let index = 0; index < count; index++) {
    const sample = renderFigureSample(seed, index, size, supersample);
    await writer.add({
      split: figureSplit(seed, index, heldout),
      stem: stemOf(index),
      image: sample.image,
      caption: sample.caption,
      labels: figureLabels(sample),
      conditions: [
        { kind: 'depth', content: { png: sample.depth } },
        { kind: 'pose', content: { ext: 'json', data: figurePoseJson(sample) } },
        { kind: 'skeleton', content: { png: renderSkeletonMap(sample.pose) } },
      ],
    });
    report(index + 1);
  }
  const counts = await writer.finish({
    format: 'scedit-dataset',
    source: 'figures',
    rendererVersion: FIGURE_RENDERER_VERSION,
    command: options.command ?? null,
    options: { count, seed, size, heldout, supersample },
    labels: {
      pose: POSE_CLASSES,
      figure_color: COLOR_NAMES,
      object: [...OBJECT_KINDS, 'none'],
      object_color: COLOR_NAMES,
      ground: GROUND_NAMES,
      time_of_day: TIMES_OF_DAY,
      facing: FACINGS,
    },
    conditions: {
      depth:
        'conditions/depth/NNNNNN.png: 8-bit grey, value = round(255 * depth_near / z) with z the planar depth ' +
        "along the camera axis (near = bright, sky = 0), averaged over each pixel's rays; depth_near (metres) is in metadata.jsonl",
      pose:
        'conditions/pose/NNNNNN.json: OpenPose JSON, one person, 18 points in pixels (pixel i spans [i, i+1)); points ' +
        'hidden by the body or an object, or outside the picture, are (-1, -1, 0); pose_keypoints_3d holds every joint in ' +
        'camera coordinates (metres, x right, y down, z forward)',
      skeleton:
        'conditions/skeleton/NNNNNN.png: the OpenPose skeleton map of the pose JSON (main/annotators/pose/skeleton-map.ts: ' +
        'black, limbs in the canonical colours and order dimmed by 0.6, then the points; strokes scale with the picture)',
    },
  });
  return { counts, seconds: (performance.now() - started) / 1000 };
}
