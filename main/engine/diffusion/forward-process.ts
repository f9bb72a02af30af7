// The forward (noising) process: what training feeds the network and what it must predict, and
// the start of a generation from an existing image (img2img).
import * as tf from '@tensorflow/tfjs-core';
import type { NoiseSchedule } from './schedule.ts';

export interface TrainingBatch {
  /** x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise: the network's input at timestep t. */
  noisy: tf.Tensor;
  /** noise for epsilon prediction; sqrt(abar_t) noise - sqrt(1 - abar_t) x0 for v prediction. */
  target: tf.Tensor;
}

/** Noises a batch [B, ...] at one integer training timestep per sample. */
export function noiseForTraining(
  schedule: NoiseSchedule,
  x0: tf.Tensor,
  noise: tf.Tensor,
  timesteps: readonly number[],
): TrainingBatch {
  const batch = x0.shape[0];
  if (timesteps.length !== batch)
    throw new Error(`timesteps has ${timesteps.length} entries; the batch holds ${batch} samples`);
  if (noise.shape.join() !== x0.shape.join())
    throw new Error(`noise shape [${noise.shape.join(', ')}] differs from x0 shape [${x0.shape.join(', ')}]`);
  const last = schedule.alphasCumprod.length - 1;
  const signal: number[] = [];
  const spread: number[] = [];
  for (const [i, t] of timesteps.entries()) {
    if (!Number.isInteger(t) || t < 0 || t > last)
      throw new Error(`timesteps[${i}] is ${t}; expected an integer from 0 to ${last}`);
    const alphaBar = schedule.alphasCumprod[t]!;
    signal.push(Math.sqrt(alphaBar));
    spread.push(Math.sqrt(1 - alphaBar));
  }
  const perSample = [batch, ...x0.shape.slice(1).map(() => 1)];
  return tf.tidy(() => {
    const a = tf.tensor(signal, perSample);
    const b = tf.tensor(spread, perSample);
    const noisy = tf.add(tf.mul(x0, a), tf.mul(noise, b));
    const target =
      schedule.config.prediction === 'epsilon' ? tf.clone(noise) : tf.sub(tf.mul(noise, a), tf.mul(x0, b));
    return { noisy, target };
  });
}

/**
 * The tail of a sigma list that img2img runs at `strength` (0 keeps the image, 1 starts from pure
 * noise), as diffusers counts it: the last floor(steps * strength) steps.
 */
export function sigmasForStrength(sigmas: readonly number[], strength: number): number[] {
  if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must lie in [0, 1], not ${strength}`);
  const steps = sigmas.length - 1;
  const kept = Math.min(Math.floor(steps * strength), steps);
  return sigmas.slice(steps - kept);
}

/** x0 + sigma * noise: the sample at sigma, in the samplers' convention (img2img's start). */
export function noiseAtSigma(x0: tf.Tensor, noise: tf.Tensor, sigma: number): tf.Tensor {
  return tf.tidy(() => tf.add(x0, tf.mul(noise, sigma)));
}
