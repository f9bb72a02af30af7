// The objectives of the baselines, trained by the same loop as SC/CSC-Tuners so that they compare
// on equal terms: the same noised latents, timesteps and MSE, only what trains differs (LoRA: the
// whole U-Net on the tape; ControlNet: its encoder copy plus the frozen decoder on the tape).
import type { LatentDiffusionModel } from '../pipeline/latent-diffusion-model.ts';
import { controlNetLossAndGrads, loraLossAndGrads } from '../tuners/baseline-training.ts';
import type { ControlNet } from '../tuners/controlnet.ts';
import type { LoraTuner } from '../tuners/lora.ts';
import type { DiffusionBatch } from './sample-stream.ts';
import { orderedGrads, withNetworkInputs } from './skip-tuner-objective.ts';
import type { TrainingObjective } from './trainer.ts';

export function loraObjective(
  model: LatentDiffusionModel,
  lora: LoraTuner,
): TrainingObjective<DiffusionBatch> {
  const params = lora.params.list();
  const variables = params.map((p) => p.value);
  return {
    params,
    lossAndGrads(batch) {
      return withNetworkInputs(model, batch, (inputs) => {
        const { loss, grads } = loraLossAndGrads(model.unet, lora, inputs);
        return { loss, grads: orderedGrads(variables, grads) };
      });
    },
  };
}

export function controlNetObjective(
  model: LatentDiffusionModel,
  controlNet: ControlNet,
): TrainingObjective<DiffusionBatch> {
  const params = controlNet.params();
  const variables = params.map((p) => p.value);
  return {
    params,
    lossAndGrads(batch) {
      if (!batch.condition) throw new Error('a ControlNet batch needs condition maps');
      return withNetworkInputs(model, batch, (inputs) => {
        const { loss, grads } = controlNetLossAndGrads(model.unet, controlNet, inputs, batch.condition!);
        return { loss, grads: orderedGrads(variables, grads) };
      });
    },
  };
}
