// Adapters from a noise-prediction network to the denoiser the samplers call (k-diffusion's
// convention, x = x0 + sigma * noise). The network sees diffusers' scaled input
// x / sqrt(sigma^2 + 1) — the variance-preserving x_t — and the training timestep of sigma.
import * as tf from '@tensorflow/tfjs-core';
import { type NoiseSchedule, sigmaToTimestep } from './schedule.ts';

/**
 * The estimate of the clean sample given x at noise level sigma. Returns a new tensor; never
 * disposes `x`. Synchronous, so a sampler step runs inside one tf.tidy.
 */
export type Denoiser = (x: tf.Tensor, sigma: number) => tf.Tensor;

/** A network as trained: (x_t, timestep) -> epsilon or v, the same shape as x_t. */
export type NoisePredictor = (xIn: tf.Tensor, t: number) => tf.Tensor;

/**
 * epsilon: D = x - sigma * eps.
 * v (sigma_data = 1): D = x / (sigma^2 + 1) - sigma / sqrt(sigma^2 + 1) * v.
 */
export function denoiserFromPredictor(predict: NoisePredictor, schedule: NoiseSchedule): Denoiser {
  const prediction = schedule.config.prediction;
  return (x, sigma) =>
    tf.tidy(() => {
      const cIn = 1 / Math.sqrt(sigma * sigma + 1);
      const out = predict(tf.mul(x, cIn), sigmaToTimestep(schedule, sigma));
      if (prediction === 'epsilon') return tf.sub(x, tf.mul(out, sigma));
      return tf.add(tf.mul(x, cIn * cIn), tf.mul(out, -sigma * cIn));
    });
}
