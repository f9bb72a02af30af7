// Text-to-image for a batch of prompts with a tuner mix (an SC-Tuner's scale, a LoRA's), in one
// sampler loop. The same noise streams as the quality bench's generateBatch (perPictureNoise), so
// with an empty mix picture b is the one generateBatch makes; the U-Net call goes through the
// studio's prepareMix, as generate() does.
import * as tf from '@tensorflow/tfjs-core';
import { denoiserFromPredictor } from '../../../main/engine/diffusion/denoiser.ts';
import { guidedPredictor } from '../../../main/engine/diffusion/guidance.ts';
import { sample, startSample } from '../../../main/engine/diffusion/samplers.ts';
import { samplerSigmas } from '../../../main/engine/diffusion/sigmas.ts';
import type { LatentDiffusionModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { type PreparedMix, prepareMix, type TunerMix } from '../../../main/engine/tuners/composition.ts';
import { type BatchGenerateOptions, perPictureNoise } from '../quality/generate-batch.ts';

/** [B, size, size, 3] in [-1, 1]; the caller disposes it. `mix` null: the base model. */
export async function generateMixedBatch(
  model: LatentDiffusionModel,
  prompts: readonly string[],
  seeds: readonly number[],
  options: BatchGenerateOptions,
  mix: TunerMix | null,
): Promise<tf.Tensor4D> {
  if (prompts.length !== seeds.length || prompts.length === 0)
    throw new Error(
      `generateMixedBatch: ${prompts.length} prompts and ${seeds.length} seeds; need the same number, at least 1`,
    );
  const size = options.size ?? model.manifest.imageSize;
  const f = model.vaeFactor;
  const cond = model.text.encode([...prompts]);
  const uncond = model.text.emptyContext();
  let prepared: PreparedMix | null = null;
  let xT: tf.Tensor | null = null;
  try {
    prepared = mix ? prepareMix(mix) : null;
    const tuned = prepared;
    let progress = 0;
    const predict = guidedPredictor(
      (xIn, t, context) =>
        tf.tidy(() => {
          const tVec = tf.fill([xIn.shape[0]!], t) as tf.Tensor1D;
          const x = xIn as tf.Tensor4D;
          return tuned
            ? tuned.forward(model.unet, x, tVec, context as tf.Tensor3D, progress)
            : model.unet.forward(x, tVec, context as tf.Tensor3D);
        }),
      { cond, uncond, scale: options.guidance },
    );
    const sigmas = samplerSigmas(model.schedule, options.steps, {
      spacing: options.sampler === 'ddim' ? 'leading' : 'linspace',
    });
    const noise = perPictureNoise(seeds);
    xT = startSample(noise, [prompts.length, size / f, size / f, model.unet.config.inChannels], sigmas);
    const latents = await sample(
      options.sampler,
      denoiserFromPredictor(predict, model.schedule),
      xT,
      sigmas,
      {
        rng: noise,
        callback: (info) => {
          progress = (info.step + 1) / options.steps;
        },
      },
    );
    const pictures = model.vae.decodeDiffusionLatents(latents as tf.Tensor4D);
    latents.dispose();
    return pictures;
  } finally {
    xT?.dispose();
    prepared?.dispose();
    cond.dispose();
    uncond.dispose();
  }
}
