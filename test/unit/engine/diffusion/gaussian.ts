// Closed-form fakes for sampler tests: data x0 ~ N(mu_c, s_c^2) independently per channel (the
// last axis), noised as x = x0 + sigma * n. Then E[x0 | x] = mu + s^2 / (s^2 + sigma^2) (x - mu)
// exactly, so a sampler driven by it must land on N(mu, s^2).
import * as tf from '@tensorflow/tfjs-core';
import type { Denoiser } from '../../../../main/engine/diffusion/denoiser.ts';
import { seededNoise } from '../../../../main/engine/diffusion/noise.ts';

export interface GaussianData {
  mu: number[];
  s: number[];
}

export function exactDenoiser({ mu, s }: GaussianData): Denoiser {
  return (x, sigma) =>
    tf.tidy(() => {
      const m = tf.tensor1d(mu);
      const gain = tf.tensor1d(s.map((v) => (v * v) / (v * v + sigma * sigma)));
      return tf.add(m, tf.mul(gain, tf.sub(x, m)));
    });
}

/** Samples of the noised marginal N(mu, s^2 + sigma^2), shape [..., channels]. */
export function noisedSamples(
  { mu, s }: GaussianData,
  shape: number[],
  sigma: number,
  seed: number,
): tf.Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  const z = seededNoise(seed).normal(count);
  const c = mu.length;
  for (let i = 0; i < count; i++) {
    const ch = i % c;
    z[i] = mu[ch]! + Math.sqrt(s[ch]! ** 2 + sigma ** 2) * z[i]!;
  }
  return tf.tensor(z, shape);
}

export function channelStats(x: tf.Tensor): { mean: number[]; std: number[] } {
  const values = x.dataSync();
  const c = x.shape[x.shape.length - 1]!;
  const n = values.length / c;
  const mean = new Array<number>(c).fill(0);
  const sq = new Array<number>(c).fill(0);
  for (let i = 0; i < values.length; i++) mean[i % c]! += values[i]! / n;
  for (let i = 0; i < values.length; i++) sq[i % c]! += (values[i]! - mean[i % c]!) ** 2 / (n - 1);
  return { mean, std: sq.map(Math.sqrt) };
}
