// The OpenPose 18-point body model (the COCO-18 layout) and the skeleton map that
// pose-conditioned diffusion models were trained on. Pure data: no Node, no DOM.

/** Point names in OpenPose order; the index is the point's id in `pose_keypoints_2d`. */
export const OPENPOSE_KEYPOINT_NAMES = [
  'nose',
  'neck',
  'right_shoulder',
  'right_elbow',
  'right_wrist',
  'left_shoulder',
  'left_elbow',
  'left_wrist',
  'right_hip',
  'right_knee',
  'right_ankle',
  'left_hip',
  'left_knee',
  'left_ankle',
  'right_eye',
  'left_eye',
  'right_ear',
  'left_ear',
] as const;

export type OpenPoseKeypointName = (typeof OPENPOSE_KEYPOINT_NAMES)[number];

export const OPENPOSE_BODY_POINTS = 18;
export const OPENPOSE_HAND_POINTS = 21;
export const OPENPOSE_FACE_POINTS = 70;

/** Index of each named point, e.g. `OPENPOSE_INDEX.left_wrist === 7`. */
export const OPENPOSE_INDEX = Object.fromEntries(
  OPENPOSE_KEYPOINT_NAMES.map((name, i) => [name, i]),
) as Record<OpenPoseKeypointName, number>;

/**
 * Limbs as point pairs in the canonical drawing order; limb i is drawn in OPENPOSE_COLORS[i].
 * The order matters: later limbs paint over earlier ones where they overlap.
 */
export const OPENPOSE_LIMBS: readonly (readonly [number, number])[] = [
  [1, 2],
  [1, 5],
  [2, 3],
  [3, 4],
  [5, 6],
  [6, 7],
  [1, 8],
  [8, 9],
  [9, 10],
  [1, 11],
  [11, 12],
  [12, 13],
  [1, 0],
  [0, 14],
  [14, 16],
  [0, 15],
  [15, 17],
];

/** 18 colours as [r, g, b]: limb i uses colour i, point j uses colour j. */
export const OPENPOSE_COLORS: readonly (readonly [number, number, number])[] = [
  [255, 0, 0],
  [255, 85, 0],
  [255, 170, 0],
  [255, 255, 0],
  [170, 255, 0],
  [85, 255, 0],
  [0, 255, 0],
  [0, 255, 85],
  [0, 255, 170],
  [0, 255, 255],
  [0, 170, 255],
  [0, 85, 255],
  [0, 0, 255],
  [85, 0, 255],
  [170, 0, 255],
  [255, 0, 255],
  [255, 0, 170],
  [255, 0, 85],
];

/** The skeleton map's sizes were fixed for 512-pixel images; other sizes scale by the shorter side. */
export const SKELETON_REFERENCE_SIZE = 512;
/** Half-width of each limb ellipse at the reference size, in pixels. */
export const SKELETON_LIMB_HALF_WIDTH = 4;
/** Radius of each point's dot at the reference size, in pixels. */
export const SKELETON_POINT_RADIUS = 4;
/** The limb layer is multiplied by this before the points are drawn over it. */
export const SKELETON_LIMB_DIM = 0.6;

/** Limb half-width and dot radius for a map of this size (exactly 4 and 4 at 512 px). */
export function skeletonSizes(width: number, height: number): { limbHalfWidth: number; pointRadius: number } {
  const scale = Math.min(width, height) / SKELETON_REFERENCE_SIZE;
  return {
    limbHalfWidth: SKELETON_LIMB_HALF_WIDTH * scale,
    pointRadius: SKELETON_POINT_RADIUS * scale,
  };
}

/** Points with confidence at or below this are missing (the convention pose editors share). */
export const OPENPOSE_MISSING_CONFIDENCE = 0.1;
