import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import {
  checkTrainingMemory,
  estimateTrainingMemory,
} from '../../../../main/engine/train/memory-estimate.ts';
import { createTrainableTuner, type TrainableKind } from '../../../../main/engine/train/trainable-tuner.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import { perturbParams } from '../models/perturb.ts';
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

  it('covers the whole-step peak (forward and backward) of SC, CSC, LoRA and ControlNet, within 2.5x', async () => {
    const model = tinyModel(3);
    perturbParams(model.unet.params, 3, 0.2);
    const size = model.manifest.imageSize;
    const side = size / model.vaeFactor;
    const peaks: Record<string, number> = {};
    for (const kind of ['sc', 'csc', 'lora', 'controlnet'] as TrainableKind[]) {
      const condition = kind === 'csc' || kind === 'controlnet' ? 'canny' : null;
      const tuner = createTrainableTuner(model, { kind, condition, downRatio: 1, rank: 4, seed: 0 });
      const batch = {
        x0: tf.randomNormal([4, side, side, 4], 0, 1, 'float32', 1) as tf.Tensor4D,
        noise: tf.randomNormal([4, side, side, 4], 0, 1, 'float32', 2) as tf.Tensor4D,
        timesteps: [100, 300, 500, 700],
        context: tf.randomNormal([4, model.text.contextLength, model.text.contextDim]) as tf.Tensor3D,
        condition: condition
          ? (tf.randomUniform([4, size, size, 3], 0, 1, 'float32', 3) as tf.Tensor4D)
          : null,
        samples: [],
      };
      const objective = tuner.objective();
      let grads: tf.Tensor[] = [];
      const start = tf.memory().numBytes;
      const profile = await tf.profile(() => {
        grads = objective.lossAndGrads(batch).grads;
      });
      const peak = profile.peakBytes - start;
      peaks[kind] = peak;
      const estimate = estimateTrainingMemory({
        model,
        tunerParams: tuner.parameterCount,
        batchSize: 4,
        resolution: size,
        condition: condition !== null,
        hintPlan: tuner.hintPlan ?? undefined,
        ema: false,
        method: tuner.memoryMethod,
      });
      const covered = estimate.parts.activations + estimate.parts.trainingState;
      expect(covered, kind).toBeGreaterThan(peak);
      expect(covered, kind).toBeLessThan(peak * 2.5);
      tf.dispose([
        ...grads,
        batch.x0,
        batch.noise,
        batch.context,
        ...(batch.condition ? [batch.condition] : []),
      ]);
      tuner.dispose();
    }
    // What the method is about: the skip tuners keep less than the baselines they replace.
    expect(peaks.sc!).toBeLessThan(peaks.lora! * 0.8);
    expect(peaks.csc!).toBeLessThan(peaks.controlnet! * 0.8);
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
