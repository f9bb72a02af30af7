// SiLU, x · sigmoid(x), with its gradient as one kernel: dy · s · (1 + x · (1 - s)) from the saved
// sigmoid s. As ops its backward is the product rule and sigmoid's gradient, ~6 kernel calls plus
// the tape's copies, for each of the ~35 SiLUs of a U-Net training step. Backends without the
// kernel get null and the caller's op chain.
import * as tf from '@tensorflow/tfjs-core';

export const SILU_GRAD = 'SceditSiluGrad';

export function fusedSilu<T extends tf.Tensor>(x: T): T | null {
  if (x.dtype !== 'float32' || !tf.getKernel(SILU_GRAD, tf.getBackend())) return null;
  const silu = tf.customGrad((input, save) => {
    const s = tf.sigmoid(input as tf.Tensor);
    (save as tf.GradSaveFunc)([input as tf.Tensor, s]);
    return {
      value: tf.mul(input as tf.Tensor, s),
      gradFunc: (dy, saved) => {
        const [xs, sig] = saved;
        return tf.engine().runKernel(SILU_GRAD, { dy: dy as tf.Tensor, x: xs!, s: sig! }) as tf.Tensor;
      },
    };
  });
  return silu(x) as T;
}
