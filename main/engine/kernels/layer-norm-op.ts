// Layer norm over the last axis as two kernels, forward and gradient, joined by a custom gradient.
// Written out as ops (../nn/layer-norm-op.ts) it is 7 kernel calls forward and ~11 backward, each a
// pass over the activations plus the tape's copies, for each of the 3 layer norms of every
// transformer block: ~20 ms of the embedded U-Net's training step on wasm. Backends without the
// kernels, and widths that are not a multiple of 4, get null and the caller's op chain.
import * as tf from '@tensorflow/tfjs-core';

export const LAYER_NORM = 'SceditLayerNorm';
export const LAYER_NORM_GRAD = 'SceditLayerNormGrad';

export interface LayerNormAttrs {
  eps: number;
  [key: string]: number;
}

/** (x - mean) / sqrt(var + eps) · gamma + beta over the last axis, or null (see above). */
export function fusedLayerNorm<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  attrs: LayerNormAttrs,
): T | null {
  const backend = tf.getBackend();
  if (x.dtype !== 'float32' || x.shape[x.rank - 1]! % 4 !== 0) return null;
  if (!tf.getKernel(LAYER_NORM, backend) || !tf.getKernel(LAYER_NORM_GRAD, backend)) return null;
  const normed = tf.customGrad((input, g, b, save) => {
    const [y, xhat, rstd] = tf
      .engine()
      .runKernel(
        LAYER_NORM,
        { x: input as tf.Tensor, gamma: g as tf.Tensor, beta: b as tf.Tensor },
        attrs,
      ) as tf.Tensor[];
    (save as tf.GradSaveFunc)([xhat!, rstd!, g as tf.Tensor]);
    return {
      value: y!,
      gradFunc: (dy, saved) => {
        const [xh, r, gm] = saved;
        return tf.engine().runKernel(LAYER_NORM_GRAD, {
          dy: dy as tf.Tensor,
          xhat: xh!,
          rstd: r!,
          gamma: gm!,
        }) as tf.Tensor[];
      },
    };
  });
  return normed(x, gamma, beta) as T;
}
