// One AdamW step for one parameter as a single kernel: the op chain (moments, bias correction,
// decoupled decay, update) is ~14 kernels per parameter, which for a U-Net's ~300 small tensors
// costs more in kernel calls than in arithmetic. Backends without the kernel return null and the
// caller runs the op chain.
import * as tf from '@tensorflow/tfjs-core';

export const ADAMW_UPDATE = 'SceditAdamWUpdate';

export interface AdamWUpdateAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  lr: number;
  weightDecay: number;
  /** Bias corrections 1 - beta^step. */
  c1: number;
  c2: number;
  [key: string]: number;
}

/** [param, m, v] after one step, or null when this backend has no fused kernel. */
export function fusedAdamWUpdate(
  param: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  grad: tf.Tensor,
  attrs: AdamWUpdateAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] | null {
  if (!tf.getKernel(ADAMW_UPDATE, tf.getBackend())) return null;
  const out = tf.engine().runKernel(ADAMW_UPDATE, { param, m, v, grad }, attrs) as tf.Tensor[];
  return [out[0]!, out[1]!, out[2]!];
}
