// StudioApi: training a tuner from a folder of pictures.
import { z } from 'zod';
import { ConditionKind, FileRef, Id, Timestamp, TunerKind } from './common-schemas.ts';

const dataset = {
  /** A folder on the machine running the engine (kohya-style N_words sub-folders or flat). */
  dataFolder: z.string().trim().min(1, 'choose a folder').max(4096),
  kind: TunerKind,
  /** Required for condition tuners (csc). */
  condition: ConditionKind.nullable().default(null),
};

const conditionMatchesKind = (r: { kind: string; condition: string | null }) =>
  r.kind !== 'csc' || r.condition !== null;
const conditionMessage = { message: 'a condition tuner (csc) needs a condition', path: ['condition'] };

export const TrainScanRequest = z.object(dataset).refine(conditionMatchesKind, conditionMessage);
export type TrainScanRequest = z.infer<typeof TrainScanRequest>;

export const TrainScanReport = z.object({
  usableImages: z.number().int(),
  /** Every file left out, and why (corrupt, too small, unsupported...). */
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
  /** Human-readable lines: counts, caption coverage, resolution spread. */
  summary: z.array(z.string()),
  memory: z
    .object({ estimatedBytes: z.number(), availableBytes: z.number(), fits: z.boolean(), advice: z.string() })
    .nullable(),
});
export type TrainScanReport = z.infer<typeof TrainScanReport>;

export const TrainOptions = z.object({
  steps: z.number().int().min(1).max(1_000_000).default(1000),
  batchSize: z.number().int().min(1).max(64).default(1),
  gradientAccumulation: z.number().int().min(1).max(64).default(1),
  learningRate: z.number().positive().max(1).default(1e-4),
  /** Share of steps trained with the empty caption (training-presets.ts: 0.5 for condition tuners). */
  captionDropout: z.number().min(0).max(1).default(0),
  lrSchedule: z.enum(['constant', 'cosine']).default('constant'),
  warmupSteps: z.number().int().min(0).default(0),
  /** Square training size in pixels; null: the base model's native size. */
  resolution: z.number().int().min(64).max(2048).multipleOf(8).nullable().default(null),
  flip: z.boolean().default(false),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(0),
  checkpointEvery: z.number().int().min(1).default(100),
  previewEvery: z.number().int().min(1).default(100),
  previewPrompts: z.array(z.string().max(1000)).max(8).default([]),
});
export type TrainOptions = z.infer<typeof TrainOptions>;

export const TrainStartRequest = z
  .object({
    ...dataset,
    name: z.string().trim().min(1, 'give the tuner a name').max(200),
    baseModel: Id.nullable().default(null),
    options: TrainOptions.default(TrainOptions.parse({})),
  })
  .refine(conditionMatchesKind, conditionMessage);
export type TrainStartRequest = z.infer<typeof TrainStartRequest>;

export const TrainResumeRequest = z.object({
  runId: Id,
  /** Train further than first planned ("extend"); null: the original step count. */
  steps: z.number().int().min(1).max(1_000_000).nullable().default(null),
});
export type TrainResumeRequest = z.infer<typeof TrainResumeRequest>;

export const TrainResult = z.object({
  runId: Id,
  tunerId: Id,
  steps: z.number().int(),
  finalLoss: z.number().nullable(),
  durationMs: z.number(),
});
export type TrainResult = z.infer<typeof TrainResult>;

export const TRAINING_STATUSES = [
  'queued',
  'running',
  'paused',
  'completed',
  'cancelled',
  'failed',
  'interrupted',
] as const;

export const TrainingRunSummary = z.object({
  id: Id,
  name: z.string(),
  kind: TunerKind,
  condition: ConditionKind.nullable(),
  status: z.enum(TRAINING_STATUSES),
  step: z.number().int(),
  totalSteps: z.number().int(),
  /** Loss per logged step, for the plot. */
  lossHistory: z.array(z.object({ step: z.number().int(), loss: z.number() })),
  error: z.string().nullable(),
  tunerId: Id.nullable(),
  previews: z.array(FileRef),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type TrainingRunSummary = z.infer<typeof TrainingRunSummary>;
