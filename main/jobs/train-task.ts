// The engine worker's training tasks: scan a folder (with the memory verdict for the chosen
// options) and train a tuner into the run's folder, resuming from its checkpoint when asked.

import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { StudioError } from '../../shared/api/errors.ts';
import type { MethodParams } from '../../shared/api/methods.ts';
import { TRAINING_PRESETS } from '../../shared/api/training-presets.ts';
import type { TrainScanReport } from '../../shared/api/training-schemas.ts';
import { encodePng, readImage } from '../engine/io/image.ts';
import { canExtractCondition } from '../engine/train/condition-maps.ts';
import { scanTrainingFolder, TrainingDataError } from '../engine/train/dataset-scan.ts';
import { availableTrainingMemory, checkTrainingMemory } from '../engine/train/memory-estimate.ts';
import {
  cscConfigFor,
  TrainingMemoryError,
  TUNER_TRAINING_DEFAULTS,
  trainTuner,
} from '../engine/train/train-tuner.ts';
import { CscTuner, preHintPlan } from '../engine/tuners/csc-tuner.ts';
import { ScTuner } from '../engine/tuners/sc-tuner.ts';
import type { EngineTrainRequest, EngineTrainResult, JobContext } from './engine-host.ts';
import { workerModel } from './generate-task.ts';

function asInputError(err: unknown): never {
  if (err instanceof TrainingDataError || err instanceof TrainingMemoryError)
    throw new StudioError('invalid-input', err.message);
  throw err;
}

export async function runTrainScanTask(req: MethodParams<'trainScan'>): Promise<TrainScanReport> {
  const model = await workerModel();
  const resolution = model.manifest.imageSize;
  try {
    const scan = await scanTrainingFolder(req.dataFolder, {
      minSide: Math.max(8, Math.floor(resolution / 4)),
      ...(req.condition
        ? { condition: req.condition, canExtractCondition: canExtractCondition(req.condition) }
        : {}),
    });
    // The memory verdict for the kind's starting options (its preset batch, native size), what the
    // Train tab starts at; the trainer checks again with the options the run is given.
    const tuner =
      req.kind === 'sc'
        ? new ScTuner({ layout: { skips: model.unet.skipInfo }, downRatio: 1 }, { seed: 0 })
        : new CscTuner(cscConfigFor(model, req.condition!, 1), { seed: 0 });
    let memory: TrainScanReport['memory'];
    try {
      const verdict = checkTrainingMemory(
        {
          model,
          tunerParams: tuner.params.count(),
          batchSize: TRAINING_PRESETS[req.kind].batchSize,
          resolution,
          condition: req.kind === 'csc',
          hintPlan: tuner instanceof CscTuner ? preHintPlan(tuner.config) : undefined,
          ema: false,
        },
        availableTrainingMemory(tf.getBackend()),
      );
      memory = {
        estimatedBytes: verdict.estimate.bytes,
        availableBytes: verdict.availableBytes,
        fits: verdict.fits,
        advice: verdict.advice,
      };
    } finally {
      tuner.dispose();
    }
    return {
      usableImages: scan.images.length,
      skipped: scan.skipped,
      summary: [...scan.summary, ...scan.notes.map((n) => `note: ${n}`)],
      memory,
    };
  } catch (err) {
    asInputError(err);
  }
}

export async function runTrainTask(req: EngineTrainRequest, ctx: JobContext): Promise<EngineTrainResult> {
  const r = req.request;
  const o = r.options;
  ctx.progress({ fraction: 0, message: 'loading the model' });
  const model = await workerModel();
  if (r.baseModel !== null && r.baseModel !== model.id)
    throw new StudioError(
      'not-found',
      `base model "${r.baseModel}" is not available here; this studio has "${model.id}"`,
    );
  let lastPreview: Uint8Array | undefined;
  try {
    const result = await trainTuner(
      model,
      {
        ...TUNER_TRAINING_DEFAULTS,
        kind: r.kind,
        condition: r.kind === 'csc' ? r.condition : null,
        dataFolder: r.dataFolder,
        name: r.name,
        outDir: req.runDir,
        cacheDir: join(req.runDir, '..', '..', 'cache'),
        steps: req.steps,
        epochs: null,
        batchSize: o.batchSize,
        gradientAccumulation: o.gradientAccumulation,
        lr: o.learningRate,
        captionDropout: o.captionDropout,
        schedule: o.lrSchedule,
        warmupSteps: o.warmupSteps,
        resolution: o.resolution,
        flip: o.flip,
        seed: o.seed,
        checkpointEvery: o.checkpointEvery,
        // Without prompts of its own the trainer previews the dataset's first captions.
        previewEvery: o.previewEvery,
        previewPrompts: o.previewPrompts.map((prompt) => ({ prompt })),
        resume: req.resume,
      },
      {
        signal: ctx.signal,
        onEvent: async (e) => {
          if (e.type === 'cache') ctx.progress({ fraction: 0, message: `caching ${e.done} of ${e.total}` });
          else if (e.type === 'preview' && e.files[0]) {
            lastPreview = await encodePng(await readImage(e.files[0]));
            ctx.progress({
              fraction: e.step / req.steps,
              step: e.step,
              totalSteps: req.steps,
              preview: lastPreview,
            });
          } else if (e.type === 'step') {
            const p = e.progress;
            ctx.progress({
              fraction: p.step / p.totalSteps,
              step: p.step,
              totalSteps: p.totalSteps,
              loss: p.loss,
              smoothedLoss: p.smoothedLoss,
              itPerSec: p.itPerSec,
            });
          }
        },
      },
    );
    if (result.status === 'cancelled' || !result.tunerPath)
      throw new StudioError(
        'cancelled',
        `stopped at step ${result.step}; the checkpoint is kept, resume to continue`,
      );
    return { tunerPath: result.tunerPath, steps: result.step, finalLoss: result.finalLoss };
  } catch (err) {
    asInputError(err);
  }
}
