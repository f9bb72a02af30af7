import { describe, expect, it } from 'vitest';
import {
  makeSchedule,
  SD15_SCHEDULE,
  sigmaToTimestep,
  timestepToSigma,
} from '../../../../main/engine/diffusion/schedule.ts';
import { scheduleFromDiffusersConfig } from '../../../../main/engine/diffusion/scheduler-config.ts';
import { inferenceTimesteps, karrasSigmas, samplerSigmas } from '../../../../main/engine/diffusion/sigmas.ts';

describe('noise schedules', () => {
  it('matches Stable Diffusion 1.x scaled_linear, computed here independently', () => {
    const schedule = makeSchedule(SD15_SCHEDULE);
    let product = 1;
    const expected: number[] = [];
    const a = Math.sqrt(0.00085);
    const b = Math.sqrt(0.012);
    for (let i = 0; i < 1000; i++) {
      product *= 1 - (a + ((b - a) * i) / 999) ** 2;
      expected.push(product);
    }
    expect(schedule.betas[0]).toBeCloseTo(0.00085, 12);
    expect(schedule.betas[999]).toBeCloseTo(0.012, 12);
    expect(schedule.alphasCumprod[0]).toBeCloseTo(0.99915, 12);
    for (const t of [0, 1, 250, 500, 998, 999])
      expect(schedule.alphasCumprod[t]).toBeCloseTo(expected[t]!, 12);
    // The figures every SD sampler implementation prints (k-diffusion, diffusers).
    expect(schedule.alphasCumprod[999]).toBeCloseTo(0.0046601, 6);
    expect(schedule.sigmaMin).toBeCloseTo(0.0291675, 6);
    expect(schedule.sigmaMax).toBeCloseTo(14.614642, 5);
    expect(schedule.config.prediction).toBe('epsilon');
  });

  it('makes linear betas with diffusers defaults', () => {
    const schedule = makeSchedule({ betaSchedule: 'linear' });
    expect(schedule.betas[0]).toBeCloseTo(0.0001, 12);
    expect(schedule.betas[999]).toBeCloseTo(0.02, 12);
    expect(schedule.betas[500]! - schedule.betas[499]!).toBeCloseTo((0.02 - 0.0001) / 999, 12);
  });

  it('makes the cosine schedule of Nichol & Dhariwal (squaredcos_cap_v2)', () => {
    const schedule = makeSchedule({ betaSchedule: 'squaredcos_cap_v2' });
    const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [0, 100, 500, 900]) expect(schedule.alphasCumprod[t]).toBeCloseTo(f(t + 1) / f(0), 10);
    expect(schedule.betas[999]).toBe(0.999); // capped: the uncapped value would be 1
    expect(Math.max(...schedule.betas)).toBeLessThanOrEqual(0.999);
  });

  it('rescales to zero terminal SNR keeping the first step', () => {
    const plain = makeSchedule(SD15_SCHEDULE);
    const zero = makeSchedule({ ...SD15_SCHEDULE, rescaleZeroTerminalSnr: true });
    expect(zero.alphasCumprod[0]).toBeCloseTo(plain.alphasCumprod[0]!, 12);
    expect(zero.alphasCumprod[999]).toBe(2 ** -24);
    expect(zero.sigmaMax).toBeCloseTo(4096, 2);
    const r0 = Math.sqrt(plain.alphasCumprod[0]!);
    const rT = Math.sqrt(plain.alphasCumprod[999]!);
    for (const t of [1, 400, 998]) {
      const shifted = ((Math.sqrt(plain.alphasCumprod[t]!) - rT) * r0) / (r0 - rT);
      expect(Math.sqrt(zero.alphasCumprod[t]!)).toBeCloseTo(shifted, 10);
    }
  });

  it('refuses a bad config, naming the field', () => {
    expect(() => makeSchedule({ betaSchedule: 'quadratic' as 'linear' })).toThrow(
      /schedule\.betaSchedule "quadratic"/,
    );
    expect(() => makeSchedule({ betaSchedule: 'linear', betaEnd: 1.5 })).toThrow(
      /schedule\.betaEnd must lie in \(0, 1\)/,
    );
    expect(() => makeSchedule({ betaSchedule: 'linear', trainTimesteps: 1 })).toThrow(
      /schedule\.trainTimesteps/,
    );
    expect(() => makeSchedule({ betaSchedule: 'linear', prediction: 'x0' as 'epsilon' })).toThrow(
      /schedule\.prediction "x0"/,
    );
  });

  it('maps sigma to timestep by log-sigma interpolation and back', () => {
    const schedule = makeSchedule(SD15_SCHEDULE);
    for (const t of [0, 1, 37, 500, 998, 999]) expect(sigmaToTimestep(schedule, schedule.sigmas[t]!)).toBe(t);
    const between = Math.sqrt(schedule.sigmas[100]! * schedule.sigmas[101]!);
    expect(sigmaToTimestep(schedule, between)).toBeCloseTo(100.5, 10);
    expect(sigmaToTimestep(schedule, 1e-6)).toBe(0);
    expect(sigmaToTimestep(schedule, 1e6)).toBe(999);
    expect(timestepToSigma(schedule, 100.5)).toBeCloseTo(
      (schedule.sigmas[100]! + schedule.sigmas[101]!) / 2,
      12,
    );
    expect(() => timestepToSigma(schedule, 1000)).toThrow(/timestep 1000 is outside \[0, 999\]/);
  });
});

