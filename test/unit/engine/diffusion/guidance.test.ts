import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import {
  applyGuidance,
  type ConditionedPredictor,
  guidedPredictor,
} from '../../../../main/engine/diffusion/guidance.ts';

beforeAll(async () => {
  await initBackend();
});

function std(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

describe('classifier-free guidance', () => {
  it('extrapolates from the unconditional toward the conditional prediction', () => {
    const uncond = tf.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const cond = tf.tensor([2, 2, 5, 0], [1, 2, 2, 1]);
    const guided = applyGuidance(uncond, cond, 7.5);
    // 1 + 7.5 * (2 - 1), 2 + 0, 3 + 7.5 * 2, 4 + 7.5 * -4
    expect(Array.from(guided.dataSync())).toEqual([8.5, 2, 18, -26]);
    const none = applyGuidance(uncond, cond, 1);
    expect(Array.from(none.dataSync())).toEqual([2, 2, 5, 0]);
    tf.dispose([uncond, cond, guided, none]);
  });

  it('rescales each sample toward the conditional std by phi (Lin et al. 2023)', () => {
    const uncondValues = [0.1, -0.3, 0.2, 0.05, 1, 2, 3, 4];
    const condValues = [0.4, -0.1, 0.6, -0.2, 1.5, 1.5, 2, 6];
    const uncond = tf.tensor(uncondValues, [2, 2, 2, 1]);
    const cond = tf.tensor(condValues, [2, 2, 2, 1]);
    const scale = 5;
    const plain = uncondValues.map((u, i) => u + scale * (condValues[i]! - u));
    for (const phi of [0, 0.7, 1]) {
      const out = Array.from(applyGuidance(uncond, cond, scale, phi).dataSync());
      for (const b of [0, 1]) {
        const guided = plain.slice(b * 4, b * 4 + 4);
        const factor = std(condValues.slice(b * 4, b * 4 + 4)) / std(guided);
        const expected = guided.map((g) => phi * g * factor + (1 - phi) * g);
        expected.forEach((v, k) => {
          expect(out[b * 4 + k]).toBeCloseTo(v, 5);
        });
        if (phi === 1)
          expect(std(out.slice(b * 4, b * 4 + 4))).toBeCloseTo(std(condValues.slice(b * 4, b * 4 + 4)), 5);
      }
    }
    tf.dispose([uncond, cond]);
    const before = tf.memory().numTensors;
    const u = tf.ones([1, 2, 2, 1]);
    const c = tf.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    applyGuidance(u, c, 3, 0.5).dispose();
    tf.dispose([u, c]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('batches the unconditional and conditional passes into one network call', () => {
    const calls: { batch: number; t: number; contexts: number[] }[] = [];
    // The prediction is x * (1 + mean of that sample's context), so each half is recognisable.
    const network: ConditionedPredictor = (xIn, t, context) => {
      calls.push({
        batch: xIn.shape[0]!,
        t,
        contexts: Array.from(tf.tidy(() => tf.mean(context, [1, 2])).dataSync()),
      });
      return tf.tidy(() => tf.mul(xIn, tf.reshape(tf.add(tf.mean(context, [1, 2]), 1), [-1, 1, 1, 1])));
    };
    const cond = tf.fill([1, 3, 4], 2);
    const uncond = tf.zeros([1, 3, 4]);
    const predict = guidedPredictor(network, { cond, uncond, scale: 4 });
    const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    const out = predict(x, 321.5);
    expect(calls).toEqual([{ batch: 4, t: 321.5, contexts: [0, 0, 2, 2] }]);
    // uncond: x, cond: 3x -> x + 4 * 2x = 9x
    expect(Array.from(out.dataSync())).toEqual([9, 18, 27, 36, 45, 54, 63, 72]);
    out.dispose();

    calls.length = 0;
    const unguided = guidedPredictor(network, { cond, uncond, scale: 1 })(x, 10);
    expect(calls).toEqual([{ batch: 2, t: 10, contexts: [2, 2] }]);
    expect(Array.from(unguided.dataSync())).toEqual([3, 6, 9, 12, 15, 18, 21, 24]);
    unguided.dispose();

    const perSample = tf.tidy(() => tf.concat([tf.zeros([1, 3, 4]), tf.ones([1, 3, 4])]));
    calls.length = 0;
    guidedPredictor(network, { cond: perSample, uncond, scale: 2 })(x, 1).dispose();
    expect(calls[0]!.contexts).toEqual([0, 0, 0, 1]);
    const before = tf.memory().numTensors;
    guidedPredictor(network, { cond, uncond, scale: 7.5, rescale: 0.7 })(x, 5).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([cond, uncond, x, perSample]);
  });

  it('refuses contexts and settings that cannot work, naming the field', () => {
    const network: ConditionedPredictor = (xIn) => tf.clone(xIn);
    const x = tf.zeros([2, 1, 1, 1]);
    const three = tf.zeros([3, 1, 4]);
    const one = tf.zeros([1, 1, 4]);
    expect(() => guidedPredictor(network, { cond: three, uncond: one, scale: 3 })(x, 1)).toThrow(
      /guidance\.cond has batch 3; expected 1 or the sample batch 2/,
    );
    expect(() => guidedPredictor(network, { cond: one, uncond: one, scale: 3, rescale: 2 })).toThrow(
      /guidance\.rescale must lie in \[0, 1\]/,
    );
    expect(() => guidedPredictor(network, { cond: one, uncond: one, scale: Number.NaN })).toThrow(
      /guidance\.scale must be a finite number/,
    );
    tf.dispose([x, three, one]);
  });
});
