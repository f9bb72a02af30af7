// StudioApi: the tuner library, generation history and base models.
import { z } from 'zod';
import { ConditionKind, FileRef, Id, ImageBase64, Page, Timestamp, TunerKind } from './common-schemas.ts';
import { GenerationRecord, StoredConditionLayer } from './generation-schemas.ts';

export const TunerSummary = z.object({
  id: Id,
  name: z.string(),
  kind: TunerKind,
  condition: ConditionKind.nullable(),
  /** The base model the tuner was trained on; mixing it into another model is refused. */
  baseModel: z.string(),
  fileHash: z.string(),
  sizeBytes: z.number().int(),
  parameterCount: z.number().int().nullable(),
  tags: z.array(z.string()),
  rating: z.number().nullable(),
  /** The weight a new layer or mix entry with this tuner starts at; null: 1. */
  preferredWeight: z.number().nullable(),
  /** Words the tuner answers to in a prompt (from its training folders, or the artist's). */
  triggerWords: z.array(z.string()),
  preview: FileRef.nullable(),
  createdAt: Timestamp,
});
export type TunerSummary = z.infer<typeof TunerSummary>;

export const TunerDetail = TunerSummary.extend({
  notes: z.string(),
  file: FileRef,
  trainingConfig: z.record(z.string(), z.unknown()).nullable(),
  dataset: z.object({ folder: z.string(), imageCount: z.number().int(), contentHash: z.string() }).nullable(),
  previews: z.array(FileRef),
  /** The training run that produced it, when it was trained here. */
  trainingRunId: Id.nullable(),
  /** The tuner its training continued from, when it did. */
  parent: z.object({ id: Id, name: z.string() }).nullable(),
});
export type TunerDetail = z.infer<typeof TunerDetail>;

const tunerFilters = {
  kind: TunerKind.nullable().default(null),
  condition: ConditionKind.nullable().default(null),
  baseModel: z.string().max(200).nullable().default(null),
  tag: z.string().max(100).nullable().default(null),
  sort: z.enum(['created', 'name', 'rating', 'size']).default('created'),
  order: z.enum(['asc', 'desc']).default('desc'),
  ...Page,
};

export const TunersListRequest = z.object(tunerFilters).default(z.object(tunerFilters).parse({}));
export const TunersSearchRequest = z.object({ text: z.string().trim().min(1).max(500), ...tunerFilters });
export const TunerPage = z.object({ items: z.array(TunerSummary), total: z.number().int() });

export const TunerIdRequest = z.object({ id: Id });

export const TunersImportRequest = z.union([
  /** A file on the machine running the engine. */
  z.object({ path: z.string().min(1).max(4096) }),
  /** Bytes uploaded from the browser. */
  z.object({
    fileName: z.string().min(1).max(255),
    base64: z
      .string()
      .min(1)
      .max(64 * 2 ** 20),
  }),
]);
export type TunersImportRequest = z.infer<typeof TunersImportRequest>;

export const TunersExportRequest = z.object({
  id: Id,
  /** Write a copy there (a .safetensors file with its metadata); null: just return the stored file. */
  path: z.string().min(1).max(4096).nullable().default(null),
});
export const TunersExportResult = z.object({
  fileName: z.string(),
  file: FileRef,
  path: z.string().nullable(),
});

export const TunersRenameRequest = z.object({ id: Id, name: z.string().trim().min(1).max(200) });
const Tag = z.string().trim().min(1).max(100);
export const TunersTagRequest = z.object({
  id: Id,
  add: z.array(Tag).max(50).default([]),
  remove: z.array(Tag).max(50).default([]),
});
/** The largest weight a tuner's layers may start at (a layer's largest weight). */
export const MAX_PREFERRED_WEIGHT = 4;
/** Trigger words a tuner holds, and the length of one phrase. */
export const MAX_TRIGGER_WORDS = 20;
export const MAX_TRIGGER_PHRASE_LENGTH = 100;

/** The weight a tuner's layers start at: above 0, at most MAX_PREFERRED_WEIGHT. */
export const PreferredWeight = z.number().gt(0).max(MAX_PREFERRED_WEIGHT);

/** The artist's own words and judgements about a tuner; each field left out stays as it is. */
export const TunersUpdateRequest = z
  .object({
    id: Id,
    notes: z.string().max(10_000).optional(),
    /** 1 to 5 stars; null clears the rating. */
    rating: z.number().int().min(1).max(5).nullable().optional(),
    /** null: layers start at weight 1. */
    preferredWeight: PreferredWeight.nullable().optional(),
    /** The whole list; [] clears it. */
    triggerWords: z
      .array(z.string().trim().min(1).max(MAX_TRIGGER_PHRASE_LENGTH))
      .max(MAX_TRIGGER_WORDS)
      .optional(),
  })
  .refine(
    (r) =>
      r.notes !== undefined ||
      r.rating !== undefined ||
      r.preferredWeight !== undefined ||
      r.triggerWords !== undefined,
    { message: 'nothing to change: give notes, rating, preferredWeight or triggerWords' },
  );
export type TunersUpdateRequest = z.infer<typeof TunersUpdateRequest>;

export const DeleteResult = z.object({ deleted: z.boolean(), filesRemoved: z.number().int() });

export const HistoryListRequest = z
  .object({ text: z.string().max(500).nullable().default(null), ...Page })
  .default({ text: null, offset: 0, limit: 50 });
export const HistoryPage = z.object({ items: z.array(GenerationRecord), total: z.number().int() });
export const GenerationIdRequest = z.object({ id: Id });

/** Reading a recipe back from a PNG dropped on the window (ours or another tool's). */
export const RecipeFromImageRequest = z.object({ image: ImageBase64 });
export const RecipeFromImageResult = z.object({
  /** Where the settings came from: our own chunk, another tool's text, or nothing found. */
  source: z.enum(['scedit', 'parameters', 'comfyui', 'none']),
  prompt: z.string().nullable(),
  negativePrompt: z.string().nullable(),
  seed: z.number().int().nullable(),
  steps: z.number().int().nullable(),
  guidance: z.number().nullable(),
  sampler: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** Tuners named by the picture, matched to the library by file hash where we have them. */
  tuners: z.array(
    z.object({
      name: z.string(),
      hash: z.string(),
      kind: TunerKind,
      weight: z.number(),
      tunerId: Id.nullable(),
    }),
  ),
  /** The raw `parameters` text, when present. */
  parameters: z.string().nullable(),
  warnings: z.array(z.string()),
  /**
   * The picture's condition layers whose maps are in this library's file store (a picture from
   * this studio), with their masks and mask shapes; the others are named in `warnings`.
   */
  layers: z.array(StoredConditionLayer).default([]),
});

export const BaseModelInfo = z.object({
  id: Id,
  name: z.string(),
  source: z.enum(['embedded', 'imported']),
  /** Native generation size in pixels. */
  resolution: z.number().int(),
  hash: z.string().nullable(),
  isDefault: z.boolean(),
  /** Prompts in the model's vocabulary that it draws well (none for a model that names none). */
  examplePrompts: z.array(z.string()).default([]),
});
export type BaseModelInfo = z.infer<typeof BaseModelInfo>;
export const ModelsList = z.object({ models: z.array(BaseModelInfo) });
