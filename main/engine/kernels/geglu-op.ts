// GEGLU's activation, value · GELU(gate) over the two halves of the projection's output, and its
// gradient, each as one kernel. As ops the exact GELU is five elementwise kernels and the split
// one more; their gradients (erf's through exp and square, the product rule, the split's concat)
// about a dozen more plus the tape's copies, over the widest activations of the transformer
// blocks (4 × their width). Backends without the kernels, and widths that are not a multiple of 4,
// get null and the caller's op chain.
import * as tf from '@tensorflow/tfjs-core';

export const GEGLU = 'SceditGeglu';
export const GEGLU_GRAD = 'SceditGegluGrad';

/** h [..., 2·inner] → h[..., :inner] · GELU(h[..., inner:]), or null (see above). */
export function fusedGeglu<T extends tf.Tensor>(h: T): T | null {
  const backend = tf.getBackend();
  const width = h.shape[h.rank - 1]!;
  if (h.dtype !== 'float32' || width % 8 !== 0) return null;
  if (!tf.getKernel(GEGLU, backend) || !tf.getKernel(GEGLU_GRAD, backend)) return null;
  const geglu = tf.customGrad((input, save) => {
    (save as tf.GradSaveFunc)([input as tf.Tensor]);
    return {
      value: tf.engine().runKernel(GEGLU, { h: input as tf.Tensor }) as tf.Tensor,
      gradFunc: (dy, saved) =>
        tf.engine().runKernel(GEGLU_GRAD, { dy: dy as tf.Tensor, h: saved[0]! }) as tf.Tensor,
    };
  });
  return geglu(h) as T;
}
