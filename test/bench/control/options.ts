// The control benchmark's command line: `npm run bench -- control [options]`. Defaults follow what
// made condition tuners learn their maps at all on the embedded model (2026-11-26): 200 steps at
// lr 1e-4 changed the pictures by ~2 of 255 levels, for the CSC-Tuner and the ControlNet alike; lr
// 2e-3 with half the captions dropped and He-initialised hint encoders began to follow the map by
// 800 steps. Cost at these defaults on 2 idle CPU cores (wasm, one thread, batch 8): a CSC-Tuner
// step ~0.55 s and a ControlNet step ~1.0 s, so 4 x 800 x 1.55 s ≈ 83 min of training, about 190
// pictures ≈ 10 min, caching ≈ 3 min: ~1.6 h in all; `--conditions depth,pose` runs a subset.
import { parseArgs } from 'node:util';
import { SAMPLER_NAMES, type SamplerName } from '../../../main/engine/diffusion/samplers.ts';

export const EXPERIMENT_NAMES = ['canny-figures', 'canny-emoji', 'depth', 'pose'] as const;
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];
export const SKIPPABLE_PARTS = ['composition', 'region', 'sheets'] as const;
export type SkippablePart = (typeof SKIPPABLE_PARTS)[number];

export interface ControlBenchOptions {
  experiments: ExperimentName[];
  /** Optimiser steps per training run (the same for the CSC-Tuner and the ControlNet). */
  steps: number;
  batch: number;
  lr: number;
  /**
   * The ControlNet's own rate. Each method trains at a rate it learns at: a ControlNet is a
   * trainable copy of the encoder, and at the CSC-Tuner's 2e-3 the pose one diverged on embedded
   * model v2 (final loss 0.99, pictures noise); at 2e-4 it trained stably (0.07) and followed poses.
   */
  controlNetLr: number;
  /** The share of training samples with the empty prompt, so the map, not the caption, is learned. */
  captionDropout: number;
  /** Training pictures per condition (a seeded subset of the dataset's train split). */
  trainImages: number;
  /** Held-out conditions generated from per condition and method. */
  evalImages: number;
  seed: number;
  genSteps: number;
  guidance: number;
  sampler: SamplerName;
  /**
   * A folder of tuner files to reuse (those missing are trained and saved there); null: train all.
   * A file the bench trained is reused only when its record names these settings and base model.
   */
  tuners: string | null;
  modelDir: string | null;
  /** An SC-Tuner file (style) added to the composition experiment's depth + pose generation. */
  styleTuner: string | null;
  skip: Set<SkippablePart>;
}

export const CONTROL_BENCH_DEFAULTS = {
  steps: 800,
  batch: 8,
  lr: 2e-3,
  controlNetLr: 2e-4,
  captionDropout: 0.5,
  trainImages: 512,
  evalImages: 16,
  seed: 0,
  genSteps: 20,
  guidance: 4,
  sampler: 'euler' as SamplerName,
} as const;

export class BenchUsageError extends Error {}

function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new BenchUsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

function list<T extends string>(value: string, allowed: readonly T[], flag: string): T[] {
  const parts = value.split(',').filter((s) => s !== '');
  for (const p of parts)
    if (!(allowed as readonly string[]).includes(p))
      throw new BenchUsageError(`${flag}: "${p}" is not one of ${allowed.join(', ')}`);
  return [...new Set(parts)] as T[];
}

export function parseControlBenchArgs(args: string[]): ControlBenchOptions {
  const d = CONTROL_BENCH_DEFAULTS;
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        conditions: { type: 'string', default: EXPERIMENT_NAMES.join(',') },
        steps: { type: 'string', default: String(d.steps) },
        batch: { type: 'string', default: String(d.batch) },
        lr: { type: 'string', default: String(d.lr) },
        'controlnet-lr': { type: 'string', default: String(d.controlNetLr) },
        'caption-dropout': { type: 'string', default: String(d.captionDropout) },
        'train-images': { type: 'string', default: String(d.trainImages) },
        'eval-images': { type: 'string', default: String(d.evalImages) },
        seed: { type: 'string', default: String(d.seed) },
        'gen-steps': { type: 'string', default: String(d.genSteps) },
        guidance: { type: 'string', default: String(d.guidance) },
        sampler: { type: 'string', default: d.sampler },
        tuners: { type: 'string' },
        'model-dir': { type: 'string' },
        'style-tuner': { type: 'string' },
        skip: { type: 'string', default: '' },
      },
    }));
  } catch (err) {
    throw new BenchUsageError((err as Error).message);
  }
  const experiments = list(values.conditions!, EXPERIMENT_NAMES, '--conditions');
  if (experiments.length === 0) throw new BenchUsageError('--conditions: name at least one');
  const lr = Number(values.lr);
  if (!(lr > 0 && lr < 1)) throw new BenchUsageError(`--lr must be a number in (0, 1), got "${values.lr}"`);
  const controlNetLr = Number(values['controlnet-lr']);
  if (!(controlNetLr > 0 && controlNetLr < 1))
    throw new BenchUsageError(`--controlnet-lr must be a number in (0, 1), got "${values['controlnet-lr']}"`);
  const captionDropout = Number(values['caption-dropout']);
  if (!(captionDropout >= 0 && captionDropout <= 1))
    throw new BenchUsageError(
      `--caption-dropout must be a number from 0 to 1, got "${values['caption-dropout']}"`,
    );
  const guidance = Number(values.guidance);
  if (!(guidance >= 0))
    throw new BenchUsageError(`--guidance must be a number >= 0, got "${values.guidance}"`);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 4000)
    throw new BenchUsageError(`--seed must be an integer from 0 to 4000, got "${values.seed}"`);
  if (!(SAMPLER_NAMES as readonly string[]).includes(values.sampler!))
    throw new BenchUsageError(
      `--sampler must be one of ${SAMPLER_NAMES.join(', ')}, got "${values.sampler}"`,
    );
  return {
    experiments: EXPERIMENT_NAMES.filter((e) => experiments.includes(e)),
    steps: positiveInt(values.steps, '--steps'),
    batch: positiveInt(values.batch, '--batch'),
    lr,
    controlNetLr,
    captionDropout,
    trainImages: positiveInt(values['train-images'], '--train-images'),
    evalImages: positiveInt(values['eval-images'], '--eval-images'),
    seed,
    genSteps: positiveInt(values['gen-steps'], '--gen-steps'),
    guidance,
    sampler: values.sampler as SamplerName,
    tuners: values.tuners ?? null,
    modelDir: values['model-dir'] ?? null,
    styleTuner: values['style-tuner'] ?? null,
    skip: new Set(list(values.skip!, SKIPPABLE_PARTS, '--skip')),
  };
}

/** The generation seed of held-out sample i: the same for every method. */
export function evalSeed(seed: number, i: number): number {
  return seed * 1_000_000 + i;
}
