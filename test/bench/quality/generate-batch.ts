// Text-to-image for a batch of prompts in one sampler loop (the bench makes a thousand pictures).
// Each picture draws its noise from its own seed's stream, in the same order generate() does, so
// picture b is the one `generate({ prompt: prompts[b], seed: seeds[b], ... })` makes, up to the
// float rounding of a larger batch.
import * as tf from '@tensorflow/tfjs-core';
import { denoiserFromPredictor } from '../../../main/engine/diffusion/denoiser.ts';
import { guidedPredictor } from '../../../main/engine/diffusion/guidance.ts';
import { type NoiseSource, seededNoise } from '../../../main/engine/diffusion/noise.ts';
import { type SamplerName, sample, startSample } from '../../../main/engine/diffusion/samplers.ts';
import { samplerSigmas } from '../../../main/engine/diffusion/sigmas.ts';
import type { LatentDiffusionModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { type PreparedMix, prepareMix, type TunerMix } from '../../../main/engine/tuners/composition.ts';

export interface BatchGenerateOptions {
  steps: number;
  guidance: number;
  sampler: SamplerName;
  /** Square picture side; default the model's native size. */
  size?: number;
}

/** A noise source over a batch: a request for B*k values takes k from each picture's own stream. */
export function perPictureNoise(seeds: readonly number[]): NoiseSource {
  const streams = seeds.map((seed) => seededNoise(seed));
  return {
    normal(count: number): Float32Array {
      if (count % streams.length !== 0)
        throw new Error(`noise request of ${count} values does not split over ${streams.length} pictures`);
      const each = count / streams.length;
      const out = new Float32Array(count);
      streams.forEach((stream, b) => {
        out.set(stream.normal(each), b * each);
      });
      return out;
    },
  };
}

/** [B, size, size, 3] in [-1, 1]; the caller disposes it. `mix`: tuners (an SC-Tuner's scale, a
 * LoRA's, condition tuners), applied through the studio's prepareMix as generate() does; omitted or
 * null, the base model. */
export async function generateBatch(
  model: LatentDiffusionModel,
  prompts: readonly string[],
  seeds: readonly number[],
  options: BatchGenerateOptions,
  mix: TunerMix | null = null,
): Promise<tf.Tensor4D> {
  if (prompts.length !== seeds.length || prompts.length === 0)
    throw new Error(
      `generateBatch: ${prompts.length} prompts and ${seeds.length} seeds; need the same number, at least 1`,
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
    // Condition tuners may be active for part of the run only; the mix follows the step.
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
