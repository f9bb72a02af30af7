// Turns the engine's raw progress updates into JobProgress events: elapsed time, an ETA from the
// rate so far, and previews as base64. Pure: the clock is passed in.
import type { JobProgress } from '../../shared/api/progress.ts';
import type { ProgressUpdate } from './engine-host.ts';

/** Below this fraction an ETA would be noise. */
const MIN_FRACTION_FOR_ETA = 0.005;

export class ProgressTracker {
  private startedAt: number | null = null;
  private last: ProgressUpdate = { fraction: 0 };
  private position = 0;

  constructor(
    readonly jobId: string,
    readonly method: string,
  ) {}

  queued(position: number): JobProgress {
    this.position = position;
    return this.snapshot(0);
  }

  start(now: number): JobProgress {
    this.startedAt = now;
    this.position = 0;
    return this.snapshot(now);
  }

  get running(): boolean {
    return this.startedAt !== null;
  }

  /** Records an update; the event carries its preview (heartbeat snapshots do not repeat it). */
  update(update: ProgressUpdate, now: number): JobProgress {
    const fraction = Number.isFinite(update.fraction)
      ? Math.min(1, Math.max(0, update.fraction))
      : this.last.fraction;
    // A message names the phase it came with ("loading the model"); steps that bring none end it.
    this.last = { ...this.last, ...update, fraction, message: update.message, preview: undefined };
    const event = this.snapshot(now);
    if (update.preview) event.preview = Buffer.from(update.preview).toString('base64');
    return event;
  }

  snapshot(now: number): JobProgress {
    const elapsedMs = this.startedAt === null ? 0 : Math.max(0, now - this.startedAt);
    const f = this.last.fraction;
    const etaMs =
      this.startedAt !== null && f >= MIN_FRACTION_FOR_ETA ? Math.round((elapsedMs * (1 - f)) / f) : null;
    return {
      jobId: this.jobId,
      method: this.method,
      state: this.startedAt === null ? 'queued' : 'running',
      position: this.position,
      fraction: f,
      step: this.last.step ?? null,
      totalSteps: this.last.totalSteps ?? null,
      elapsedMs,
      etaMs,
      message: this.last.message ?? null,
      preview: null,
      loss: this.last.loss ?? null,
      smoothedLoss: this.last.smoothedLoss ?? null,
      itPerSec: this.last.itPerSec ?? null,
    };
  }
}
