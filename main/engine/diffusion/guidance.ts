// Classifier-free guidance (Ho & Salimans 2022) with guidance rescale (Lin et al. 2023, sec. 3.4:
// rescale the guided prediction to the conditional one's standard deviation, then blend by phi).
// Applied to the network's prediction (epsilon or v), as diffusers does, so that the rescale
// means the same thing for both prediction types.
import * as tf from '@tensorflow/tfjs-core';
import type { NoisePredictor } from './denoiser.ts';

/** A text-conditioned network: context is [B, T, D] for a batch of B samples. */
export type ConditionedPredictor = (xIn: tf.Tensor, t: number, context: tf.Tensor) => tf.Tensor;

export interface GuidanceOptions {
  /** Prompt context, batch 1 (shared) or the sample batch. */
  cond: tf.Tensor;
  /** Negative/empty-prompt context, batch 1 (shared) or the sample batch. */
  uncond: tf.Tensor;
  /** 1 = no guidance (the unconditional pass is skipped); SD's usual value is 7.5. */
  scale: number;
  /** phi in [0, 1]; 0 = plain guidance; 0.7 is the paper's choice. */
  rescale?: number;
}

/** uncond + scale * (cond - uncond), rescaled toward cond's per-sample std by phi. */
export function applyGuidance(uncond: tf.Tensor, cond: tf.Tensor, scale: number, rescale = 0): tf.Tensor {
  return tf.tidy(() => {
    const guided = tf.add(uncond, tf.mul(tf.sub(cond, uncond), scale));
    if (rescale === 0) return guided;
    const axes = cond.shape.map((_, i) => i).slice(1);
    const std = (t: tf.Tensor) => tf.sqrt(tf.moments(t, axes, true).variance);
    const rescaled = tf.mul(guided, tf.div(std(cond), std(guided)));
    return tf.add(tf.mul(rescaled, rescale), tf.mul(guided, 1 - rescale));
  });
}

function contextForBatch(context: tf.Tensor, batch: number, field: string): tf.Tensor {
  const have = context.shape[0];
  if (have === batch) return context;
  if (have === 1) return tf.tile(context, [batch, ...context.shape.slice(1).map(() => 1)]);
  throw new Error(`guidance.${field} has batch ${have}; expected 1 or the sample batch ${batch}`);
}

/**
 * One network call per step on the batch [uncond..., cond...] (2B samples), split and combined.
 * A predictor that needs per-sample extras (hint maps) must follow that order.
 */
export function guidedPredictor(predict: ConditionedPredictor, options: GuidanceOptions): NoisePredictor {
  const { cond, uncond, scale } = options;
  const rescale = options.rescale ?? 0;
  if (!Number.isFinite(scale)) throw new Error(`guidance.scale must be a finite number, not ${scale}`);
  if (!(rescale >= 0 && rescale <= 1)) throw new Error(`guidance.rescale must lie in [0, 1], not ${rescale}`);
  if (scale === 1)
    return (xIn, t) => tf.tidy(() => predict(xIn, t, contextForBatch(cond, xIn.shape[0]!, 'cond')));
  return (xIn, t) =>
    tf.tidy(() => {
      const batch = xIn.shape[0]!;
      const context = tf.concat(
        [contextForBatch(uncond, batch, 'uncond'), contextForBatch(cond, batch, 'cond')],
        0,
      );
      const out = predict(tf.concat([xIn, xIn], 0), t, context);
      const [outUncond, outCond] = tf.split(out, 2, 0) as [tf.Tensor, tf.Tensor];
      return applyGuidance(outUncond, outCond, scale, rescale);
    });
}
