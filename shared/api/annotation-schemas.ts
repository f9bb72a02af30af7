// StudioApi: turning a picture into a condition map (canny, pose, depth, scribble).
import { z } from 'zod';
import { ImageBase64 } from './common-schemas.ts';

const outputSize = {
  /** Size of the map; null: the input image's size (one side given: the other keeps the aspect). */
  width: z.number().int().min(8).max(4096).nullable().default(null),
  height: z.number().int().min(8).max(4096).nullable().default(null),
  /** How the picture meets that size: cover = scale and centre-crop (default), contain, fill. */
  fit: z.enum(['cover', 'contain', 'fill']).optional(),
};

export const AnnotateRequest = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('canny'),
      image: ImageBase64,
      low: z.number().min(0).max(1000).default(100),
      high: z.number().min(0).max(1000).default(200),
      ...outputSize,
    })
    .refine((r) => r.low <= r.high, { message: 'low threshold must not exceed high', path: ['low'] }),
  z.object({
    kind: z.literal('pose'),
    image: ImageBase64,
    /** 'movenet' for photos (default); 'figures' for the embedded model's figure-world pictures. */
    estimator: z.enum(['movenet', 'figures']).optional(),
    /** Keypoints below this confidence are left out, not guessed. */
    minConfidence: z.number().min(0).max(1).default(0.3),
    maxPeople: z.number().int().min(1).max(6).default(6),
    ...outputSize,
  }),
  z.object({
    kind: z.literal('depth'),
    image: ImageBase64,
    /**
     * Estimator by name ("grayscale": the picture's luminance is the depth; "figures": the network
     * for the embedded model's figure-world pictures; "model": a user model).
     */
    estimator: z.string().min(1).max(200).optional(),
    /** Folder or file of a user-provided depth model (estimator "model"); null: none. */
    model: z.string().min(1).max(4096).nullable().default(null),
    /** Flip near and far (for maps drawn far = bright). */
    invert: z.boolean().optional(),
    ...outputSize,
  }),
  z.object({
    kind: z.literal('scribble'),
    image: ImageBase64,
    /** 0..255 luminance threshold before thinning; null: chosen from the image. */
    threshold: z.number().int().min(0).max(255).nullable().default(null),
    ...outputSize,
  }),
]);
export type AnnotateRequest = z.infer<typeof AnnotateRequest>;

/** The OpenPose JSON pose editors exchange (see shared/pose/openpose-json.ts). */
export const OpenPoseJsonSchema = z.object({
  canvas_width: z.number(),
  canvas_height: z.number(),
  people: z.array(
    z.object({
      pose_keypoints_2d: z.array(z.number()),
      hand_left_keypoints_2d: z.array(z.number()).nullable(),
      hand_right_keypoints_2d: z.array(z.number()).nullable(),
      face_keypoints_2d: z.array(z.number()).nullable(),
    }),
  ),
});

export const AnnotateResult = z.object({
  /** The condition map as a PNG, base64. */
  map: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** Pose only: the detected people, editable in the pose editor. */
  pose: OpenPoseJsonSchema.nullable(),
  durationMs: z.number(),
  /** What the annotator decided on the way (e.g. "scribble source: photo"). */
  notes: z.array(z.string()),
});
export type AnnotateResult = z.infer<typeof AnnotateResult>;
