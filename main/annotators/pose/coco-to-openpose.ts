// COCO's 17 body points (what MoveNet and most detectors output) -> OpenPose's 18.
import type { PoseKeypoint, PoseKeypoints } from '../../../shared/pose/openpose-json.ts';

/** COCO-17 order, as MoveNet reports its keypoints. */
export const COCO_KEYPOINT_NAMES = [
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
] as const;

// For each OpenPose slot the COCO index it copies; the neck (slot 1) has none: it is built.
const OPENPOSE_FROM_COCO = [0, -1, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3] as const;
const COCO_LEFT_SHOULDER = 5;
const COCO_RIGHT_SHOULDER = 6;

/**
 * Maps 17 COCO points (null where missing) to the 18 OpenPose slots. The neck is the midpoint
 * of the shoulders, present only when both are, with the lower of their confidences.
 */
export function cocoToOpenPose(coco: readonly (PoseKeypoint | null)[]): PoseKeypoints {
  if (coco.length !== COCO_KEYPOINT_NAMES.length)
    throw new Error(`expected ${COCO_KEYPOINT_NAMES.length} COCO keypoints, got ${coco.length}`);
  return OPENPOSE_FROM_COCO.map((c) => {
    if (c >= 0) {
      const p = coco[c];
      return p ? { ...p } : null;
    }
    const l = coco[COCO_LEFT_SHOULDER];
    const r = coco[COCO_RIGHT_SHOULDER];
    if (!l || !r) return null;
    return { x: (l.x + r.x) / 2, y: (l.y + r.y) / 2, confidence: Math.min(l.confidence, r.confidence) };
  });
}
