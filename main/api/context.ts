// What every StudioApi handler gets: the studio's long-lived parts, and the caller's channel for
// progress events.
import type { MethodOutput, MethodParams, StudioMethodName } from '../../shared/api/methods.ts';
import type { JobProgress } from '../../shared/api/progress.ts';
import type { EngineWorker } from '../jobs/engine-worker-client.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Library } from '../library/library.ts';
import type { SettingsStore } from './settings-store.ts';

export type StudioMode = 'electron' | 'browser' | 'cli';

export interface StudioContext {
  mode: StudioMode;
  version: string;
  dataDir: string;
  /** SCEDIT_TEST_HOOKS=1: the debugJob method is allowed. */
  testHooks: boolean;
  jobs: JobQueue;
  engine: EngineWorker;
  settings: SettingsStore;
  /** The SQLite library; only the main process opens it. */
  library: Library;
  /** Training run id -> its job id while it is queued or running (for trainCancel). */
  trainingJobs: Map<string, string>;
}

export interface CallContext {
  onProgress?: (progress: JobProgress) => void;
}

export type Handler<M extends StudioMethodName> = (
  params: MethodParams<M>,
  studio: StudioContext,
  call: CallContext,
) => Promise<MethodOutput<M>>;

export type StudioHandlers = { [M in StudioMethodName]: Handler<M> };
