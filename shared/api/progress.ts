// Progress of a queued job (generation, training, annotation), as every client receives it.
import { z } from 'zod';
import { Id } from './common-schemas.ts';

export const JobProgress = z.object({
  jobId: Id,
  method: z.string(),
  state: z.enum(['queued', 'running']),
  /** Jobs ahead of this one; 0 when running. */
  position: z.number().int().min(0),
  /** 0..1 of the whole job. */
  fraction: z.number().min(0).max(1),
  step: z.number().int().nullable(),
  totalSteps: z.number().int().nullable(),
  elapsedMs: z.number(),
  /** Estimated time left; null until there is something to estimate from. */
  etaMs: z.number().nullable(),
  message: z.string().nullable(),
  /** Intermediate image (generation previews, training samples), PNG base64. */
  preview: z.string().nullable(),
  /** Training only. */
  loss: z.number().nullable(),
  smoothedLoss: z.number().nullable(),
  itPerSec: z.number().nullable(),
});
export type JobProgress = z.infer<typeof JobProgress>;
