// One base suite run against every sampler, driven by the exact denoiser of Gaussian data.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { denoiserFromPredictor, type NoisePredictor } from '../../../../main/engine/diffusion/denoiser.ts';
import { type ConditionedPredictor, guidedPredictor } from '../../../../main/engine/diffusion/guidance.ts';
import { type NoiseSource, seededNoise } from '../../../../main/engine/diffusion/noise.ts';
import { parseSamplerLabel, samplerLabel } from '../../../../main/engine/diffusion/sampler-labels.ts';
import {
  SAMPLER_NAMES,
  type SampleOptions,
  type SamplerName,
  sample,
  startSample,
} from '../../../../main/engine/diffusion/samplers.ts';
import {
  makeSchedule,
  type NoiseSchedule,
  type ScheduleConfig,
  SD15_SCHEDULE,
} from '../../../../main/engine/diffusion/schedule.ts';
import { karrasSigmas, samplerSigmas } from '../../../../main/engine/diffusion/sigmas.ts';
import { channelStats, exactDenoiser, type GaussianData, noisedSamples } from './gaussian.ts';

const data: GaussianData = { mu: [0.5, -1, 2, 0], s: [0.5, 1, 0.25, 1.5] };
const sd = makeSchedule(SD15_SCHEDULE);

interface Case {
  label: string;
  name: SamplerName;
  options: SampleOptions;
  /** Steps (Karras sigmas) at which the first-order error is within the tolerance. */
  steps: number;
  stochastic: boolean;
}

const CASES: Case[] = [
  { label: 'ddim', name: 'ddim', options: {}, steps: 100, stochastic: false },
  { label: 'ddim eta=1', name: 'ddim', options: { eta: 1 }, steps: 200, stochastic: true },
  { label: 'euler', name: 'euler', options: {}, steps: 100, stochastic: false },
  { label: 'euler_a', name: 'euler_a', options: {}, steps: 200, stochastic: true },
  { label: 'dpmpp_2m', name: 'dpmpp_2m', options: {}, steps: 30, stochastic: false },
];

/** The sigma of a fractional timestep, interpolating log sigma (the inverse of sigmaToTimestep). */
function sigmaAt(schedule: NoiseSchedule, t: number): number {
  const lo = Math.min(Math.floor(t), schedule.sigmas.length - 2);
  const w = t - lo;
  return Math.exp(schedule.logSigmas[lo]! * (1 - w) + schedule.logSigmas[lo + 1]! * w);
}

/** The exact epsilon- or v-prediction network for the Gaussian data, as a trained one would be. */
function exactNetwork(schedule: NoiseSchedule, gaussian: GaussianData): NoisePredictor {
  const denoise = exactDenoiser(gaussian);
  return (xIn, t) =>
    tf.tidy(() => {
      const sigma = sigmaAt(schedule, t);
      const x = tf.mul(xIn, Math.sqrt(1 + sigma * sigma));
      const x0 = denoise(x, sigma);
      const eps = tf.div(tf.sub(x, x0), sigma);
      if (schedule.config.prediction === 'epsilon') return eps;
      const alpha = 1 / Math.sqrt(1 + sigma * sigma);
      return tf.sub(tf.mul(eps, alpha), tf.mul(x0, sigma * alpha));
    });
}

/**
 * Every sampler's last step, from the smallest sigma to 0, returns the denoiser's estimate, which
 * for x ~ N(mu, s^2 + sigma^2) has std s^2 / sqrt(s^2 + sigma^2): a hair under s at SD's
 * sigma_min, clearly under it when 'trailing' spacing stops at a larger sigma.
 */
function expectOnDistribution(
  out: tf.Tensor,
  gaussian: GaussianData,
  sigmas: number[],
  stdTolerance: number,
) {
  const { mean, std } = channelStats(out);
  const perChannel = out.size / gaussian.mu.length;
  const lastSigma = sigmas[sigmas.length - 2]!;
  gaussian.mu.forEach((mu, c) => {
    const s = gaussian.s[c]!;
    const expectedStd = (s * s) / Math.sqrt(s * s + lastSigma * lastSigma);
    expect(Math.abs(mean[c]! - mu), `channel ${c} mean`).toBeLessThan((5 * s) / Math.sqrt(perChannel));
    expect(Math.abs(std[c]! / expectedStd - 1), `channel ${c} std ${std[c]} vs ${expectedStd}`).toBeLessThan(
      stdTolerance,
    );
  });
}

beforeAll(async () => {
  await initBackend();
});

