// StudioApi: generating images, and the recipe that reproduces one.
import { z } from 'zod';
import { ConditionKind, FileRef, Id, ImageBase64, Timestamp } from './common-schemas.ts';

export const SAMPLERS = ['ddim', 'euler', 'euler-a', 'dpmpp-2m'] as const;
export const Sampler = z.enum(SAMPLERS);
export type Sampler = z.infer<typeof Sampler>;

const MAX_SEED = 2 ** 32 - 1;

/** A style tuner (SC) applied to the whole image with its own scale. */
export const TunerUse = z.object({
  tunerId: Id,
  scale: z.number().min(-2).max(4).default(1),
});
export type TunerUse = z.infer<typeof TunerUse>;

const layerFields = {
  id: z.string().min(1).max(100),
  kind: ConditionKind,
  /** The condition tuner (CSC) this layer drives. */
  tunerId: Id,
  weight: z.number().min(0).max(4).default(1),
  enabled: z.boolean().default(true),
  /** Active part of the sampling schedule, 0 = first step, 1 = last. */
  start: z.number().min(0).max(1).default(0),
  end: z.number().min(0).max(1).default(1),
};

/**
 * The shape a region mask was drawn as, in canvas pixels. The mask image is what the engine
 * uses; the shape lets a restored recipe give the artist back an editable region.
 */
export const MaskRegion = z.object({
  shape: z.enum(['rect', 'ellipse']),
  x: z.number().min(-1e5).max(1e5),
  y: z.number().min(-1e5).max(1e5),
  width: z.number().min(0).max(1e5),
  height: z.number().min(0).max(1e5),
  /** true: the layer applies everywhere except inside the shape. */
  inverted: z.boolean().default(false),
});
export type MaskRegion = z.infer<typeof MaskRegion>;

const startBeforeEnd = (l: { start: number; end: number }) => l.start <= l.end;
const startBeforeEndMessage = { message: 'start must not be after end', path: ['start'] };

/** A condition layer as the canvas sends it: the map and optional region mask as images. */
export const ConditionLayer = z
  .object({
    ...layerFields,
    image: ImageBase64,
    mask: ImageBase64.nullable().default(null),
    /** The shape `mask` was rendered from, kept in the recipe; null: none, or not a shape. */
    region: MaskRegion.nullable().default(null),
  })
  .refine(startBeforeEnd, startBeforeEndMessage);
export type ConditionLayer = z.infer<typeof ConditionLayer>;

/** A condition layer as the library keeps it: images are files in the store. */
export const StoredConditionLayer = z
  .object({
    ...layerFields,
    image: FileRef,
    mask: FileRef.nullable().default(null),
    /** null in recipes stored before shapes were kept: then only the mask image is known. */
    region: MaskRegion.nullable().default(null),
  })
  .refine(startBeforeEnd, startBeforeEndMessage);
export type StoredConditionLayer = z.infer<typeof StoredConditionLayer>;

const recipeFields = {
  prompt: z.string().max(4000),
  negativePrompt: z.string().max(4000).default(''),
  /** null: a random seed, reported back with each image. */
  seed: z.number().int().min(0).max(MAX_SEED).nullable().default(null),
  steps: z.number().int().min(1).max(150).default(20),
  guidance: z.number().min(0).max(30).default(7),
  sampler: Sampler.default('euler-a'),
  /** Pixels, a multiple of 8; null: the base model's native size. */
  width: z.number().int().min(64).max(2048).multipleOf(8).nullable().default(null),
  height: z.number().int().min(64).max(2048).multipleOf(8).nullable().default(null),
  /** null: the default model from settings. */
  baseModel: Id.nullable().default(null),
  styleTuners: z.array(TunerUse).max(8).default([]),
};

export const GenerateRequest = z.object({
  ...recipeFields,
  layers: z.array(ConditionLayer).max(8).default([]),
  batchCount: z.number().int().min(1).max(16).default(1),
  /** Send a preview image with progress events (costs a VAE decode every few steps). */
  previews: z.boolean().default(true),
});
export type GenerateRequest = z.infer<typeof GenerateRequest>;

/** Everything needed to reproduce one image exactly; stored with each generation. */
export const Recipe = z.object({
  ...recipeFields,
  seed: z.number().int().min(0).max(MAX_SEED),
  width: z.number().int().min(64).max(2048),
  height: z.number().int().min(64).max(2048),
  baseModel: Id,
  layers: z.array(StoredConditionLayer).max(8).default([]),
});
export type Recipe = z.infer<typeof Recipe>;

export const GeneratedImage = z.object({
  generationId: Id,
  image: FileRef,
  seed: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
});
export type GeneratedImage = z.infer<typeof GeneratedImage>;

export const GenerateResult = z.object({
  images: z.array(GeneratedImage),
  durationMs: z.number(),
});
export type GenerateResult = z.infer<typeof GenerateResult>;

/** One row of the gallery / history. */
export const GenerationRecord = z.object({
  id: Id,
  createdAt: Timestamp,
  image: FileRef,
  recipe: Recipe,
  durationMs: z.number().nullable(),
  backend: z.string().nullable(),
});
export type GenerationRecord = z.infer<typeof GenerationRecord>;
