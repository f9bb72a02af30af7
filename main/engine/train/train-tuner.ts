// Training an SC- or CSC-Tuner from a folder, end to end: scan (nothing is created when the folder
// is unusable) -> memory check -> cache latents, embeddings, condition maps -> the trainer with
// checkpoints, previews and progress -> the tuner file. The CLI and the studio's worker call this.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writePng } from '../io/image.ts';
import { generate } from '../pipeline/generate.ts';
import type { LatentDiffusionModel } from '../pipeline/latent-diffusion-model.ts';
import { CscTuner, type CscTunerConfig } from '../tuners/csc-tuner.ts';
import { ScTuner } from '../tuners/sc-tuner.ts';
import { saveTuner } from '../tuners/tuner-file.ts';
import { canExtractCondition } from './condition-maps.ts';
import { scanTrainingFolder, type TrainingScan } from './dataset-scan.ts';
import { FeatureCache } from './feature-cache.ts';
import type { LrScheduleKind } from './lr-schedule.ts';
import { availableTrainingMemory, checkTrainingMemory, type MemoryVerdict } from './memory-estimate.ts';
import type { SamplePrompt } from './sample-prompts.ts';
import { disposeBatch, SampleStream } from './sample-stream.ts';
import { skipTunerObjective } from './skip-tuner-objective.ts';
import { runTrainer, type TrainProgress } from './trainer.ts';
import { prepareTrainingData, type TrainingExample } from './training-data.ts';

export interface TunerTrainingOptions {
  kind: 'sc' | 'csc';
  /** The condition kind (canny, depth, pose, scribble, …) of a CSC-Tuner. */
  condition: string | null;
  dataFolder: string;
  name: string;
  /** The run's folder: checkpoint, previews, the finished tuner. */
  outDir: string;
  /** Where cached latents/embeddings/maps live (shared between runs); null for no cache. */
  cacheDir: string | null;
  /** Optimiser steps; when null, `epochs` decides. */
  steps: number | null;
  epochs: number | null;
  batchSize: number;
  gradientAccumulation: number;
  lr: number;
  schedule: LrScheduleKind;
  warmupSteps: number;
  /** Square training size in pixels (or the bucket area's side); null: the model's native size. */
  resolution: number | null;
  /** Aspect-ratio buckets instead of square centre crops. */
  buckets?: boolean;
  flip: boolean;
  seed: number;
  emaDecay: number | null;
  downRatio: number;
  checkpointEvery: number;
  previewEvery: number;
  previewPrompts: SamplePrompt[];
  resume: boolean;
  /** Overrides the memory the machine offers (tests; callers that know better). */
  availableMemory?: number;
}

export const TUNER_TRAINING_DEFAULTS = {
  batchSize: 1,
  gradientAccumulation: 1,
  lr: 1e-4,
  schedule: 'constant' as LrScheduleKind,
  warmupSteps: 0,
  flip: false,
  seed: 0,
  emaDecay: null,
  downRatio: 1,
  checkpointEvery: 100,
  previewEvery: 0,
} as const;

export type TrainingEvent =
  | { type: 'scan'; scan: TrainingScan }
  | { type: 'memory'; verdict: MemoryVerdict }
  | { type: 'cache'; done: number; total: number }
  | { type: 'step'; progress: TrainProgress }
  | { type: 'preview'; step: number; files: string[] }
  | { type: 'checkpoint'; step: number; path: string };

export interface TunerTrainingResult {
  status: 'completed' | 'cancelled';
  /** The finished tuner file (null when cancelled). */
  tunerPath: string | null;
  checkpointPath: string;
  step: number;
  totalSteps: number;
  resumedFrom: number;
  lossHistory: { step: number; loss: number }[];
  finalLoss: number | null;
  samplesPerSec: number;
  cache: FeatureCache['stats'];
}

/** The run cannot fit in memory; the message says what to lower. */
export class TrainingMemoryError extends Error {}

