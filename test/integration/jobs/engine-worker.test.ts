import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressUpdate } from '../../../main/jobs/engine-host.ts';
import { EngineWorker } from '../../../main/jobs/engine-worker-client.ts';
import { StudioError } from '../../../shared/api/errors.ts';

describe('EngineWorker (a real worker thread)', () => {
  const engine = new EngineWorker({ testHooks: true, backend: 'cpu', cancelGraceMs: 2000 });
  beforeAll(() => engine.start());
  afterAll(() => engine.stop());

  it('runs a task with progress tagged to it and returns its result', async () => {
    const updates: ProgressUpdate[] = [];
    const out = await engine.run<{ steps: number; workerThreadId: number }>(
      'debugJob',
      { steps: 5, stepMs: 5, crashAtStep: null, failAtStep: null },
      { onProgress: (u) => updates.push(u) },
    );
    expect(out.steps).toBe(5);
    expect(updates.map((u) => u.step)).toEqual([1, 2, 3, 4, 5]);
    expect(engine.status().state).toBe('ready');
    expect(engine.status().lastStatus?.backend?.chosen).toBe('cpu');
  });

  it('runs calls side by side without mixing their answers', async () => {
    const job = (steps: number) =>
      engine.run<{ steps: number }>('debugJob', { steps, stepMs: 3, crashAtStep: null, failAtStep: null });
    const results = await Promise.all([job(3), job(7), job(1)]);
    expect(results.map((r) => r.steps)).toEqual([3, 7, 1]);
  });

  it('brings an error in a task back as a message', async () => {
    const err = await engine
      .run('debugJob', { steps: 5, stepMs: 1, crashAtStep: null, failAtStep: 2 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('failed');
    expect((err as StudioError).message).toMatch(/failed at step 2/);
  });

  it('cancels a task through its signal', async () => {
    const controller = new AbortController();
    const pending = engine.run(
      'debugJob',
      { steps: 100, stepMs: 20, crashAtStep: null, failAtStep: null },
      {
        signal: controller.signal,
        onProgress: (u) => {
          if (u.step === 3) controller.abort();
        },
      },
    );
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('fails the task of a crashed worker, restarts it, and keeps serving', async () => {
    const before = await engine.run<{ workerThreadId: number }>('debugJob', {
      steps: 1,
      stepMs: 0,
      crashAtStep: null,
      failAtStep: null,
    });
    const err = await engine
      .run('debugJob', { steps: 10, stepMs: 5, crashAtStep: 3, failAtStep: null })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'worker-crashed' });
    expect((err as Error).message).toMatch(/exit code 70/);
    expect(engine.restarts).toBe(1);
    const after = await engine.run<{ workerThreadId: number }>('debugJob', {
      steps: 2,
      stepMs: 1,
      crashAtStep: null,
      failAtStep: null,
    });
    expect(after.workerThreadId).not.toBe(before.workerThreadId);
  });
});

describe('EngineWorker without test hooks', () => {
  it('refuses the debug job', async () => {
    const engine = new EngineWorker({ backend: 'cpu' });
    engine.start();
    try {
      await expect(engine.run('debugJob', { steps: 1, stepMs: 0 })).rejects.toMatchObject({
        code: 'unavailable',
      });
    } finally {
      await engine.stop();
    }
  });
});
