// The objective of SC-/CSC-Tuner training: epsilon- (or v-) prediction MSE of the frozen U-Net
// whose skips the tuner edits, with the encoder outside the gradient tape (skip-training.ts).
import * as tf from '@tensorflow/tfjs-core';
import { noiseForTraining } from '../diffusion/forward-process.ts';
import type { SkipHook } from '../models/unet/unet.ts';
import type { LatentDiffusionModel } from '../pipeline/latent-diffusion-model.ts';
import { CscTuner } from '../tuners/csc-tuner.ts';
import type { ScTuner } from '../tuners/sc-tuner.ts';
import { skipTunerLossAndGrads } from '../tuners/skip-training.ts';
import type { DiffusionBatch } from './sample-stream.ts';
import type { TrainingObjective } from './trainer.ts';

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
      const { noisy, target } = noiseForTraining(model.schedule, batch.x0, batch.noise, batch.timesteps);
      const t = tf.tensor1d(batch.timesteps, 'float32');
      try {
        const makeHook = (): SkipHook => {
          if (tuner instanceof CscTuner) {
            const hints = tuner.hints(batch.condition!);
            return (j, skip) => tf.add(skip, tuner.control(j, skip, hints[j]!)) as tf.Tensor4D;
          }
          return (j, skip) => tf.add(skip, tuner.residual(j, skip)) as tf.Tensor4D;
        };
        const { loss, grads } = skipTunerLossAndGrads(
          model.unet,
          { x: noisy as tf.Tensor4D, t, context: batch.context, target: target as tf.Tensor4D },
          makeHook,
          variables,
        );
        // A parameter off the path this batch (none today) gets a zero gradient, not a gap.
        return { loss, grads: variables.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
      } finally {
        tf.dispose([noisy, target, t]);
      }
    },
  };
}
