import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { denoiserFromPredictor } from '../../../../main/engine/diffusion/denoiser.ts';
import {
  noiseAtSigma,
  noiseForTraining,
  sigmasForStrength,
} from '../../../../main/engine/diffusion/forward-process.ts';
import { makeSchedule, SD15_SCHEDULE } from '../../../../main/engine/diffusion/schedule.ts';

beforeAll(async () => {
  await initBackend();
});

describe('forward process', () => {
  it('noises each sample at its own timestep and gives the epsilon or v target', () => {
    for (const prediction of ['epsilon', 'v_prediction'] as const) {
      const schedule = makeSchedule({ ...SD15_SCHEDULE, prediction });
      const x0 = tf.tensor([1, 2, -1, 0.5], [2, 1, 1, 2]);
      const noise = tf.tensor([0.3, -0.7, 1.1, 0.2], [2, 1, 1, 2]);
      const before = tf.memory().numTensors;
      const { noisy, target } = noiseForTraining(schedule, x0, noise, [10, 700]);
      expect(tf.memory().numTensors).toBe(before + 2);
      const x = [1, 2, -1, 0.5];
      const n = [0.3, -0.7, 1.1, 0.2];
      const got = Array.from(noisy.dataSync());
      const want = Array.from(target.dataSync());
      for (let i = 0; i < 4; i++) {
        const abar = schedule.alphasCumprod[i < 2 ? 10 : 700]!;
        expect(got[i]).toBeCloseTo(Math.sqrt(abar) * x[i]! + Math.sqrt(1 - abar) * n[i]!, 5);
        const v = Math.sqrt(abar) * n[i]! - Math.sqrt(1 - abar) * x[i]!;
        expect(want[i]).toBeCloseTo(prediction === 'epsilon' ? n[i]! : v, 5);
      }
      // A network that predicts the target exactly recovers x0 through the sampler's denoiser.
      const sigma = schedule.sigmas[700]!;
      const denoise = denoiserFromPredictor(() => tf.slice(target, [1], [1]), schedule);
      const xVe = tf.mul(tf.slice(noisy, [1], [1]), Math.sqrt(1 + sigma * sigma));
      const recovered = denoise(xVe, sigma);
      expect(Array.from(recovered.dataSync()).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, 0.5]);
      tf.dispose([x0, noise, noisy, target, xVe, recovered]);
    }
  });

  it('refuses timesteps that do not fit the batch or the schedule', () => {
    const schedule = makeSchedule(SD15_SCHEDULE);
    const x0 = tf.zeros([2, 1, 1, 1]);
    expect(() => noiseForTraining(schedule, x0, x0, [1])).toThrow(
      /timesteps has 1 entries; the batch holds 2/,
    );
    expect(() => noiseForTraining(schedule, x0, x0, [1, 1000])).toThrow(
      /timesteps\[1\] is 1000; expected an integer from 0 to 999/,
    );
    const other = tf.zeros([2, 1, 1, 2]);
    expect(() => noiseForTraining(schedule, x0, other, [1, 2])).toThrow(/noise shape \[2, 1, 1, 2\] differs/);
    tf.dispose([x0, other]);
  });

  it('keeps the last steps for img2img strength as diffusers counts them', () => {
    const sigmas = [10, 8, 6, 4, 2, 0];
    expect(sigmasForStrength(sigmas, 1)).toEqual(sigmas);
    expect(sigmasForStrength(sigmas, 0.6)).toEqual([6, 4, 2, 0]);
    expect(sigmasForStrength(sigmas, 0.59)).toEqual([4, 2, 0]);
    expect(sigmasForStrength(sigmas, 0)).toEqual([0]);
    expect(() => sigmasForStrength(sigmas, 1.2)).toThrow(/strength must lie in \[0, 1\]/);
    const x0 = tf.ones([1, 2]);
    const noise = tf.tensor([[1, -1]]);
    const start = noiseAtSigma(x0, noise, 6);
    expect(Array.from(start.dataSync())).toEqual([7, -5]);
    tf.dispose([x0, noise, start]);
  });
});