export function tunerFileName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80);
  return `${slug || 'tuner'}.safetensors`;
}

/** CSC-Tuner sizes for a model: SD's 256-wide hints scale with the U-Net's width. */
export function cscConfigFor(
  model: LatentDiffusionModel,
  condition: string,
  downRatio: number,
): CscTunerConfig {
  const width = model.unet.config.modelChannels;
  return {
    layout: { skips: model.unet.skipInfo },
    condition,
    latentFactor: model.vaeFactor,
    conditionChannels: 3,
    hintChannels: Math.max(16, Math.round((width * 0.8) / 8) * 8),
    preHintRatio: Math.max(0.25, Math.min(1, width / 320)),
    denseHintKernel: 3,
    downRatio,
  };
}

export async function trainTuner(
  model: LatentDiffusionModel,
  options: TunerTrainingOptions,
  hooks: { onEvent?: (e: TrainingEvent) => void | Promise<void>; signal?: AbortSignal } = {},
): Promise<TunerTrainingResult> {
  const emit = async (e: TrainingEvent) => hooks.onEvent?.(e);
  if (options.kind === 'csc' && !options.condition) throw new Error('a CSC-Tuner needs a condition kind');
  if (options.kind === 'sc' && options.condition) throw new Error('an SC-Tuner takes no condition');
  const resolution = options.resolution ?? model.manifest.imageSize;
  const scan = await scanTrainingFolder(options.dataFolder, {
    minSide: Math.max(8, Math.floor(resolution / 4)),
    condition: options.condition ?? undefined,
    canExtractCondition: options.condition ? canExtractCondition(options.condition) : false,
  });
  await emit({ type: 'scan', scan });

  const samplesPerStep = options.batchSize * options.gradientAccumulation;
  const totalSteps =
    options.steps ?? Math.max(1, Math.ceil(((options.epochs ?? 1) * scan.samplesPerEpoch) / samplesPerStep));
  const tuner =
    options.kind === 'sc'
      ? new ScTuner(
          { layout: { skips: model.unet.skipInfo }, downRatio: options.downRatio },
          { seed: options.seed },
        )
      : new CscTuner(cscConfigFor(model, options.condition!, options.downRatio), { seed: options.seed });
  try {
    const verdict = checkTrainingMemory(
      {
        model,
        tunerParams: tuner.params.count(),
        batchSize: options.batchSize,
        resolution,
        condition: options.kind === 'csc',
        ema: options.emaDecay !== null,
      },
      options.availableMemory ?? availableTrainingMemory(tf.getBackend()),
    );
    await emit({ type: 'memory', verdict });
    if (!verdict.fits) throw new TrainingMemoryError(verdict.advice);

    const checkpointPath = join(options.outDir, 'checkpoint.safetensors');
    if (options.resume && !existsSync(checkpointPath))
      throw new Error(`nothing to resume: ${checkpointPath} does not exist (run without --resume to start)`);
    await mkdir(options.outDir, { recursive: true });
    const cache = new FeatureCache(options.cacheDir);
    const data = await prepareTrainingData(
      model,
      scan,
      { resolution, flip: options.flip, condition: options.condition, buckets: options.buckets ?? false },
      cache,
      (p) => void emit({ type: 'cache', ...p }),
      hooks.signal,
    );
    const stream = new SampleStream(
      data,
      options.seed,
      model.schedule.alphasCumprod.length,
      options.flip,
      options.batchSize,
    );
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify({
          data: data.fingerprint,
          tuner: tuner.config,
          seed: options.seed,
          batch: options.batchSize,
          accum: options.gradientAccumulation,
          lr: options.lr,
          schedule: options.schedule,
          warmup: options.warmupSteps,
          ema: options.emaDecay,
        }),
      )
      .digest('hex')
      .slice(0, 32);
    const previews = makePreviewer(model, tuner, options, data.examples[0]!, resolution, scan);
    const result = await runTrainer(
      {
        steps: totalSteps,
        batchSize: options.batchSize,
        gradientAccumulation: options.gradientAccumulation,
        lr: options.lr,
        schedule: options.schedule,
        warmupSteps: options.warmupSteps,
        seed: options.seed,
        emaDecay: options.emaDecay,
        checkpointEvery: options.checkpointEvery,
        checkpointPath,
        previewEvery: options.previewEvery,
        fingerprint,
      },
      skipTunerObjective(model, tuner),
      {
        epochLength: stream.epochLength,
        batch: (first, size) => stream.batch(first, size),
        dispose: disposeBatch,
        epochOrder: (epoch) => stream.epochOrder(epoch),
      },
      {
        resume: options.resume,
        signal: hooks.signal,
        onProgress: (progress) => emit({ type: 'step', progress }),
        onCheckpoint: (step, path) => emit({ type: 'checkpoint', step, path }),
        onPreview: async (step) => {
          const files = await previews(step);
          await emit({ type: 'preview', step, files });
        },
      },
    );
    let tunerPath: string | null = null;
    if (result.status === 'completed') {
      tunerPath = join(options.outDir, tunerFileName(options.name));
      await saveTuner(tunerPath, tuner, {
        baseModel: { id: model.id, hash: model.hash },
        name: options.name,
        training: {
          dataFolder: options.dataFolder,
          images: scan.images.length,
          steps: result.step,
          batchSize: options.batchSize,
          gradientAccumulation: options.gradientAccumulation,
          lr: options.lr,
          schedule: options.schedule,
          warmupSteps: options.warmupSteps,
          resolution,
          flip: options.flip,
          seed: options.seed,
          emaDecay: options.emaDecay,
          finalLoss: result.finalLoss,
          lossHistory: result.lossHistory,
        },
      });
    }
    return {
      status: result.status,
      tunerPath,
      checkpointPath,
      step: result.step,
      totalSteps,
      resumedFrom: result.resumedFrom,
      lossHistory: result.lossHistory,
      finalLoss: result.finalLoss,
      samplesPerSec: result.samplesPerSec,
      cache: cache.stats,
    };
  } finally {
    tuner.dispose();
  }
}

