// Opens the studio's back end once per process: settings, the engine worker, the job queue.
// The Electron main process, the HTTP/WebSocket server and the CLI each hold one Studio and call
// it with (method, input); everything goes through dispatchCall.
import { mkdirSync } from 'node:fs';
import type { JobProgress } from '../../shared/api/progress.ts';
import { studioVersion } from '../cli/version.ts';
import { EngineWorker } from '../jobs/engine-worker-client.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { resolveDataDir } from '../library/data-dir.ts';
import { Library } from '../library/library.ts';
import { registerShippedTuners, type ShippedTunersReport } from '../library/shipped-tuners.ts';
import type { StudioContext, StudioHandlers, StudioMode } from './context.ts';
import { dispatchCall } from './dispatch.ts';
import { studioHandlers } from './handlers.ts';
import { SettingsStore } from './settings-store.ts';

export const TEST_HOOKS_ENV_VAR = 'SCEDIT_TEST_HOOKS';

export interface OpenStudioOptions {
  mode: StudioMode;
  /** Default: $SCEDIT_DATA_DIR, else ~/.scedit-studio. */
  dataDir?: string;
  /** Default: SCEDIT_TEST_HOOKS=1 in the environment. */
  testHooks?: boolean;
  /** The app's version (Electron's app.getVersion()); default: package.json. */
  version?: string;
  /** Override handlers (tests use this to reach a method with a controlled failure). */
  handlers?: Partial<StudioHandlers>;
  /** The shipped tuners' folder; default $SCEDIT_TUNERS_DIR, else assets/tuners (null: none). */
  shippedTunersDir?: string | null;
}

export interface Studio {
  readonly context: StudioContext;
  /**
   * Offering the shipped tuners to the library (started on open; never rejects). Calls wait for
   * it, so the first tuner list already has them; code reading the library directly awaits it.
   */
  readonly shippedTuners: Promise<ShippedTunersReport>;
  call(method: unknown, input: unknown, onProgress?: (progress: JobProgress) => void): Promise<unknown>;
  close(): Promise<void>;
}

export function openStudio(options: OpenStudioOptions): Studio {
  const dataDir = resolveDataDir(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const settings = new SettingsStore(dataDir);
  const library = Library.open({ dataDir });
  const testHooks = options.testHooks ?? process.env[TEST_HOOKS_ENV_VAR] === '1';
  const engine = new EngineWorker({ backend: settings.get().backend, testHooks });
  engine.start();
  const context: StudioContext = {
    mode: options.mode,
    version: options.version ?? studioVersion(),
    dataDir,
    testHooks,
    jobs: new JobQueue(),
    engine,
    settings,
    library,
    trainingJobs: new Map(),
  };
  const handlers: StudioHandlers = { ...studioHandlers, ...options.handlers };
  const shippedTuners = registerShippedTuners(library, { dir: options.shippedTunersDir }).then((report) => {
    for (const warning of report.warnings) console.warn(`SCEdit Studio: ${warning}`);
    return report;
  });
  return {
    context,
    shippedTuners,
    call: async (method, input, onProgress) => {
      await shippedTuners;
      return dispatchCall(handlers, context, method, input, { onProgress });
    },
    async close() {
      context.jobs.close();
      await Promise.all([engine.stop(), shippedTuners]);
      library.close();
    },
  };
}
