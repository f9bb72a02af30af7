// What the engine worker can do, as one interface: the worker serves these methods and the
// implementation (studio-engine-host.ts) calls the engine modules. Plugging a new engine
// capability in means implementing one method there.
import type { AnnotateResult } from '../../shared/api/annotation-schemas.ts';
import type { MethodParams } from '../../shared/api/methods.ts';
import type { TrainScanReport } from '../../shared/api/training-schemas.ts';

/** A progress report from inside the engine; the job queue adds timing, ETA and the job id. */
export interface ProgressUpdate {
  /** 0..1 of the whole job. */
  fraction: number;
  step?: number;
  totalSteps?: number;
  message?: string;
  /** Intermediate image as PNG bytes. */
  preview?: Uint8Array;
  loss?: number;
  smoothedLoss?: number;
  itPerSec?: number;
}

export interface JobContext {
  /** Aborted when the user cancels; long loops check it between steps (signal.throwIfAborted()). */
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
}

/** A tuner the main process looked up in the library for a generation. */
export interface ResolvedTuner {
  id: string;
  name: string;
  kind: 'sc' | 'csc';
  condition: string | null;
  /** Absolute path of the .safetensors file in the file store. */
  path: string;
  hash: string;
}

export interface EngineGenerateRequest {
  request: MethodParams<'generate'>;
  /** Every tuner the request names (style tuners and layer tuners), by id. */
  tuners: ResolvedTuner[];
  /** Send a preview every N steps (settings.previewEvery), when the request asks for previews. */
  previewEvery: number;
}

export interface EngineImage {
  /** The finished picture as PNG bytes (the main process embeds the recipe and stores it). */
  png: Uint8Array;
  seed: number;
  width: number;
  height: number;
}

export interface EngineGenerateResult {
  images: EngineImage[];
  /** The base model actually used (the request may leave it to the default). */
  baseModel: { id: string; name: string; hash: string };
}

export interface EngineTrainRequest {
  request: MethodParams<'trainStart'>;
  /** Folder owned by this run: checkpoints, caches, the finished tuner file. */
  runDir: string;
  /** Continue from the last checkpoint in runDir. */
  resume: boolean;
  /** Total steps to reach (resume may extend the original plan). */
  steps: number;
}

export interface EngineTrainResult {
  /** The finished tuner .safetensors (with its metadata), inside runDir. */
  tunerPath: string;
  steps: number;
  finalLoss: number | null;
}

export interface EngineStatus {
  backend: {
    chosen: string;
    tfBackend: string;
    source: string;
    simd: boolean;
    reasons: Record<string, string>;
  } | null;
  tensors: number | null;
  tensorBytes: number | null;
  heapUsedBytes: number;
}

export interface EngineHost {
  generate(req: EngineGenerateRequest, ctx: JobContext): Promise<EngineGenerateResult>;
  annotate(req: MethodParams<'annotate'>, ctx: JobContext): Promise<AnnotateResult>;
  trainScan(req: MethodParams<'trainScan'>, ctx: JobContext): Promise<TrainScanReport>;
  train(req: EngineTrainRequest, ctx: JobContext): Promise<EngineTrainResult>;
  /** The base models this engine can generate and train with. */
  models(): Promise<EngineModelInfo[]>;
  status(): Promise<EngineStatus>;
}

export interface EngineModelInfo {
  id: string;
  name: string;
  /** Native generation size in pixels. */
  resolution: number;
  /** sha256 of the model's weights: the key the library stores it under. */
  hash: string;
  source: 'embedded' | 'imported';
  /** Prompts the model draws well (its manifest's examplePrompts), for the prompt box. */
  examplePrompts: string[];
}

export type EngineTaskName = keyof EngineHost | 'debugJob';
