import { describe, expect, it } from 'vitest';
import { CONTROL_BENCH_DEFAULTS, evalSeed, parseControlBenchArgs } from '../../bench/control/options.ts';

describe('control bench options', () => {
  it('defaults to every experiment at the documented sizes', () => {
    const o = parseControlBenchArgs([]);
    expect(o.experiments).toEqual(['canny-figures', 'canny-emoji', 'depth', 'pose']);
    expect(o).toMatchObject({
      steps: CONTROL_BENCH_DEFAULTS.steps,
      batch: CONTROL_BENCH_DEFAULTS.batch,
      trainImages: CONTROL_BENCH_DEFAULTS.trainImages,
      evalImages: CONTROL_BENCH_DEFAULTS.evalImages,
      tuners: null,
      modelDir: null,
    });
    expect(o.skip.size).toBe(0);
  });

  it('reads the flags, keeps the experiments in their fixed order and drops repeats', () => {
    const o = parseControlBenchArgs([
      '--conditions',
      'pose,depth,pose',
      '--steps',
      '3',
      '--batch',
      '2',
      '--train-images',
      '8',
      '--eval-images',
      '2',
      '--tuners',
      '/tmp/t',
      '--skip',
      'region,sheets',
      '--sampler',
      'ddim',
    ]);
    expect(o.experiments).toEqual(['depth', 'pose']);
    expect(o).toMatchObject({
      steps: 3,
      batch: 2,
      trainImages: 8,
      evalImages: 2,
      tuners: '/tmp/t',
      sampler: 'ddim',
    });
    expect([...o.skip]).toEqual(['region', 'sheets']);
  });

  it('refuses bad values, naming the flag', () => {
    expect(() => parseControlBenchArgs(['--steps', '0'])).toThrow(
      /--steps must be a positive integer, got "0"/,
    );
    expect(() => parseControlBenchArgs(['--conditions', 'canny'])).toThrow(
      /--conditions: "canny" is not one of/,
    );
    expect(() => parseControlBenchArgs(['--skip', 'all'])).toThrow(/--skip: "all"/);
    expect(() => parseControlBenchArgs(['--lr', '2'])).toThrow(/--lr/);
    expect(() => parseControlBenchArgs(['--controlnet-lr', '0'])).toThrow(/--controlnet-lr must be/);
    expect(() => parseControlBenchArgs(['--sampler', 'plms'])).toThrow(/--sampler must be one of/);
    expect(() => parseControlBenchArgs(['--frobnicate'])).toThrow(/frobnicate/);
  });

  it('trains the ControlNet at its own rate, 2e-4 unless --controlnet-lr says otherwise', () => {
    expect(parseControlBenchArgs(['--lr', '3e-3'])).toMatchObject({ lr: 3e-3, controlNetLr: 2e-4 });
    expect(parseControlBenchArgs(['--lr', '3e-3', '--controlnet-lr', '1e-4'])).toMatchObject({
      lr: 3e-3,
      controlNetLr: 1e-4,
    });
  });

  it('gives each held-out index its own seed, the same for every method', () => {
    expect(evalSeed(0, 5)).toBe(5);
    expect(evalSeed(2, 5)).toBe(2_000_005);
  });
});
