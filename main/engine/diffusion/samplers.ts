// Samplers in k-diffusion's style: each is a small function over a denoiser, the start sample,
// the sigma list, and options (per-step callback, abort signal, seeded noise). How a generation
// uses this folder:
//
//   const schedule = makeSchedule(SD15_SCHEDULE);                        // schedule.ts
//   const sigmas = samplerSigmas(schedule, 20, { karras: true });        // sigmas.ts
//   const predict = guidedPredictor((x, t, ctx) => unet(x, t, ctx), { cond, uncond, scale: 7.5 });
//   const denoise = denoiserFromPredictor(predict, schedule);           // denoiser.ts, guidance.ts
//   const noise = seededNoise(seed);                                    // noise.ts
//   const xT = startSample(noise, [1, 64, 64, 4], sigmas);
//   const latents = await sample('dpmpp_2m', denoise, xT, sigmas, { rng: noise, signal, callback });
//   xT.dispose();  // then latents -> VAE decode, and latents.dispose()
//
// Ownership: `sample` never disposes `xT`; it returns a new tensor the caller disposes. Tensors
// handed to the callback live only until it returns (or its promise settles). An abort rejects
// with the signal's reason after freeing every tensor of the loop.
//
// DDIM here is DDIM written in sigma space (x = x_t / sqrt(alphas_cumprod)): its update with eta
// is exactly the ancestral step, so DDIM with eta = 0 equals Euler on the same sigmas, and with
// eta = 1 equals Euler ancestral. What makes "DDIM" in other tools differ is its timesteps:
// diffusers' DDIM uses 'leading' spacing — ask samplerSigmas for it. The last step goes to
// sigma 0 (diffusers' set_alpha_to_one = true).
import * as tf from '@tensorflow/tfjs-core';
import type { Denoiser } from './denoiser.ts';
import type { NoiseSource } from './noise.ts';