describe.each(CASES)('sampler $label', ({ name, options, steps, stochastic }) => {
  it('lands on the data distribution N(mu, s^2) with the exact denoiser', async () => {
    const sigmas = samplerSigmas(sd, steps, { karras: true });
    const xT = noisedSamples(data, [64, 8, 8, 4], sigmas[0]!, 1);
    const out = await sample(name, exactDenoiser(data), xT, sigmas, { ...options, rng: seededNoise(2) });
    expect(out.shape).toEqual([64, 8, 8, 4]);
    expectOnDistribution(out, data, sigmas, 0.05);
    tf.dispose([xT, out]);
  });

  it('gives bit-identical results for the same seed', async () => {
    const sigmas = samplerSigmas(sd, 8);
    const run = async (seed: number) => {
      const noise = seededNoise(seed);
      const xT = startSample(noise, [2, 4, 4, 4], sigmas);
      const out = await sample(name, exactDenoiser(data), xT, sigmas, { ...options, rng: noise });
      const values = out.dataSync().slice();
      tf.dispose([xT, out]);
      return Buffer.from(values.buffer);
    };
    const first = await run(1234);
    expect(first.equals(await run(1234))).toBe(true);
    expect(first.equals(await run(1235))).toBe(false);
    if (stochastic) {
      // The same start with other step noise must differ too: the noise really enters.
      const xT = startSample(seededNoise(1), [2, 4, 4, 4], sigmas);
      const a = await sample(name, exactDenoiser(data), xT, sigmas, { ...options, rng: seededNoise(5) });
      const b = await sample(name, exactDenoiser(data), xT, sigmas, { ...options, rng: seededNoise(6) });
      expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
      tf.dispose([xT, a, b]);
    }
  });

  it('reports every step and leaves no tensor behind', async () => {
    const sigmas = samplerSigmas(sd, 6);
    const xT = startSample(seededNoise(3), [1, 4, 4, 4], sigmas);
    const seen: number[] = [];
    const denoise = exactDenoiser(data);
    const run = () =>
      sample(name, denoise, xT, sigmas, {
        ...options,
        rng: seededNoise(4),
        callback: ({ step, steps: total, sigma, sigmaNext, x, denoised }) => {
          expect(total).toBe(6);
          expect(sigma).toBe(sigmas[step]);
          expect(sigmaNext).toBe(sigmas[step + 1]);
          expect(x.shape).toEqual([1, 4, 4, 4]);
          expect(denoised.dataSync().length).toBe(64);
          seen.push(step);
        },
      });
    (await run()).dispose();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) (await run()).dispose();
    expect(tf.memory().numTensors).toBe(before);
    xT.dispose();
  });

  it('stops when aborted, rejecting with the reason and freeing its tensors', async () => {
    const sigmas = samplerSigmas(sd, 10);
    const xT = startSample(seededNoise(3), [1, 4, 4, 4], sigmas);
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let calls = 0;
    const run = sample(name, exactDenoiser(data), xT, sigmas, {
      ...options,
      rng: seededNoise(4),
      signal: controller.signal,
      callback: ({ step }) => {
        calls++;
        if (step === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    const already = AbortSignal.abort(new Error('cancelled by the user'));
    await expect(
      sample(name, exactDenoiser(data), xT, sigmas, { ...options, signal: already }),
    ).rejects.toThrow('cancelled by the user');
    expect(tf.memory().numTensors).toBe(before);
    xT.dispose();
  });
});

describe('sampler details', () => {
  it('are second order for dpmpp_2m and first order for euler (ODE error halving the step)', async () => {
    // x_T - mu = 1: the exact probability-flow solution scales it by sqrt(s^2 + sigma^2) / sqrt(s^2 + sigma_T^2).
    const { sigmaMin, sigmaMax } = sd;
    const s = data.s;
    const exact = s.map((v) => (v * v) / Math.sqrt(v * v + sigmaMin ** 2) / Math.sqrt(v * v + sigmaMax ** 2));
    const error = async (name: SamplerName, steps: number) => {
      const x = tf.ones([1, 1, 1, 4]);
      const out = await sample(name, exactDenoiser({ mu: [0, 0, 0, 0], s }), x, [
        ...karrasSigmas(sigmaMin, sigmaMax, steps),
        0,
      ]);
      const values = out.dataSync();
      tf.dispose([x, out]);
      return Math.max(...exact.map((e, i) => Math.abs(values[i]! - e) / e));
    };
    for (const [name, low, high] of [
      ['euler', 0.4, 0.6],
      ['dpmpp_2m', 0.15, 0.33],
    ] as const) {
      const coarse = await error(name, 16);
      const fine = await error(name, 32);
      expect(fine / coarse, name).toBeGreaterThan(low);
      expect(fine / coarse, name).toBeLessThan(high);
    }
  });

  it('takes the DDIM step of Song et al. in the variance-preserving form, eta 0 and 1', async () => {
    const schedule = makeSchedule(SD15_SCHEDULE);
    const sigmas = samplerSigmas(schedule, 10, { spacing: 'leading' });
    const timesteps = [901, 801, 701, 601, 501, 401, 301, 201, 101, 1];
    const gaussian: GaussianData = { mu: [0.3, -0.2], s: [0.7, 1.2] };
    const exact = (x: number, sigma: number, c: number) =>
      gaussian.mu[c]! + (gaussian.s[c]! ** 2 / (gaussian.s[c]! ** 2 + sigma ** 2)) * (x - gaussian.mu[c]!);
    for (const eta of [0, 1]) {
      const drawn: Float32Array[] = [];
      const source = seededNoise(8);
      const recording: NoiseSource = {
        normal: (n) => {
          const v = source.normal(n);
          drawn.push(v.slice());
          return v;
        },
      };
      const start = [1.7, -0.4, 0.2, 2.5];
      const xT = tf.tensor(
        start.map((v) => v * sigmas[0]!),
        [1, 1, 2, 2],
      );
      const out = await sample(
        'ddim',
        denoiserFromPredictor(exactNetwork(schedule, gaussian), schedule),
        xT,
        sigmas,
        {
          eta,
          rng: recording,
        },
      );
      // diffusers' DDIMScheduler.step on x_t = sqrt(abar) * x, with set_alpha_to_one.
      let xt = start.map((v) => v * sigmas[0]! * Math.sqrt(schedule.alphasCumprod[901]!));
      timesteps.forEach((t, i) => {
        const a = schedule.alphasCumprod[t]!;
        const aPrev = i + 1 < timesteps.length ? schedule.alphasCumprod[timesteps[i + 1]!]! : 1;
        const sigma = Math.sqrt((1 - a) / a);
        const std = eta * Math.sqrt(((1 - aPrev) / (1 - a)) * (1 - a / aPrev));
        xt = xt.map((v, k) => {
          const x0 = exact(v / Math.sqrt(a), sigma, k % 2);
          const eps = (v - Math.sqrt(a) * x0) / Math.sqrt(1 - a);
          const noise = std > 0 ? drawn[i]![k]! : 0;
          return Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev - std * std) * eps + std * noise;
        });
      });
      const got = Array.from(out.dataSync());
      xt.forEach((v, k) => {
        expect(got[k]).toBeCloseTo(v, 4);
      });
      expect(drawn.length).toBe(eta === 0 ? 0 : timesteps.length - 1);
      tf.dispose([xT, out]);
    }
  });

  it('takes the DPM-Solver++(2M) steps of Lu et al. in the variance-preserving form', async () => {
    // Written from the paper (lambda = log(alpha / sigma), data prediction, second order with the
    // previous estimate, first order at the first and the last step), on SD's uneven linspace.
    const sigmas = samplerSigmas(sd, 12);
    const gaussian: GaussianData = { mu: [0.3], s: [0.6] };
    const exact = (x: number, sigma: number) => 0.3 + (0.36 / (0.36 + sigma * sigma)) * (x - 0.3);
    const start = [2.1 * sigmas[0]!, -0.8 * sigmas[0]!];
    const xT = tf.tensor(start, [2, 1, 1, 1]);
    const out = await sample('dpmpp_2m', exactDenoiser(gaussian), xT, sigmas);
    const vp = (sigma: number) => ({
      alpha: 1 / Math.sqrt(1 + sigma * sigma),
      sigma: sigma / Math.sqrt(1 + sigma * sigma),
    });
    const want = start.map((x0) => {
      let x = x0 * vp(sigmas[0]!).alpha;
      let previous: number | null = null;
      let hPrevious = 0;
      for (let i = 0; i + 1 < sigmas.length; i++) {
        const s = vp(sigmas[i]!);
        const m = exact(x / s.alpha, sigmas[i]!);
        const next = sigmas[i + 1]!;
        if (next === 0) {
          x = m; // alpha = 1, sigma = 0: the data estimate itself
          break;
        }
        const t = vp(next);
        const h = Math.log(t.alpha / t.sigma) - Math.log(s.alpha / s.sigma);
        const d = previous === null ? m : m + (h / hPrevious / 2) * (m - previous);
        x = (t.sigma / s.sigma) * x - t.alpha * Math.expm1(-h) * d;
        previous = m;
        hPrevious = h;
      }
      return x;
    });
    const got = Array.from(out.dataSync());
    want.forEach((v, k) => {
      expect(got[k]).toBeCloseTo(v, 5);
    });
    tf.dispose([xT, out]);
  });

  it('turns exact epsilon and v networks into the exact denoiser', () => {
    for (const prediction of ['epsilon', 'v_prediction'] as const) {
      const schedule = makeSchedule({ ...SD15_SCHEDULE, prediction });
      const denoise = denoiserFromPredictor(exactNetwork(schedule, data), schedule);
      const reference = exactDenoiser(data);
      for (const sigma of [schedule.sigmas[999]!, 3.3, schedule.sigmas[10]!]) {
        const x = noisedSamples(data, [2, 3, 3, 4], sigma, 7);
        const got = denoise(x, sigma);
        const want = reference(x, sigma);
        const diff = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!;
        expect(diff, `${prediction} at sigma ${sigma}`).toBeLessThan(1e-4 * Math.max(1, sigma));
        tf.dispose([x, got, want]);
      }
    }
  });

  it('samples a zero-terminal-SNR v-prediction model from pure noise with trailing timesteps', async () => {
    const config: ScheduleConfig = {
      ...SD15_SCHEDULE,
      prediction: 'v_prediction',
      rescaleZeroTerminalSnr: true,
    };
    const schedule = makeSchedule(config);
    const sigmas = samplerSigmas(schedule, 40, { spacing: 'trailing' });
    expect(sigmas[0]).toBeCloseTo(4096, 0);
    const noise = seededNoise(21);
    const xT = startSample(noise, [64, 8, 8, 4], sigmas);
    const denoise = denoiserFromPredictor(exactNetwork(schedule, data), schedule);
    const out = await sample('dpmpp_2m', denoise, xT, sigmas);
    expect(sigmas[39]).toBeGreaterThan(0.1); // trailing stops at t = 24: its std shrink is expected
    expectOnDistribution(out, data, sigmas, 0.05);
    tf.dispose([xT, out]);
  });

  it('runs the guided pipeline stack ten times without growing the tensor count', async () => {
    const cond = tf.fill([1, 3, 8], 1);
    const uncond = tf.zeros([1, 3, 8]);
    // A conditioned network: the exact network for data shifted by the context's mean.
    const base = exactNetwork(sd, data);
    const network: ConditionedPredictor = (xIn, t, context) =>
      tf.tidy(() => tf.add(base(xIn, t), tf.reshape(tf.mean(context, [1, 2]), [-1, 1, 1, 1])));
    const denoise = denoiserFromPredictor(
      guidedPredictor(network, { cond, uncond, scale: 7.5, rescale: 0.7 }),
      sd,
    );
    const sigmas = samplerSigmas(sd, 5, { karras: true });
    const generate = async (seed: number) => {
      const noise = seededNoise(seed);
      const xT = startSample(noise, [2, 4, 4, 4], sigmas);
      const out = await sample('euler_a', denoise, xT, sigmas, { rng: noise });
      tf.dispose([xT, out]);
    };
    await generate(0);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) await generate(i);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([cond, uncond]);
  });

  it('refuses bad input with a message that says what is wrong', async () => {
    const x = tf.zeros([1, 2, 2, 1]);
    const denoise = exactDenoiser({ mu: [0], s: [1] });
    await expect(sample('euler', denoise, x, [1, 2, 0])).rejects.toThrow(
      /sigmas must decrease; sigmas\[1\] = 2/,
    );
    await expect(sample('euler', denoise, x, [1, 0, 0])).rejects.toThrow(/only the last sigma may be 0/);
    await expect(sample('euler', denoise, x, [1, Number.NaN, 0])).rejects.toThrow(/sigmas\[1\] is NaN/);
    await expect(sample('euler_a', denoise, x, [2, 1, 0])).rejects.toThrow(
      /euler_a adds noise .* needs options\.rng/,
    );
    await expect(sample('ddim', denoise, x, [2, 1, 0], { eta: -1 })).rejects.toThrow(
      /eta must be a finite number >= 0/,
    );
    await expect(sample('heun' as SamplerName, denoise, x, [2, 1, 0])).rejects.toThrow(
      /unknown sampler "heun"/,
    );
    const same = await sample('euler', denoise, x, [3]);
    expect(Array.from(same.dataSync())).toEqual([0, 0, 0, 0]);
    tf.dispose([x, same]);
  });

  it('names samplers as the popular web UI writes them in PNG recipes', () => {
    expect(samplerLabel('dpmpp_2m', true)).toBe('DPM++ 2M Karras');
    expect(samplerLabel('euler_a', false)).toBe('Euler a');
    for (const name of SAMPLER_NAMES)
      for (const karras of [false, true])
        expect(parseSamplerLabel(samplerLabel(name, karras))).toEqual({ name, karras });
    expect(parseSamplerLabel('DPM++ SDE')).toBeNull();
  });
});
