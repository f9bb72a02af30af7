import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { JobQueue, type RunningJob } from '../../../main/jobs/job-queue.ts';
import type { JobProgress } from '../../../shared/api/progress.ts';

/** A job of timed steps that reports progress and honours its signal. */
const steppedJob =
  (steps: number, stepMs: number, log: string[] = [], name = 'job') =>
  async (job: RunningJob) => {
    log.push(`start ${name}`);
    for (let i = 0; i < steps; i++) {
      job.signal.throwIfAborted();
      await sleep(stepMs);
      job.progress({ fraction: (i + 1) / steps, step: i + 1, totalSteps: steps });
    }
    log.push(`end ${name}`);
    return name;
  };

describe('JobQueue', () => {
  it('runs one job at a time, in order', async () => {
    const queue = new JobQueue();
    const log: string[] = [];
    const a = queue.enqueue('debugJob', steppedJob(3, 5, log, 'a'));
    const b = queue.enqueue('debugJob', steppedJob(3, 5, log, 'b'));
    expect(await Promise.all([a.result, b.result])).toEqual(['a', 'b']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('tells a waiting job its place, then streams >= 5 events/s with fraction and ETA', async () => {
    const queue = new JobQueue();
    const events: JobProgress[] = [];
    const first = queue.enqueue('debugJob', steppedJob(2, 200));
    // One slow engine step (1.2 s): the heartbeat keeps events flowing.
    const second = queue.enqueue('generate', steppedJob(2, 600), (p) => events.push(p));
    expect(events[0]).toMatchObject({
      state: 'queued',
      position: 1,
      jobId: second.jobId,
      method: 'generate',
    });
    await first.result;
    await second.result;
    const running = events.filter((e) => e.state === 'running');
    const span = running.at(-1)!.elapsedMs - running[0]!.elapsedMs;
    expect(span).toBeGreaterThan(1000);
    expect(running.length / (span / 1000)).toBeGreaterThanOrEqual(5);
    const half = running.find((e) => e.fraction === 0.5)!;
    expect(half.etaMs).toBeGreaterThan(300);
    expect(half.etaMs).toBeLessThan(1200);
    expect(running.at(-1)!.fraction).toBe(1);
  });

  it('cancels a waiting job at once and a running job through its signal', async () => {
    const queue = new JobQueue();
    const running = queue.enqueue('debugJob', steppedJob(100, 10));
    const waiting = queue.enqueue('debugJob', steppedJob(1, 1));
    expect(queue.list().map((j) => j.progress.state)).toEqual(['running', 'queued']);
    expect(queue.cancel(waiting.jobId)).toBe(true);
    await expect(waiting.result).rejects.toMatchObject({ code: 'cancelled' });
    await sleep(30);
    expect(queue.cancel(running.jobId)).toBe(true);
    await expect(running.result).rejects.toMatchObject({ code: 'cancelled' });
    expect(queue.cancel(running.jobId)).toBe(false);
    expect(queue.list()).toEqual([]);
  });

  it('passes a job error to its caller and goes on with the next', async () => {
    const queue = new JobQueue();
    const bad = queue.enqueue('annotate', async () => {
      throw new Error('image.png is not an image');
    });
    const good = queue.enqueue('debugJob', steppedJob(1, 1));
    await expect(bad.result).rejects.toThrow('image.png is not an image');
    await expect(good.result).resolves.toBe('job');
  });

  it('keeps a preview on the event that carries it, as base64', async () => {
    const queue = new JobQueue();
    const events: JobProgress[] = [];
    const job = queue.enqueue(
      'generate',
      async (j) => {
        j.progress({ fraction: 0.5, preview: new Uint8Array([1, 2, 3]) });
        j.progress({ fraction: 0.6, preview: new Uint8Array([4]) });
      },
      (p) => events.push(p),
    );
    await job.result;
    expect(events.filter((e) => e.preview).map((e) => e.preview)).toEqual(['AQID', 'BA==']);
  });
});

describe('JobQueue throttling', () => {
  it('never drops the last update of a job, even when updates come faster than the throttle', async () => {
    const queue = new JobQueue({ minIntervalMs: 1000 });
    const events: JobProgress[] = [];
    const job = queue.enqueue(
      'debugJob',
      async (j) => {
        for (let i = 1; i <= 10; i++) j.progress({ fraction: i / 10, step: i, totalSteps: 10 });
      },
      (p) => events.push(p),
    );
    await job.result;
    expect(events.at(-1)).toMatchObject({ fraction: 1, step: 10 });
  });
});
