// One training step for tuners that edit skips (SC-/CSC-Tuners). The frozen encoder runs BEFORE
// the gradient tape opens, so none of its ops are recorded and none of its activations are kept
// for backprop: only the tuners and the decoder path are differentiated. This is the source of
// SCEdit's memory saving (SCEDIT.md).
import * as tf from '@tensorflow/tfjs-core';
import type { SkipHook, UNet } from '../models/unet/unet.ts';

export interface SkipTrainingBatch {
  /** Noisy latents (already scaled for the network input). */
  x: tf.Tensor4D;
  t: tf.Tensor1D;
  context: tf.Tensor3D;
  /** The network's target (epsilon or v). */
  target: tf.Tensor4D;
}

export interface SkipTrainingResult {
  loss: number;
  /** Gradients for exactly the given variables (keyed by variable name); caller disposes. */
  grads: tf.NamedTensorMap;
}

/**
 * MSE loss and gradients for `variables`, with `makeHook` building the skip hook inside the tape
 * (so hints and adapters get gradients). The U-Net's own weights get none.
 */
export function skipTunerLossAndGrads(
  unet: UNet,
  batch: SkipTrainingBatch,
  makeHook: () => SkipHook,
  variables: tf.Variable[],
): SkipTrainingResult {
  const encoding = unet.encode(batch.x, batch.t, batch.context);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = unet.decode(encoding.h, encoding.skips, encoding.emb, batch.context, {
        skipHook: makeHook(),
      });
      return tf.mean(tf.square(tf.sub(out, batch.target))) as tf.Scalar;
    }, variables);
    const loss = value.dataSync()[0]!;
    value.dispose();
    return { loss, grads };
  } finally {
    tf.dispose([...encoding.skips, encoding.h, encoding.emb]);
  }
}
