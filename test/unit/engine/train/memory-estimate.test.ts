import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import {
  checkTrainingMemory,
  estimateTrainingMemory,
} from '../../../../main/engine/train/memory-estimate.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import { tinyModel } from '../pipeline/tiny-model.ts';

beforeAll(async () => {
  await initBackend();
});

/** Bytes held above the model at the busiest points of an SC-Tuner step (sampled at every skip). */
function measuredPeak(batch: number): number {
  const model = tinyModel();
  const tuner = new ScTuner({ layout: { skips: model.unet.skipInfo }, downRatio: 1 });
  const side = model.manifest.imageSize / model.vaeFactor;
  const x = tf.randomNormal([batch, side, side, 4]) as tf.Tensor4D;
  const t = tf.fill([batch], 500) as tf.Tensor1D;
  const context = tf.randomNormal([batch, model.text.contextLength, model.text.contextDim]) as tf.Tensor3D;
  const base = tf.memory().numBytes;
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, tf.memory().numBytes - base);
  };
  const enc = model.unet.encode(x, t, context);
  const { value, grads } = tf.variableGrads(() => {
    const out = model.unet.decode(enc.h, enc.skips, enc.emb, context, {
      skipHook: (j, s) => {
        sample();
        return tf.add(s, tuner.residual(j, s)) as tf.Tensor4D;
      },
    });
    const loss = tf.mean(tf.square(tf.sub(out, x))) as tf.Scalar;
    sample();
    return loss;
  }, tuner.params.variables());
  sample();
  tf.dispose([value, ...Object.values(grads), x, t, context, ...enc.skips, enc.h, enc.emb]);
  tuner.dispose();
  model.dispose();
  return peak;
}

describe('training memory estimate', () => {
  it('covers the measured peak of a step without overstating it more than threefold', () => {
    const model = tinyModel();
    const tunerParams = new ScTuner(
      { layout: { skips: model.unet.skipInfo }, downRatio: 1 },
      { allocate: false },
    ).params.count();
    for (const batch of [1, 4]) {
      const estimate = estimateTrainingMemory({
        model,
        tunerParams,
        batchSize: batch,
        resolution: 32,
        condition: false,
        ema: false,
      });
      const peak = measuredPeak(batch);
      expect(estimate.parts.activations + estimate.parts.trainingState).toBeGreaterThan(peak);
      expect(estimate.parts.activations).toBeLessThan(peak * 3);
    }
    model.dispose();
  });

  it('says what to lower when the run does not fit', () => {
    const model = tinyModel();
    const input = { model, tunerParams: 4000, batchSize: 16, resolution: 32, condition: false, ema: true };
    const fits = estimateTrainingMemory({ ...input, batchSize: 2 }).bytes;
    const verdict = checkTrainingMemory(input, fits);
    expect(verdict.fits).toBe(false);
    expect(verdict.advice).toMatch(/lower --batch to [12] \(add --accum \d+ to keep the effective batch\)/);
    expect(verdict.advice).toMatch(/turn EMA off/);
    expect(checkTrainingMemory(input, 1e12)).toMatchObject({ fits: true, advice: '' });
    model.dispose();
  });
});
