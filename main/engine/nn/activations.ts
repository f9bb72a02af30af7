import * as tf from '@tensorflow/tfjs-core';
import { fusedSilu } from '../kernels/silu-op.ts';

export function silu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => fusedSilu(x) ?? (tf.mul(x, tf.sigmoid(x)) as T));
}

/** Exact GELU (PyTorch's default `F.gelu`): x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T);
}

/** CLIP's quick_gelu: x * sigmoid(1.702 x). */
export function quickGelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))) as T);
}

export type ActivationName = 'gelu' | 'quick_gelu' | 'silu';

export function activation(name: ActivationName): <T extends tf.Tensor>(x: T) => T {
  switch (name) {
    case 'gelu':
      return gelu;
    case 'quick_gelu':
      return quickGelu;
    case 'silu':
      return silu;
  }
}