export const SAMPLER_NAMES = ['ddim', 'euler', 'euler_a', 'dpmpp_2m'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface StepInfo {
  /** 0-based index of the step just taken. */
  step: number;
  steps: number;
  sigma: number;
  sigmaNext: number;
  /** The sample after this step. */
  x: tf.Tensor;
  /** The denoiser's estimate of the clean sample at this step (what previews show). */
  denoised: tf.Tensor;
}

export interface SampleOptions {
  callback?: (info: StepInfo) => void | Promise<void>;
  signal?: AbortSignal;
  /** Needed whenever a step adds noise (euler_a; ddim with eta > 0). */
  rng?: NoiseSource;
  /** Stochasticity of ancestral steps: default 0 for ddim, 1 for euler_a. */
  eta?: number;
}

export type Sampler = (
  denoise: Denoiser,
  xT: tf.Tensor,
  sigmas: readonly number[],
  options?: SampleOptions,
) => Promise<tf.Tensor>;

/** Computes the next sample from the current one and the denoiser's estimate (inside a tidy). */
type Update = (x: tf.Tensor, denoised: tf.Tensor, step: number) => tf.Tensor;

function checkSigmas(sigmas: readonly number[]): void {
  if (sigmas.length < 1) throw new Error('sigmas is empty; expected at least the starting sigma');
  for (let i = 0; i < sigmas.length; i++) {
    const s = sigmas[i]!;
    if (!(s >= 0) || !Number.isFinite(s))
      throw new Error(`sigmas[${i}] is ${s}; expected a finite sigma >= 0`);
    if (i > 0 && s >= sigmas[i - 1]! && s !== 0)
      throw new Error(`sigmas must decrease; sigmas[${i}] = ${s} follows ${sigmas[i - 1]}`);
  }
  if (sigmas.slice(0, -1).includes(0)) throw new Error('only the last sigma may be 0');
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function iterate(
  denoise: Denoiser,
  xT: tf.Tensor,
  sigmas: readonly number[],
  options: SampleOptions,
  update: Update,
): Promise<tf.Tensor> {
  checkSigmas(sigmas);
  const steps = sigmas.length - 1;
  let x = tf.clone(xT);
  try {
    for (let i = 0; i < steps; i++) {
      options.signal?.throwIfAborted();
      const current = x;
      const next = tf.tidy(() => {
        const denoised = denoise(current, sigmas[i]!);
        return { x: update(current, denoised, i), denoised };
      });
      x = next.x;
      if (x !== current) current.dispose();
      try {
        await options.callback?.({
          step: i,
          steps,
          sigma: sigmas[i]!,
          sigmaNext: sigmas[i + 1]!,
          x,
          denoised: next.denoised,
        });
      } finally {
        if (next.denoised !== x) next.denoised.dispose();
      }
      // Lets a cancel request (a message, a timer) reach the signal between steps.
      await yieldToEventLoop();
    }
    options.signal?.throwIfAborted();
    return x;
  } catch (err) {
    x.dispose();
    throw err;
  }
}

/** Noise to add after a step, drawn from `rng`, shaped like `like`. */
function drawNoise(rng: NoiseSource | undefined, like: tf.Tensor, sampler: string): tf.Tensor {
  if (!rng)
    throw new Error(`${sampler} adds noise at each step and needs options.rng (a seeded noise source)`);
  return tf.tensor(rng.normal(like.size), like.shape, 'float32');
}

/**
 * Splits a step from sigma to sigmaNext into a deterministic part down to sigmaDown and fresh
 * noise of std sigmaUp (sigmaDown^2 + sigmaUp^2 = sigmaNext^2); eta = 0 adds no noise.
 */
export function ancestralStep(sigma: number, sigmaNext: number, eta: number): { down: number; up: number } {
  if (sigmaNext === 0 || eta === 0) return { down: sigmaNext, up: 0 };
  const up = Math.min(
    sigmaNext,
    eta * Math.sqrt((sigmaNext ** 2 * (sigma ** 2 - sigmaNext ** 2)) / sigma ** 2),
  );
  return { down: Math.sqrt(sigmaNext ** 2 - up ** 2), up };
}

function checkEta(eta: number): number {
  if (!(eta >= 0 && Number.isFinite(eta))) throw new Error(`eta must be a finite number >= 0, not ${eta}`);
  return eta;
}

function ancestralSampler(name: string, defaultEta: number): Sampler {
  return async (denoise, xT, sigmas, options = {}) => {
    const eta = checkEta(options.eta ?? defaultEta);
    return iterate(denoise, xT, sigmas, options, (x, denoised, i) => {
      const sigma = sigmas[i]!;
      const { down, up } = ancestralStep(sigma, sigmas[i + 1]!, eta);
      // x + (x - D) / sigma * (down - sigma), written so that down = 0 gives D exactly.
      const stepped = tf.add(denoised, tf.mul(tf.sub(x, denoised), down / sigma));
      return up > 0 ? tf.add(stepped, tf.mul(drawNoise(options.rng, x, name), up)) : stepped;
    });
  };
}

/** DDIM (Song et al. 2021) in sigma space; eta 0 (default) is deterministic. */
export const ddim: Sampler = ancestralSampler('ddim', 0);

/** Euler ancestral: a deterministic step to sigmaDown, then fresh noise up to sigmaNext. */
export const eulerAncestral: Sampler = ancestralSampler('euler_a', 1);

/** Euler's method on the probability-flow ODE dx/dsigma = (x - D(x, sigma)) / sigma. */
export const euler: Sampler = (denoise, xT, sigmas, options = {}) =>
  iterate(denoise, xT, sigmas, options, (x, denoised, i) => {
    const ratio = sigmas[i + 1]! / sigmas[i]!;
    return tf.add(denoised, tf.mul(tf.sub(x, denoised), ratio));
  });

/**
 * DPM-Solver++(2M) (Lu et al. 2022): second-order multistep in log-sigma time, reusing the
 * previous step's estimate. The first and the last step (to sigma 0) are first order.
 */
export const dpmpp2m: Sampler = async (denoise, xT, sigmas, options = {}) => {
  let previous: tf.Tensor | null = null;
  try {
    return await iterate(denoise, xT, sigmas, options, (x, denoised, i) => {
      const sigma = sigmas[i]!;
      const sigmaNext = sigmas[i + 1]!;
      let estimate = denoised;
      if (previous && sigmaNext > 0) {
        const h = Math.log(sigma / sigmaNext);
        const hLast = Math.log(sigmas[i - 1]! / sigma);
        const k = 1 / (2 * (hLast / h));
        estimate = tf.sub(tf.mul(denoised, 1 + k), tf.mul(previous, k));
      }
      previous?.dispose();
      previous = tf.keep(tf.clone(denoised));
      // x_next = (sigmaNext / sigma) x + (1 - sigmaNext / sigma) D', i.e. -expm1(-h) = 1 - ratio.
      const ratio = sigmaNext / sigma;
      return tf.add(tf.mul(x, ratio), tf.mul(estimate, 1 - ratio));
    });
  } finally {
    (previous as tf.Tensor | null)?.dispose();
  }
};

export const SAMPLERS: Record<SamplerName, Sampler> = {
  ddim,
  euler,
  euler_a: eulerAncestral,
  dpmpp_2m: dpmpp2m,
};

export function isSamplerName(value: string): value is SamplerName {
  return (SAMPLER_NAMES as readonly string[]).includes(value);
}

/** Runs the named sampler from xT down the sigma list; resolves to the final sample. */
export async function sample(
  name: SamplerName,
  denoise: Denoiser,
  xT: tf.Tensor,
  sigmas: readonly number[],
  options: SampleOptions = {},
): Promise<tf.Tensor> {
  if (!isSamplerName(name))
    throw new Error(`unknown sampler "${name}"; use one of ${SAMPLER_NAMES.join(', ')}`);
  return SAMPLERS[name](denoise, xT, sigmas, options);
}

/**
 * The starting sample: unit noise scaled to the marginal std at sigmas[0] for data of unit
 * variance, sqrt(sigma^2 + 1) (diffusers' init_noise_sigma; k-diffusion uses sigma, which
 * differs by well under 1% at SD's sigma_max of 14.6).
 */
export function startSample(
  rng: NoiseSource,
  shape: readonly number[],
  sigmas: readonly number[],
): tf.Tensor {
  const sigma = sigmas[0];
  if (sigma === undefined) throw new Error('sigmas is empty; expected at least the starting sigma');
  const count = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() =>
    tf.mul(tf.tensor(rng.normal(count), [...shape], 'float32'), Math.sqrt(sigma * sigma + 1)),
  );
}
