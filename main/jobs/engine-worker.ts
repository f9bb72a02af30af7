// Entry of the engine worker thread: starts the tensor backend, then runs the tasks the main
// process sends, one AbortController per task. Errors go back serialised, never thrown across.
import { parentPort, workerData } from 'node:worker_threads';
import { StudioError, serializeError } from '../../shared/api/errors.ts';
import { initBackend, parseBackendPreference } from '../engine/backend.ts';
import { runDebugJob } from './debug-job.ts';
import type { EngineHost, EngineTaskName, JobContext } from './engine-host.ts';
import { createStudioEngineHost } from './studio-engine-host.ts';
import type { EngineWorkerData, MainToWorker, WorkerToMain } from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('engine-worker.ts runs as a worker thread, not on its own');
const data = workerData as EngineWorkerData;
const host: EngineHost = createStudioEngineHost();
const running = new Map<number, AbortController>();

function post(message: WorkerToMain, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

const started: Promise<void> = (async () => {
  try {
    const preference = parseBackendPreference(data.backend);
    // "auto" in the settings is no choice at all: report the backend as chosen automatically.
    const setting = preference === null || preference === 'auto' ? undefined : preference;
    await initBackend({ setting });
    post({ type: 'ready', status: await host.status(), error: null });
  } catch (err) {
    post({
      type: 'ready',
      status: await host.status().catch(() => emptyStatus()),
      error: serializeError(err),
    });
    throw err;
  }
})();
// The failure is reported through 'ready' and again to each task; keep it from crashing the thread.
started.catch(() => {});

function emptyStatus() {
  return { backend: null, tensors: null, tensorBytes: null, heapUsedBytes: process.memoryUsage().heapUsed };
}

function dispatch(task: EngineTaskName, input: unknown, ctx: JobContext): Promise<unknown> {
  switch (task) {
    case 'generate':
      return host.generate(input as Parameters<EngineHost['generate']>[0], ctx);
    case 'annotate':
      return host.annotate(input as Parameters<EngineHost['annotate']>[0], ctx);
    case 'trainScan':
      return host.trainScan(input as Parameters<EngineHost['trainScan']>[0], ctx);
    case 'train':
      return host.train(input as Parameters<EngineHost['train']>[0], ctx);
    case 'status':
      return host.status();
    case 'models':
      return host.models();
    case 'debugJob':
      if (!data.testHooks)
        throw new StudioError(
          'unavailable',
          'debugJob is a test hook; start the studio with SCEDIT_TEST_HOOKS=1',
        );
      return runDebugJob(input as Parameters<typeof runDebugJob>[0], ctx);
  }
}

async function run(seq: number, task: EngineTaskName, input: unknown): Promise<void> {
  const controller = new AbortController();
  running.set(seq, controller);
  const ctx: JobContext = {
    signal: controller.signal,
    progress: (update) => post({ type: 'progress', seq, update }),
  };
  try {
    if (task !== 'status') await started;
    const output = await dispatch(task, input, ctx);
    post({ type: 'result', seq, output });
  } catch (err) {
    const error = controller.signal.aborted
      ? { code: 'cancelled' as const, message: 'cancelled' }
      : serializeError(err);
    post({ type: 'error', seq, error });
  } finally {
    running.delete(seq);
  }
}

port.on('message', (message: MainToWorker) => {
  if (message.type === 'cancel') running.get(message.seq)?.abort(new StudioError('cancelled', 'cancelled'));
  else if (message.type === 'run') void run(message.seq, message.task, message.input);
});