describe('inference timesteps and sigmas', () => {
  const schedule = makeSchedule(SD15_SCHEDULE);

  it('spaces timesteps as diffusers does', () => {
    const leading = inferenceTimesteps(schedule, 50, 'leading');
    expect(leading.slice(0, 3)).toEqual([981, 961, 941]);
    expect(leading[49]).toBe(1);
    const trailing = inferenceTimesteps(schedule, 50, 'trailing');
    expect(trailing.slice(0, 3)).toEqual([999, 979, 959]);
    expect(trailing[49]).toBe(19);
    // numpy rounds halves to even: 937.5 -> 938, 812.5 -> 812 (then minus one).
    expect(inferenceTimesteps(schedule, 16, 'trailing')).toEqual([
      999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61,
    ]);
    expect(inferenceTimesteps(schedule, 10, 'linspace')).toEqual([
      999, 888, 777, 666, 555, 444, 333, 222, 111, 0,
    ]);
    expect(inferenceTimesteps(schedule, 4, 'linspace')).toEqual([999, 666, 333, 0]);
    expect(() => inferenceTimesteps(schedule, 0, 'leading')).toThrow(
      /steps must be an integer from 1 to 1000/,
    );
    expect(() => inferenceTimesteps(schedule, 5, 'middle' as 'leading')).toThrow(/spacing "middle"/);
  });

  it('gives steps + 1 decreasing sigmas ending in 0', () => {
    for (const spacing of ['linspace', 'leading', 'trailing'] as const)
      for (const karras of [false, true]) {
        const sigmas = samplerSigmas(schedule, 20, { spacing, karras });
        expect(sigmas).toHaveLength(21);
        expect(sigmas[20]).toBe(0);
        for (let i = 1; i < 20; i++) expect(sigmas[i]!).toBeLessThan(sigmas[i - 1]!);
      }
    const linspace = samplerSigmas(schedule, 10);
    expect(linspace[0]).toBeCloseTo(schedule.sigmaMax, 12);
    expect(linspace[9]).toBeCloseTo(schedule.sigmaMin, 12);
    expect(linspace[1]).toBeCloseTo(schedule.sigmas[888]!, 12);
    const leading = samplerSigmas(schedule, 10, { spacing: 'leading' });
    expect(leading[0]).toBeCloseTo(schedule.sigmas[901]!, 12);
  });

  it('spaces Karras sigmas evenly in sigma^(1/rho) between the ends', () => {
    const sigmas = samplerSigmas(schedule, 12, { karras: true });
    expect(sigmas[0]).toBeCloseTo(schedule.sigmaMax, 10);
    expect(sigmas[11]).toBeCloseTo(schedule.sigmaMin, 10);
    const roots = sigmas.slice(0, 12).map((s) => s ** (1 / 7));
    const step = roots[1]! - roots[0]!;
    for (let i = 2; i < 12; i++) expect(roots[i]! - roots[i - 1]!).toBeCloseTo(step, 10);
    const linear = karrasSigmas(0.1, 10, 3, 1);
    [10, 5.05, 0.1].forEach((v, i) => {
      expect(linear[i]).toBeCloseTo(v, 12);
    });
  });
});

describe('diffusers scheduler_config.json', () => {
  it('reads Stable Diffusion 1.5 and 2.1-v configs into the same schedules', () => {
    const sd15 = scheduleFromDiffusersConfig(
      {
        _class_name: 'PNDMScheduler',
        beta_end: 0.012,
        beta_schedule: 'scaled_linear',
        beta_start: 0.00085,
        num_train_timesteps: 1000,
        set_alpha_to_one: false,
        skip_prk_steps: true,
        steps_offset: 1,
        trained_betas: null,
        clip_sample: false,
      },
      'sd15/scheduler_config.json',
    );
    expect(sd15).toEqual({ schedule: { ...SD15_SCHEDULE, prediction: undefined } });
    expect(makeSchedule(sd15.schedule).sigmaMax).toBeCloseTo(makeSchedule(SD15_SCHEDULE).sigmaMax, 12);
    const v = scheduleFromDiffusersConfig(
      {
        beta_schedule: 'scaled_linear',
        prediction_type: 'v_prediction',
        rescale_betas_zero_snr: true,
        timestep_spacing: 'trailing',
      },
      'v.json',
    );
    expect(v.schedule).toMatchObject({ prediction: 'v_prediction', rescaleZeroTerminalSnr: true });
    expect(v.spacing).toBe('trailing');
  });

  it('names the file and the field it cannot use', () => {
    expect(() => scheduleFromDiffusersConfig({ beta_schedule: 'sigmoid' }, 'x.json')).toThrow(
      /x\.json: "beta_schedule" is "sigmoid"; supported: linear, scaled_linear, squaredcos_cap_v2/,
    );
    expect(() => scheduleFromDiffusersConfig({ trained_betas: [0.1, 0.2] }, 'x.json')).toThrow(
      /x\.json: "trained_betas"/,
    );
    expect(() => scheduleFromDiffusersConfig({ beta_start: '0.1' }, 'x.json')).toThrow(
      /"beta_start" must be a number/,
    );
    expect(() => scheduleFromDiffusersConfig([], 'x.json')).toThrow(/x\.json: is not a JSON object/);
  });
});
