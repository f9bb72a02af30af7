// A tuner's training record as the Library's details show it: our own files' fields in words,
// another tool's odd or hostile metadata left out rather than shown wrong.
import { describe, expect, it } from 'vitest';
import { smoothLoss, trainingLineage } from '../../../renderer/src/api/tuner-lineage.ts';

const ours = {
  kind: 'csc',
  steps: 1600,
  batchSize: 8,
  gradientAccumulation: 2,
  lr: 0.002,
  schedule: 'cosine',
  warmupSteps: 100,
  captionDropout: 0.5,
  resolution: 64,
  buckets: true,
  flip: false,
  seed: 7,
  emaDecay: null,
  finalLoss: 0.025356,
  lossHistory: [
    { step: 1, loss: 0.07 },
    { step: 2, loss: 0.06 },
  ],
};

describe('trainingLineage', () => {
  it('says how one of our tuners was trained, in the order an artist reads it', () => {
    const l = trainingLineage({
      trainingConfig: ours,
      dataset: { folder: '/pictures/poses', imageCount: 1200, contentHash: 'abc' },
    });
    expect(l.rows).toEqual([
      { label: 'Trained on', value: '/pictures/poses · 1,200 pictures' },
      { label: 'Steps', value: '1,600' },
      { label: 'Batch', value: '8 × 2 accumulated' },
      { label: 'Learning rate', value: '0.002 · cosine · 100 warm-up steps' },
      { label: 'Caption dropout', value: '50 %' },
      { label: 'Resolution', value: '64 px, aspect-ratio buckets' },
      { label: 'Flips', value: 'none' },
      { label: 'Seed', value: '7' },
      { label: 'Final loss', value: '0.0254' },
    ]);
    expect(l.lossHistory).toEqual(ours.lossHistory);
    // The axis runs to the run's length, not to the last logged step.
    expect(l.totalSteps).toBe(1600);
  });

  it('shows nothing it cannot read: no record, wrong types, broken loss points', () => {
    expect(trainingLineage({ trainingConfig: null, dataset: null })).toEqual({
      rows: [],
      lossHistory: [],
      totalSteps: 0,
    });
    const odd = trainingLineage({
      trainingConfig: {
        steps: '1600',
        lr: Number.NaN,
        batchSize: { evil: true },
        flip: 'yes',
        finalLoss: Number.POSITIVE_INFINITY,
        lossHistory: [{ step: 1, loss: 0.5 }, null, { step: 'x', loss: 1 }, 7, { step: 3, loss: 0.4 }],
      },
      dataset: null,
    });
    expect(odd.rows).toEqual([]);
    expect(odd.lossHistory).toEqual([
      { step: 1, loss: 0.5 },
      { step: 3, loss: 0.4 },
    ]);
    expect(odd.totalSteps).toBe(3);
    expect(trainingLineage({ trainingConfig: { lossHistory: 'many' }, dataset: null }).lossHistory).toEqual(
      [],
    );
  });
});

describe('smoothLoss', () => {
  it('starts at the first loss (bias-corrected) and follows a step change gradually', () => {
    const points = [...Array(40)].map((_, i) => ({ step: i + 1, loss: i < 20 ? 1 : 0 }));
    const s = smoothLoss(points);
    expect(s[0]!.loss).toBeCloseTo(1, 10);
    expect(s[19]!.loss).toBeCloseTo(1, 10);
    expect(s[20]!.loss).toBeGreaterThan(0.5);
    expect(s[39]!.loss).toBeLessThan(s[20]!.loss);
    expect(s.map((p) => p.step)).toEqual(points.map((p) => p.step));
  });
});
