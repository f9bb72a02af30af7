// The objective of SC-/CSC-Tuner training: epsilon- (or v-) prediction MSE of the frozen U-Net
// whose skips the tuner edits, with the encoder outside the gradient tape (skip-training.ts).
import * as tf from '@tensorflow/tfjs-core';
import { noiseForTraining } from '../diffusion/forward-process.ts';
import type { SkipHook } from '../models/unet/unet.ts';
import type { LatentDiffusionModel } from '../pipeline/latent-diffusion-model.ts';
import { CscTuner } from '../tuners/csc-tuner.ts';
import type { ScTuner } from '../tuners/sc-tuner.ts';
import { type SkipTrainingBatch, skipTunerLossAndGrads } from '../tuners/skip-training.ts';
import type { DiffusionBatch } from './sample-stream.ts';
import type { TrainingObjective } from './trainer.ts';

/** The network's input and target for a batch (noised latents at its timesteps), freed after `fn`. */
export function withNetworkInputs<R>(
  model: LatentDiffusionModel,
  batch: DiffusionBatch,
  fn: (inputs: SkipTrainingBatch) => R,
): R {
  const { noisy, target } = noiseForTraining(model.schedule, batch.x0, batch.noise, batch.timesteps);
  const t = tf.tensor1d(batch.timesteps, 'float32');
  try {
    return fn({ x: noisy as tf.Tensor4D, t, context: batch.context, target: target as tf.Tensor4D });
  } finally {
    tf.dispose([noisy, target, t]);
  }
}

/** Gradients in the order of `variables`; a variable off this batch's path gets zeros, not a gap. */
export function orderedGrads(variables: readonly tf.Variable[], grads: tf.NamedTensorMap): tf.Tensor[] {
  return variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
}

export function skipTunerObjective(
  model: LatentDiffusionModel,
  tuner: ScTuner | CscTuner,
): TrainingObjective<DiffusionBatch> {
  const params = tuner.params.list();
  const variables = params.map((p) => p.value);
  return {
    params,
    lossAndGrads(batch) {
      if (tuner instanceof CscTuner && !batch.condition)
        throw new Error('a CSC-Tuner batch needs condition maps');
      return withNetworkInputs(model, batch, (inputs) => {
        const makeHook = (): SkipHook => {
          if (tuner instanceof CscTuner) {
            const hints = tuner.hints(batch.condition!);
            return (j, skip) => tf.add(skip, tuner.control(j, skip, hints[j]!)) as tf.Tensor4D;
          }
          return (j, skip) => tf.add(skip, tuner.residual(j, skip)) as tf.Tensor4D;
        };
        const { loss, grads } = skipTunerLossAndGrads(model.unet, inputs, makeHook, variables);
        return { loss, grads: orderedGrads(variables, grads) };
      });
    },
  };
}
