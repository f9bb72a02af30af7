// StudioApi: settings, system information, the job list.
import { z } from 'zod';
import { Id } from './common-schemas.ts';
import { Sampler } from './generation-schemas.ts';
import { JobProgress } from './progress.ts';

export const BACKEND_SETTINGS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export const Settings = z.object({
  /** Tensor backend; the SCEDIT_BACKEND environment variable wins over it. Applies after a restart. */
  backend: z.enum(BACKEND_SETTINGS).default('auto'),
  defaultModel: Id.nullable().default(null),
  defaultSampler: Sampler.default('euler-a'),
  defaultSteps: z.number().int().min(1).max(150).default(20),
  defaultGuidance: z.number().min(0).max(30).default(7),
  /** Send a preview image every N sampling steps. */
  previewEvery: z.number().int().min(1).max(50).default(4),
  /** Where the user keeps extra models (depth estimators, imported base models). */
  modelsFolder: z.string().max(4096).nullable().default(null),
  theme: z.enum(['dark', 'light']).default('dark'),
});
export type Settings = z.infer<typeof Settings>;

export const SettingsUpdate = Settings.partial().strict();
export type SettingsUpdate = z.infer<typeof SettingsUpdate>;

export const SystemInfo = z.object({
  version: z.string(),
  node: z.string(),
  platform: z.string(),
  /** Where the studio runs: the Electron window, a browser over the server, or the CLI. */
  mode: z.enum(['electron', 'browser', 'cli']),
  cpu: z.object({ model: z.string(), cores: z.number().int() }),
  memory: z.object({ totalBytes: z.number(), freeBytes: z.number() }),
  engine: z.object({
    state: z.enum(['starting', 'ready', 'restarting', 'stopped']),
    restarts: z.number().int(),
    /** The tensor backend the worker chose, and why; null until the worker has started it. */
    backend: z
      .object({
        chosen: z.string(),
        tfBackend: z.string(),
        source: z.string(),
        simd: z.boolean(),
        reasons: z.record(z.string(), z.string()),
      })
      .nullable(),
    tensors: z.number().int().nullable(),
    tensorBytes: z.number().nullable(),
    heapUsedBytes: z.number().nullable(),
  }),
  dataDir: z.string(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

export const JobInfo = z.object({
  jobId: Id,
  method: z.string(),
  progress: JobProgress,
});
export type JobInfo = z.infer<typeof JobInfo>;
export const JobsList = z.object({ jobs: z.array(JobInfo) });

export const CancelRequest = z.object({ jobId: Id });
export const CancelResult = z.object({
  /** False when the job had already finished (or never existed). */
  cancelled: z.boolean(),
});

/** Test hook, refused unless the studio runs with SCEDIT_TEST_HOOKS=1. */
export const DebugJobRequest = z.object({
  steps: z.number().int().min(1).max(10_000).default(10),
  stepMs: z.number().int().min(0).max(10_000).default(50),
  /** Make the worker process exit at this step, as a crash would. */
  crashAtStep: z.number().int().min(0).nullable().default(null),
  /** Throw an ordinary error at this step. */
  failAtStep: z.number().int().min(0).nullable().default(null),
});
export const DebugJobResult = z.object({
  steps: z.number().int() /** The worker thread that ran it (a restarted worker has a new one). */,
  workerThreadId: z.number().int(),
});
