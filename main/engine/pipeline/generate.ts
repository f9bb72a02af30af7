// One text-to-image generation: encode the prompts -> sampler loop over the guided, tuner-edited
// U-Net -> VAE decode. Orchestration only; the pieces live in diffusion/, models/ and tuners/.
import * as tf from '@tensorflow/tfjs-core';
import { denoiserFromPredictor } from '../diffusion/denoiser.ts';
import { type ConditionedPredictor, guidedPredictor } from '../diffusion/guidance.ts';
import { seededNoise } from '../diffusion/noise.ts';
import { type SamplerName, sample, startSample } from '../diffusion/samplers.ts';
import { samplerSigmas } from '../diffusion/sigmas.ts';
import type { RgbaImage } from '../io/image.ts';
import { type PreparedMix, prepareMix, type TunerMix } from '../tuners/composition.ts';
import { tensorToRgba } from './images.ts';
import type { LatentDiffusionModel } from './latent-diffusion-model.ts';

export interface GenerateParams {
  prompt: string;
  negativePrompt?: string;
  seed: number;
  steps: number;
  /** Classifier-free guidance scale; 1 turns guidance off. */
  guidance: number;
  guidanceRescale?: number;
  sampler: SamplerName;
  karras?: boolean;
  width: number;
  height: number;
  /** Tuners and their condition maps; omitted = the base model. */
  mix?: TunerMix;
}

export interface GenerateProgress {
  step: number;
  steps: number;
  fraction: number;
  elapsedMs: number;
  etaMs: number;
  /** The current estimate of the final picture, when a preview was due at this step. */
  preview?: RgbaImage;
}

export interface GenerateHooks {
  onProgress?: (progress: GenerateProgress) => void | Promise<void>;
  signal?: AbortSignal;
  /** Decode a preview every N steps (0 = never). */
  previewEvery?: number;
}

export interface GenerateResult {
  image: RgbaImage;
  durationMs: number;
}

export function checkGenerateParams(model: LatentDiffusionModel, params: GenerateParams): void {
  const multiple = model.vaeFactor * model.unet.downscale;
  for (const [name, value] of [
    ['width', params.width],
    ['height', params.height],
  ] as const) {
    if (!Number.isInteger(value) || value < multiple || value % multiple !== 0) {
      throw new Error(`${name} must be a positive multiple of ${multiple} for this model, got ${value}`);
    }
  }
  if (!Number.isInteger(params.steps) || params.steps < 1 || params.steps > 1000) {
    throw new Error(`steps must be an integer from 1 to 1000, got ${params.steps}`);
  }
  if (!Number.isFinite(params.guidance) || params.guidance < 0) {
    throw new Error(`guidance must be a number >= 0, got ${params.guidance}`);
  }
}

export async function generate(
  model: LatentDiffusionModel,
  params: GenerateParams,
  hooks: GenerateHooks = {},
): Promise<GenerateResult> {
  checkGenerateParams(model, params);
  const started = performance.now();
  const cond = model.text.encode([params.prompt]);
  const uncond = params.negativePrompt
    ? model.text.encode([params.negativePrompt])
    : model.text.emptyContext();
  let mix: PreparedMix | null = null;
  let xT: tf.Tensor | null = null;
  try {
    mix = params.mix ? prepareMix(params.mix) : null;
    const steps = params.steps;
    // Condition tuners may be active for part of the run only; the hook follows the step.
    let progress = 0;
    const predict: ConditionedPredictor = (xIn, t, context) =>
      tf.tidy(() => {
        const tVec = tf.fill([xIn.shape[0]!], t) as tf.Tensor1D;
        return mix
          ? mix.forward(model.unet, xIn as tf.Tensor4D, tVec, context as tf.Tensor3D, progress)
          : model.unet.forward(xIn as tf.Tensor4D, tVec, context as tf.Tensor3D);
      });
    const guided = guidedPredictor(predict, {
      cond,
      uncond,
      scale: params.guidance,
      rescale: params.guidanceRescale ?? 0,
    });
    const denoise = denoiserFromPredictor(guided, model.schedule);
    const sigmas = samplerSigmas(model.schedule, steps, {
      karras: params.karras ?? false,
      spacing: params.sampler === 'ddim' ? 'leading' : 'linspace',
    });
    const noise = seededNoise(params.seed);
    const f = model.vaeFactor;
    xT = startSample(noise, [1, params.height / f, params.width / f, model.unet.config.inChannels], sigmas);
    const previewEvery = hooks.previewEvery ?? 0;
    const latents = await sample(params.sampler, denoise, xT, sigmas, {
      rng: noise,
      signal: hooks.signal,
      callback: async (info) => {
        progress = (info.step + 1) / steps;
        if (!hooks.onProgress) return;
        const elapsedMs = performance.now() - started;
        const done = info.step + 1;
        let preview: RgbaImage | undefined;
        if (previewEvery > 0 && done % previewEvery === 0 && done < steps) {
          const decoded = model.vae.decodeDiffusionLatents(info.denoised as tf.Tensor4D);
          preview = await tensorToRgba(decoded);
          decoded.dispose();
        }
        await hooks.onProgress({
          step: done,
          steps,
          fraction: done / steps,
          elapsedMs,
          etaMs: (elapsedMs / done) * (steps - done),
          preview,
        });
      },
    });
    const decoded = model.vae.decodeDiffusionLatents(latents as tf.Tensor4D);
    latents.dispose();
    const image = await tensorToRgba(decoded);
    decoded.dispose();
    return { image, durationMs: performance.now() - started };
  } finally {
    xT?.dispose();
    mix?.dispose();
    cond.dispose();
    uncond.dispose();
  }
}
