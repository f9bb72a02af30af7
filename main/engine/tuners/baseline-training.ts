// Training steps of the baselines SCEdit is compared with, in the same engine: full fine-tuning,
// LoRA and ControlNet. Each returns the MSE loss and gradients for exactly its own variables.
import * as tf from '@tensorflow/tfjs-core';
import type { UNet } from '../models/unet/unet.ts';
import { type ControlNet, controlNetSkipHook } from './controlnet.ts';
import type { LoraTuner } from './lora.ts';
import type { SkipTrainingBatch, SkipTrainingResult } from './skip-training.ts';

function mse(out: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
}

function finish(value: tf.Scalar, grads: tf.NamedTensorMap): SkipTrainingResult {
  const loss = value.dataSync()[0]!;
  value.dispose();
  return { loss, grads };
}

/** Every U-Net weight trains; the whole network is on the tape. */
export function fullFineTuneLossAndGrads(unet: UNet, batch: SkipTrainingBatch): SkipTrainingResult {
  const { value, grads } = tf.variableGrads(
    () => mse(unet.forward(batch.x, batch.t, batch.context), batch.target),
    unet.variables(),
  );
  return finish(value, grads);
}

/** LoRA layers inside the attention and feed-forward: the whole U-Net is on the tape. */
export function loraLossAndGrads(unet: UNet, lora: LoraTuner, batch: SkipTrainingBatch): SkipTrainingResult {
  const detach = lora.attach();
  try {
    const { value, grads } = tf.variableGrads(
      () => mse(unet.forward(batch.x, batch.t, batch.context), batch.target),
      lora.params.variables(),
    );
    return finish(value, grads);
  } finally {
    detach();
  }
}

/**
 * ControlNet: the frozen U-Net's encoder runs outside the tape (nothing there trains), while the
 * trainable encoder copy and the frozen decoder are differentiated.
 */
export function controlNetLossAndGrads(
  unet: UNet,
  controlNet: ControlNet,
  batch: SkipTrainingBatch,
  condition: tf.Tensor4D,
): SkipTrainingResult {
  const encoding = unet.encode(batch.x, batch.t, batch.context);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const residuals = controlNet.controls(batch.x, batch.t, batch.context, condition);
      const h = tf.add(encoding.h, residuals.middle) as tf.Tensor4D;
      const out = unet.decode(h, encoding.skips, encoding.emb, batch.context, {
        skipHook: controlNetSkipHook(residuals),
      });
      return mse(out, batch.target);
    }, controlNet.variables());
    return finish(value, grads);
  } finally {
    tf.dispose([...encoding.skips, encoding.h, encoding.emb]);
  }
}
