import * as tf from '@tensorflow/tfjs-core';

export interface TimestepEmbeddingOptions {
  maxPeriod?: number;
  /** LDM's UNet: cos first (diffusers' flip_sin_to_cos = true). */
  flipSinToCos?: boolean;
  /** LDM's UNet: 0 (diffusers' downscale_freq_shift = 0). */
  downscaleFreqShift?: number;
}

/**
 * Sinusoidal timestep embedding [B] -> [B, dim], with SD's conventions by default:
 * freq_i = exp(-ln(maxPeriod) · i / (half - shift)), output [cos(t·f), sin(t·f)].
 * An odd dim gets a trailing zero column, as in LDM.
 */
export function timestepEmbedding(
  timesteps: tf.Tensor1D,
  dim: number,
  options: TimestepEmbeddingOptions = {},
): tf.Tensor2D {
  const maxPeriod = options.maxPeriod ?? 10000;
  const flip = options.flipSinToCos ?? true;
  const shift = options.downscaleFreqShift ?? 0;
  const half = Math.floor(dim / 2);
  return tf.tidy(() => {
    // Exponent computed in float32 as PyTorch does, so both engines see the same frequencies.
    const exponent = tf.div(tf.mul(tf.range(0, half, 1, 'float32'), -Math.log(maxPeriod)), half - shift);
    const freqs = tf.exp(exponent);
    const args = tf.mul(tf.expandDims(tf.cast(timesteps, 'float32'), 1), tf.expandDims(freqs, 0));
    const parts = flip ? [tf.cos(args), tf.sin(args)] : [tf.sin(args), tf.cos(args)];
    let emb = tf.concat(parts, 1) as tf.Tensor2D;
    if (dim % 2 === 1)
      emb = tf.pad(emb, [
        [0, 0],
        [0, 1],
      ]);
    return emb;
  });
}
