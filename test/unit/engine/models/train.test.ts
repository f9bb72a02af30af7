import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { UNet } from '../../../../main/engine/models/unet/unet.ts';

// A toy latent dataset: two 4×4×4 patterns, each with its own fixed "text" context. A U-Net that
// learns them predicts the noise far better than the untrained one (which predicts zero).
const SIZE = 4;
const STEPS = 1000;

function alphaBars(): Float32Array {
  const out = new Float32Array(STEPS);
  let prod = 1;
  for (let i = 0; i < STEPS; i++) {
    prod *= 1 - (1e-4 + ((0.02 - 1e-4) * i) / (STEPS - 1));
    out[i] = prod;
  }
  return out;
}

function patterns(): tf.Tensor4D {
  const values = new Float32Array(2 * SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++)
      for (let c = 0; c < 4; c++) {
        values[((0 * SIZE + y) * SIZE + x) * 4 + c] = x < SIZE / 2 ? 0.8 : -0.8;
        values[((1 * SIZE + y) * SIZE + x) * 4 + c] = (x + y + c) % 2 === 0 ? 0.8 : -0.8;
      }
  return tf.tensor4d(values, [2, SIZE, SIZE, 4]);
}

/** A batch: classes, timesteps and noise drawn from a seeded stream. */
function batch(seed: number, size: number, data: tf.Tensor4D, contexts: tf.Tensor3D, ab: Float32Array) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const classes = Array.from({ length: size }, () => (next() < 0.5 ? 0 : 1));
  const steps = Array.from({ length: size }, () => Math.floor(next() * STEPS));
  return tf.tidy(() => {
    const idx = tf.tensor1d(classes, 'int32');
    const x0 = tf.gather(data, idx) as tf.Tensor4D;
    const eps = tf.randomNormal(x0.shape, 0, 1, 'float32', seed) as tf.Tensor4D;
    const a = tf.tensor4d(
      steps.map((t) => ab[t]!),
      [size, 1, 1, 1],
    );
    const xt = tf.add(tf.mul(x0, tf.sqrt(a)), tf.mul(eps, tf.sqrt(tf.sub(1, a)))) as tf.Tensor4D;
    return { xt, eps, t: tf.tensor1d(steps), context: tf.gather(contexts, idx) as tf.Tensor3D };
  });
}

beforeAll(async () => {
  await initBackend();
});

describe('training a tiny U-Net', () => {
  it('lowers the epsilon-prediction loss clearly within a hundred Adam steps', {
    timeout: 600_000,
  }, () => {
    const unet = new UNet(
      {
        inChannels: 4,
        outChannels: 4,
        modelChannels: 16,
        channelMult: [1, 2],
        numResBlocks: 1,
        attentionLevels: [1],
        headDim: 8,
        contextDim: 8,
        normGroups: 8,
      },
      { seed: 11 },
    );
    const data = patterns();
    const contexts = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 5) as tf.Tensor3D;
    const ab = alphaBars();
    const evalSet = batch(999, 32, data, contexts, ab);
    const evalLoss = () =>
      tf.tidy(
        () =>
          tf.losses
            .meanSquaredError(evalSet.eps, unet.forward(evalSet.xt, evalSet.t, evalSet.context))
            .dataSync()[0]!,
      );
    const before = evalLoss();
    const optimizer = tf.train.adam(5e-3);
    const tensorsAtStart = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 100; step++) {
      const b = batch(step + 1, 8, data, contexts, ab);
      const loss = optimizer.minimize(
        () => tf.losses.meanSquaredError(b.eps, unet.forward(b.xt, b.t, b.context)) as tf.Scalar,
        true,
        unet.variables(),
      );
      losses.push(loss!.dataSync()[0]!);
      tf.dispose([loss!, b.xt, b.eps, b.t, b.context]);
      // Adam's moment variables appear on the first step; after that nothing may accumulate.
      if (step === 1)
        expect(tf.memory().numTensors).toBeLessThanOrEqual(tensorsAtStart + 2 * unet.variables().length + 2);
    }
    const after = evalLoss();
    const firstMean = losses.slice(0, 20).reduce((a, v) => a + v, 0) / 20;
    const lastMean = losses.slice(-20).reduce((a, v) => a + v, 0) / 20;
    expect(before).toBeGreaterThan(0.8);
    expect(after).toBeLessThan(0.5 * before);
    expect(lastMean).toBeLessThan(0.6 * firstMean);
    optimizer.dispose();
    unet.dispose();
  });
});
