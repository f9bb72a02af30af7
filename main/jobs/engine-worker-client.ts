// The main process's handle on the engine worker thread. Calls are tagged with sequence numbers;
// answers and progress come back under them. If the worker dies, every call in flight fails with
// "worker-crashed" and a fresh worker is started; the library lives in the main process, so a
// crash cannot leave it half-written.
import { Worker } from 'node:worker_threads';
import { deserializeError, StudioError } from '../../shared/api/errors.ts';
import type { EngineStatus, EngineTaskName, ProgressUpdate } from './engine-host.ts';
import type { EngineWorkerData, MainToWorker, WorkerToMain } from './worker-protocol.ts';

export interface EngineWorkerOptions {
  /** Backend setting passed to initBackend (SCEDIT_BACKEND still wins). */
  backend?: string;
  testHooks?: boolean;
  /** After a cancel, how long a task may take to stop before the worker is terminated. */
  cancelGraceMs?: number;
  /** More crashes than this within a minute and the worker is not restarted again. */
  maxRestartsPerMinute?: number;
}

/**
 * Where the worker's code is: next to this module as TypeScript (a bootstrap registers tsx, since
 * Node 20 ignores `--import tsx` in a worker's execArgv), or as built JavaScript (Electron's
 * bundle puts engine-worker.js beside the main bundle).
 */
export function resolveWorkerEntry(moduleUrl: string = import.meta.url): URL {
  if (moduleUrl.endsWith('.ts')) return new URL('./engine-worker-tsx.mjs', moduleUrl);
  return new URL('./engine-worker.js', moduleUrl);
}

interface PendingCall {
  task: EngineTaskName;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  onProgress?: (update: ProgressUpdate) => void;
  cancelTimer?: NodeJS.Timeout;
  cancelled: boolean;
}

export type EngineState = 'starting' | 'ready' | 'restarting' | 'stopped';

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (update: ProgressUpdate) => void;
}

export class EngineWorker {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, PendingCall>();
  private crashTimes: number[] = [];
  private stopping = false;
  private lastStatus: EngineStatus | null = null;
  private startError: StudioError | null = null;
  state: EngineState = 'stopped';
  restarts = 0;

  constructor(private readonly options: EngineWorkerOptions = {}) {}

  start(): void {
    if (this.worker) return;
    this.stopping = false;
    const workerData: EngineWorkerData = {
      backend: this.options.backend ?? 'auto',
      testHooks: this.options.testHooks ?? false,
    };
    const worker = new Worker(resolveWorkerEntry(), { workerData });
    this.worker = worker;
    this.state = this.restarts > 0 ? 'restarting' : 'starting';
    worker.on('message', (message: WorkerToMain) => this.onMessage(message));
    // An uncaught exception in the worker: 'exit' follows and does the recovery.
    worker.on('error', () => {});
    worker.on('exit', (code) => this.onExit(worker, code));
  }

  /** Runs one task in the worker; rejects with a StudioError (cancelled, worker-crashed, failed...). */
  run<T>(task: EngineTaskName, input: unknown, options: RunOptions = {}): Promise<T> {
    if (this.stopping || this.state === 'stopped' || !this.worker) {
      return Promise.reject(new StudioError('unavailable', this.stoppedMessage()));
    }
    const seq = ++this.seq;
    const worker = this.worker;
    return new Promise<T>((resolve, reject) => {
      const call: PendingCall = {
        task,
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: options.onProgress,
        cancelled: false,
      };
      this.pending.set(seq, call);
      const { signal } = options;
      if (signal) {
        const onAbort = () => this.cancel(seq);
        if (signal.aborted) queueMicrotask(onAbort);
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      this.post(worker, { type: 'run', seq, task, input });
    });
  }

  status(): { state: EngineState; restarts: number; lastStatus: EngineStatus | null } {
    return { state: this.state, restarts: this.restarts, lastStatus: this.lastStatus };
  }

  /** Fresh numbers from the worker (tensors, heap); the last known ones when it is busy starting. */
  async refreshStatus(): Promise<EngineStatus | null> {
    try {
      this.lastStatus = await this.run<EngineStatus>('status', null);
    } catch {
      // keep the last known status
    }
    return this.lastStatus;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.state = 'stopped';
    const worker = this.worker;
    this.worker = null;
    this.failAll(new StudioError('unavailable', 'the engine was shut down'));
    if (worker) await worker.terminate();
  }

  private stoppedMessage(): string {
    return this.startError
      ? `the engine worker keeps crashing and was stopped (${this.startError.message})`
      : 'the engine worker is not running';
  }

  private post(worker: Worker, message: MainToWorker): void {
    worker.postMessage(message);
  }

  private cancel(seq: number): void {
    const call = this.pending.get(seq);
    if (!call || call.cancelled || !this.worker) return;
    call.cancelled = true;
    this.post(this.worker, { type: 'cancel', seq });
    // Work stuck in a long synchronous step cannot see the signal: stop the worker instead.
    const worker = this.worker;
    call.cancelTimer = setTimeout(() => {
      if (this.pending.has(seq) && this.worker === worker) {
        this.settle(seq, new StudioError('cancelled', 'cancelled (the engine was restarted to stop it)'));
        void worker.terminate();
      }
    }, this.options.cancelGraceMs ?? 5000);
    call.cancelTimer.unref();
  }

  private onMessage(message: WorkerToMain): void {
    switch (message.type) {
      case 'ready':
        this.lastStatus = message.status;
        this.state = 'ready';
        if (message.error) this.startError = deserializeError(message.error);
        return;
      case 'progress':
        this.pending.get(message.seq)?.onProgress?.(message.update);
        return;
      case 'result':
        this.settle(message.seq, null, message.output);
        return;
      case 'error':
        this.settle(message.seq, deserializeError(message.error));
        return;
    }
  }

  private settle(seq: number, error: StudioError | null, output?: unknown): void {
    const call = this.pending.get(seq);
    if (!call) return;
    this.pending.delete(seq);
    if (call.cancelTimer) clearTimeout(call.cancelTimer);
    if (error) call.reject(error);
    else call.resolve(output);
  }

  private failAll(error: StudioError): void {
    for (const seq of [...this.pending.keys()]) this.settle(seq, error);
  }

  private onExit(worker: Worker, code: number): void {
    if (this.worker !== worker && this.worker !== null) return;
    this.worker = null;
    if (this.stopping) return;
    const now = Date.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < 60_000), now];
    for (const [seq, call] of [...this.pending]) {
      this.settle(
        seq,
        call.cancelled
          ? new StudioError('cancelled', 'cancelled (the engine was restarted to stop it)')
          : new StudioError(
              'worker-crashed',
              `the engine worker stopped unexpectedly (exit code ${code}) during this ${call.task} job; it has been restarted, and the library is unaffected`,
            ),
      );
    }
    if (this.crashTimes.length > (this.options.maxRestartsPerMinute ?? 5)) {
      this.state = 'stopped';
      this.startError ??= new StudioError(
        'failed',
        `exit code ${code}, ${this.crashTimes.length} times in a minute`,
      );
      return;
    }
    this.restarts++;
    this.start();
  }
}
