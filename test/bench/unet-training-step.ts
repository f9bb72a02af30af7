// The U-Net training step both U-Net benches time: epsilon MSE at batch 8 on random latents, text
// contexts and spread timesteps, then the trainer's AdamW (one fused kernel per weight on wasm, the
// op chain with --stock) with weight decay 0, which makes it Adam, as the PyTorch peer runs.
import * as tf from '@tensorflow/tfjs-core';
import type { UNet } from '../../main/engine/models/unet/unet.ts';
import { AdamW } from '../../main/engine/train/adamw.ts';

export interface TrainingStep {
  /** One forward + backward + optimiser step; resolves once the loss is read back. */
  run(): Promise<void>;
  dispose(): void;
}

export function unetTrainingStep(unet: UNet, contextLength: number, contextWidth: number): TrainingStep {
  const latent: [number, number, number] = [16, 16, unet.config.inChannels];
  const x = tf.randomNormal([8, ...latent]) as tf.Tensor4D;
  const eps = tf.randomNormal([8, ...latent]) as tf.Tensor4D;
  const t = tf.tensor1d([10, 100, 200, 300, 400, 500, 700, 900]);
  const ctx = tf.randomNormal([8, contextLength, contextWidth]) as tf.Tensor3D;
  const variables = unet.variables();
  const optimizer = new AdamW(variables, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  return {
    async run() {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.meanSquaredError(eps, unet.forward(x, t, ctx)) as tf.Scalar,
        variables,
      );
      optimizer.apply(
        variables.map((v) => grads[v.name]!),
        1e-4,
      );
      await value.data();
      tf.dispose([value, grads]);
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([x, eps, t, ctx]);
    },
  };
}
