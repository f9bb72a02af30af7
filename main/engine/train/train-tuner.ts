// Training an SC- or CSC-Tuner (or a LoRA / ControlNet baseline) from a folder, end to end: scan
// (nothing is created when the folder is unusable) -> memory check -> cache latents, embeddings,
// condition maps -> the trainer with checkpoints, previews and progress -> the tuner file. The CLI
// and the studio's worker call this.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writePng } from '../io/image.ts';
import { generate } from '../pipeline/generate.ts';
import type { LatentDiffusionModel } from '../pipeline/latent-diffusion-model.ts';
import { type ConditionExtractor, canExtractCondition, conditionExtractor } from './condition-maps.ts';
import { scanTrainingFolder, type TrainingScan } from './dataset-scan.ts';
import { FeatureCache } from './feature-cache.ts';
import type { LrScheduleKind } from './lr-schedule.ts';
import { availableTrainingMemory, checkTrainingMemory, type MemoryVerdict } from './memory-estimate.ts';
import type { SamplePrompt } from './sample-prompts.ts';
import { disposeBatch, SampleStream } from './sample-stream.ts';
import {
  createTrainableTuner,
  kindLabel,
  type TrainableKind,
  type TrainableTuner,
  takesCondition,
} from './trainable-tuner.ts';
import { runTrainer, type TrainProgress } from './trainer.ts';
import { prepareTrainingData, type TrainingExample } from './training-data.ts';

export { cscConfigFor } from './trainable-tuner.ts';

export interface TunerTrainingOptions {
  kind: TrainableKind;
  /** The condition kind (canny, depth, pose, scribble, …) of a CSC-Tuner or ControlNet. */
  condition: string | null;
  /** A depth model folder, or a registered depth estimator's name, to extract depth maps the folder does not pair. */
  depthModel?: string | null;
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
  /** The share of samples trained with the empty prompt (0 by default; ControlNet uses 0.5). */
  captionDropout?: number;
  seed: number;
  emaDecay: number | null;
  downRatio: number;
  /** LoRA rank (LoRA only). */
  rank?: number;
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
  rank: 4,
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
  /** What was trained on: the folder, its usable pictures, and the hash of data and settings. */
  dataset: { folder: string; imageCount: number; hash: string };
  parameterCount: number;
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

export async function trainTuner(
  model: LatentDiffusionModel,
  options: TunerTrainingOptions,
  hooks: { onEvent?: (e: TrainingEvent) => void | Promise<void>; signal?: AbortSignal } = {},
): Promise<TunerTrainingResult> {
  const emit = async (e: TrainingEvent) => hooks.onEvent?.(e);
  const label = kindLabel(options.kind);
  if (takesCondition(options.kind) && !options.condition)
    throw new Error(`a ${label} needs a condition kind`);
  if (!takesCondition(options.kind) && options.condition) throw new Error(`a ${label} takes no condition`);
  if (options.depthModel && options.condition !== 'depth')
    throw new Error('a depth model is for depth conditions only');
  const sources = { depthModel: options.depthModel ?? null };
  const resolution = options.resolution ?? model.manifest.imageSize;
  const scan = await scanTrainingFolder(options.dataFolder, {
    minSide: Math.max(8, Math.floor(resolution / 4)),
    condition: options.condition ?? undefined,
    canExtractCondition: options.condition ? canExtractCondition(options.condition, sources) : false,
  });
  await emit({ type: 'scan', scan });

  const samplesPerStep = options.batchSize * options.gradientAccumulation;
  const totalSteps =
    options.steps ?? Math.max(1, Math.ceil(((options.epochs ?? 1) * scan.samplesPerEpoch) / samplesPerStep));
  const tuner = createTrainableTuner(model, {
    kind: options.kind,
    condition: options.condition,
    downRatio: options.downRatio,
    rank: options.rank ?? TUNER_TRAINING_DEFAULTS.rank,
    seed: options.seed,
  });
  let extractor: ConditionExtractor | null = null;
  try {
    const verdict = checkTrainingMemory(
      {
        model,
        tunerParams: tuner.parameterCount,
        batchSize: options.batchSize,
        resolution,
        condition: takesCondition(options.kind),
        ema: options.emaDecay !== null,
        method: tuner.memoryMethod,
        hintPlan: tuner.hintPlan ?? undefined,
      },
      options.availableMemory ?? availableTrainingMemory(tf.getBackend()),
    );
    await emit({ type: 'memory', verdict });
    if (!verdict.fits) throw new TrainingMemoryError(verdict.advice);

    const checkpointPath = join(options.outDir, 'checkpoint.safetensors');
    if (options.resume && !existsSync(checkpointPath))
      throw new Error(`nothing to resume: ${checkpointPath} does not exist (run without --resume to start)`);
    // Before anything is written: a depth model that does not load leaves nothing behind.
    extractor = options.condition ? await conditionExtractor(options.condition, sources) : null;
    await mkdir(options.outDir, { recursive: true });
    const cache = new FeatureCache(options.cacheDir);
    const data = await prepareTrainingData(
      model,
      scan,
      {
        resolution,
        flip: options.flip,
        condition: options.condition,
        buckets: options.buckets ?? false,
        extractor,
        emptyPrompt: (options.captionDropout ?? 0) > 0 || undefined,
      },
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
      options.captionDropout ?? 0,
    );
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify({
          data: data.fingerprint,
          kind: options.kind === 'sc' || options.kind === 'csc' ? undefined : options.kind,
          tuner: tuner.config,
          seed: options.seed,
          batch: options.batchSize,
          accum: options.gradientAccumulation,
          lr: options.lr,
          schedule: options.schedule,
          warmup: options.warmupSteps,
          ema: options.emaDecay,
          captionDropout: options.captionDropout || undefined,
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
      tuner.objective(),
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
    const dataset = { folder: options.dataFolder, imageCount: scan.images.length, hash: data.fingerprint };
    let tunerPath: string | null = null;
    if (result.status === 'completed') {
      tunerPath = join(options.outDir, tunerFileName(options.name));
      await tuner.save(tunerPath, {
        baseModel: { id: model.id, hash: model.hash },
        name: options.name,
        triggerWords: scan.folderWords,
        training: {
          kind: options.kind,
          condition: options.condition,
          dataFolder: options.dataFolder,
          dataset,
          images: scan.images.length,
          steps: result.step,
          batchSize: options.batchSize,
          gradientAccumulation: options.gradientAccumulation,
          lr: options.lr,
          schedule: options.schedule,
          warmupSteps: options.warmupSteps,
          captionDropout: options.captionDropout ?? 0,
          resolution,
          flip: options.flip,
          seed: options.seed,
          emaDecay: options.emaDecay,
          ...(options.kind === 'lora' ? { rank: options.rank ?? TUNER_TRAINING_DEFAULTS.rank } : {}),
          ...(options.kind === 'sc' || options.kind === 'csc' ? { downRatio: options.downRatio } : {}),
          ...(options.depthModel ? { depthModel: options.depthModel } : {}),
          buckets: options.buckets ?? false,
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
      dataset,
      parameterCount: tuner.parameterCount,
    };
  } finally {
    extractor?.dispose();
    tuner.dispose();
  }
}

/** A preview writer: fixed prompts and seeds, so previews of different steps compare. */
function makePreviewer(
  model: LatentDiffusionModel,
  tuner: TrainableTuner,
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
        takesCondition(tuner.kind) && example.condition ? tf.tensor4d(example.condition, [1, h, w, 3]) : null;
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
          mix: tuner.previewMix(cond),
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