/** A preview writer: fixed prompts and seeds, so previews of different steps compare. */
function makePreviewer(
  model: LatentDiffusionModel,
  tuner: ScTuner | CscTuner,
  options: TunerTrainingOptions,
  example: TrainingExample,
  resolution: number,
  scan: TrainingScan,
): (step: number) => Promise<string[]> {
  const prompts: SamplePrompt[] =
    options.previewPrompts.length > 0
      ? options.previewPrompts
      : [...new Set(scan.images.map((i) => i.caption))].slice(0, 2).map((prompt) => ({ prompt }));
  return async (step) => {
    const dir = join(options.outDir, 'previews');
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    for (const [k, p] of prompts.entries()) {
      const [w, h] = example.size;
      const cond =
        tuner instanceof CscTuner && example.condition ? tf.tensor4d(example.condition, [1, h, w, 3]) : null;
      try {
        const size = cond
          ? { width: w, height: h }
          : { width: p.width ?? resolution, height: p.height ?? resolution };
        const { image } = await generate(model, {
          prompt: p.prompt,
          negativePrompt: p.negativePrompt,
          seed: p.seed ?? options.seed + k,
          steps: p.steps ?? 20,
          guidance: p.guidance ?? 4,
          sampler: 'euler',
          ...size,
          mix:
            tuner instanceof CscTuner
              ? { sc: [], csc: [{ tuner, condition: cond!, weight: 1 }] }
              : { sc: [{ tuner, scale: 1 }], csc: [] },
        });
        const file = join(dir, `step-${String(step).padStart(6, '0')}-${k}.png`);
        await writePng(file, image);
        files.push(file);
      } finally {
        cond?.dispose();
      }
    }
    return files;
  };
}
