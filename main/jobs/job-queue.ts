// The compute queue: generations, trainings and annotations wait their turn and run one at a
// time. Each job streams JobProgress to its caller: on every engine update (throttled) and, while
// running, a heartbeat that keeps at least five events a second flowing with fresh elapsed time
// and ETA even when a single engine step takes long.
import { randomUUID } from 'node:crypto';
import { StudioError } from '../../shared/api/errors.ts';
import type { JobProgress } from '../../shared/api/progress.ts';
import type { JobInfo } from '../../shared/api/system-schemas.ts';
import type { ProgressUpdate } from './engine-host.ts';
import { ProgressTracker } from './progress-tracker.ts';

export interface RunningJob {
  jobId: string;
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
}

export type JobRunner<T> = (job: RunningJob) => Promise<T>;

export interface JobQueueOptions {
  /** Heartbeat check period. */
  tickMs?: number;
  /** A heartbeat is sent when nothing was sent for this long (150 ms: ≥ 5 events/s with jitter). */
  heartbeatMs?: number;
  /** Engine updates closer together than this are merged (previews always go out). */
  minIntervalMs?: number;
  now?: () => number;
}

interface QueuedJob {
  tracker: ProgressTracker;
  controller: AbortController;
  runner: JobRunner<unknown>;
  listeners: Set<(p: JobProgress) => void>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  lastSentAt: number;
  latest: JobProgress;
  /** An engine update was held back by the throttle and not sent yet. */
  unsent: boolean;
}

export interface EnqueuedJob<T> {
  jobId: string;
  result: Promise<T>;
}

export class JobQueue {
  private readonly waiting: QueuedJob[] = [];
  private current: QueuedJob | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private readonly tickMs: number;
  private readonly heartbeatMs: number;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(options: JobQueueOptions = {}) {
    this.tickMs = options.tickMs ?? 50;
    this.heartbeatMs = options.heartbeatMs ?? 150;
    this.minIntervalMs = options.minIntervalMs ?? 40;
    this.now = options.now ?? (() => performance.now());
  }

  enqueue<T>(method: string, runner: JobRunner<T>, onProgress?: (p: JobProgress) => void): EnqueuedJob<T> {
    const jobId = randomUUID();
    const tracker = new ProgressTracker(jobId, method);
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<T>((res, rej) => {
      resolve = res as (v: unknown) => void;
      reject = rej;
    });
    const job: QueuedJob = {
      tracker,
      controller: new AbortController(),
      runner: runner as JobRunner<unknown>,
      listeners: new Set(onProgress ? [onProgress] : []),
      resolve,
      reject,
      lastSentAt: 0,
      unsent: false,
      latest: tracker.queued(this.waiting.length + (this.current ? 1 : 0)),
    };
    this.waiting.push(job);
    this.emit(job, job.latest);
    this.pump();
    return { jobId, result };
  }

  /** Cancels a queued job at once, or asks the running one to stop. False when no such job is left. */
  cancel(jobId: string): boolean {
    const index = this.waiting.findIndex((j) => j.tracker.jobId === jobId);
    if (index >= 0) {
      const [job] = this.waiting.splice(index, 1);
      job!.reject(new StudioError('cancelled', 'cancelled before it started'));
      this.announcePositions();
      return true;
    }
    if (this.current?.tracker.jobId === jobId) {
      this.current.controller.abort(new StudioError('cancelled', 'cancelled'));
      return true;
    }
    return false;
  }

  list(): JobInfo[] {
    const now = this.now();
    const jobs = this.current ? [this.current, ...this.waiting] : [...this.waiting];
    return jobs.map((j) => ({
      jobId: j.tracker.jobId,
      method: j.tracker.method,
      progress: j.tracker.running ? j.tracker.snapshot(now) : j.latest,
    }));
  }

  /** Rejects everything (shutdown). */
  close(): void {
    for (const job of this.waiting.splice(0))
      job.reject(new StudioError('unavailable', 'the studio is shutting down'));
    this.current?.controller.abort(new StudioError('cancelled', 'the studio is shutting down'));
  }

  private emit(job: QueuedJob, progress: JobProgress): void {
    job.latest = progress;
    job.lastSentAt = this.now();
    job.unsent = false;
    for (const listener of job.listeners) {
      try {
        listener(progress);
      } catch {
        // A listener that throws (a closed socket) must not stop the job.
      }
    }
  }

  private announcePositions(): void {
    this.waiting.forEach((job, i) => {
      const position = i + (this.current ? 1 : 0);
      if (job.latest.position !== position) this.emit(job, job.tracker.queued(position));
    });
  }

  private pump(): void {
    if (this.current) return;
    const job = this.waiting.shift();
    if (!job) {
      this.stopTicker();
      return;
    }
    this.current = job;
    this.announcePositions();
    this.emit(job, job.tracker.start(this.now()));
    this.startTicker();
    const running: RunningJob = {
      jobId: job.tracker.jobId,
      signal: job.controller.signal,
      progress: (update) => {
        if (this.current !== job) return;
        const event = job.tracker.update(update, this.now());
        if (event.preview !== null || this.now() - job.lastSentAt >= this.minIntervalMs)
          this.emit(job, event);
        else job.unsent = true;
      },
    };
    let outcome: Promise<unknown>;
    try {
      outcome = Promise.resolve(job.runner(running));
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome
      .then(
        (value) => {
          // The caller sees the last step (fraction 1) before the result.
          if (job.unsent) this.emit(job, job.tracker.snapshot(this.now()));
          job.resolve(value);
        },
        (err) => {
          if (job.controller.signal.aborted && !(err instanceof StudioError && err.code === 'worker-crashed'))
            job.reject(new StudioError('cancelled', 'cancelled'));
          else job.reject(err);
        },
      )
      .finally(() => {
        this.current = null;
        this.pump();
      });
  }

  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => {
      const job = this.current;
      if (job && this.now() - job.lastSentAt >= this.heartbeatMs)
        this.emit(job, job.tracker.snapshot(this.now()));
    }, this.tickMs);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }
}
