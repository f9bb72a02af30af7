import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../../main/jobs/progress-tracker.ts';

describe('ProgressTracker', () => {
  it('keeps a phase message only until an update without one (no "loading the model" at step 30)', () => {
    const t = new ProgressTracker('job-1', 'generate');
    t.start(0);
    expect(t.update({ fraction: 0, message: 'loading the model' }, 10).message).toBe('loading the model');
    // Heartbeats repeat the last update as it was.
    expect(t.snapshot(20).message).toBe('loading the model');
    const step = t.update({ fraction: 0.5, step: 30, totalSteps: 60 }, 1000);
    expect(step).toMatchObject({ message: null, step: 30, totalSteps: 60, etaMs: 1000 });
    expect(t.update({ fraction: 0.6, message: 'image 2 of 2' }, 1200)).toMatchObject({
      message: 'image 2 of 2',
      step: 30,
    });
  });
});
