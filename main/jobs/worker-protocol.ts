// Messages between the main process and the engine worker. Every request carries a sequence
// number; the worker answers with progress events and exactly one result or (serialised) error
// under that number.
import type { SerializedStudioError } from '../../shared/api/errors.ts';
import type { EngineStatus, EngineTaskName, ProgressUpdate } from './engine-host.ts';

export type MainToWorker =
  | { type: 'run'; seq: number; task: EngineTaskName; input: unknown }
  | { type: 'cancel'; seq: number };

export type WorkerToMain =
  | { type: 'ready'; status: EngineStatus; error: SerializedStudioError | null }
  | { type: 'progress'; seq: number; update: ProgressUpdate }
  | { type: 'result'; seq: number; output: unknown }
  | { type: 'error'; seq: number; error: SerializedStudioError };

/** Passed to the worker at start. */
export interface EngineWorkerData {
  backend: string;
  /** Test hooks (debugJob) are refused unless this is true (SCEDIT_TEST_HOOKS=1). */
  testHooks: boolean;
}
