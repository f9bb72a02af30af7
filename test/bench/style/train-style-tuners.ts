// The two tuners the style bench compares, trained with the same budget through the studio's own
// trainer (trainTuner): an SC-Tuner on every skip and a LoRA baseline, same folder, steps, batch,
// learning rate and seed. Before either trains, one step of each is run under tf.profile: its peak
// is the step's memory, and it warms the kernels and the feature cache, so the kind trained first
// pays for neither. What was measured is written beside the tuner files (style-training.json), so
// a later run can reuse them with --tuners.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../../../main/engine/io/atomic-write.ts';
import type { LatentDiffusionModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { scanTrainingFolder } from '../../../main/engine/train/dataset-scan.ts';
import { FeatureCache } from '../../../main/engine/train/feature-cache.ts';
import { disposeBatch, SampleStream } from '../../../main/engine/train/sample-stream.ts';
import {
  type TrainingEvent,
  TUNER_TRAINING_DEFAULTS,
  trainTuner,
} from '../../../main/engine/train/train-tuner.ts';
import { createTrainableTuner } from '../../../main/engine/train/trainable-tuner.ts';
import { prepareTrainingData } from '../../../main/engine/train/training-data.ts';
import { loadBaseline } from '../../../main/engine/tuners/baseline-file.ts';
import type { LoraTuner } from '../../../main/engine/tuners/lora.ts';
import { ScTuner } from '../../../main/engine/tuners/sc-tuner.ts';
import { loadTuner } from '../../../main/engine/tuners/tuner-file.ts';
import { trainingStateBytes } from './style-measures.ts';
import { TWEMOJI_ATTRIBUTION } from './twemoji-data.ts';

export const STYLE_KINDS = ['sc', 'lora'] as const;
export type StyleKind = (typeof STYLE_KINDS)[number];

export interface StyleBudget {
  steps: number;
  batch: number;
  lr: number;
  seed: number;
  /** LoRA rank (alpha = rank). */
  rank: number;
}

export interface TrainedStats {
  kind: StyleKind;
  file: string;
  parameterCount: number;
  /** The training loop alone (the data was cached before), seconds. */
  trainSeconds: number;
  samplesPerSec: number;
  finalLoss: number | null;
  /** Peak bytes of one whole step (forward + backward) above what was held before it (tf.profile). */
  peakStepBytes: number;
  /** Weights and AdamW moments of the trained parameters. */
  stateBytes: number;
  /** The trainer's own estimate for the run (memory check before it starts). */
  estimatedBytes: number | null;
}

export interface StyleTrainingRecord {
  format: 'scedit-studio.style-bench-training/1';
  modelHash: string;
  /** The training pictures' licence requires it wherever the tuners go. */
  attribution: string;
  budget: StyleBudget;
  images: number;
  folder: string;
  machine: string;
  tuners: Record<StyleKind, TrainedStats>;
}

const RECORD = 'style-training.json';
const FILES: Record<StyleKind, string> = { sc: 'style-sc.safetensors', lora: 'style-lora.safetensors' };

/** One unmeasured-for-time step of `kind` under tf.profile: the step's peak bytes above what was held. */
async function stepPeakBytes(
  model: LatentDiffusionModel,
  folder: string,
  cacheDir: string,
  kind: StyleKind,
  budget: StyleBudget,
): Promise<number> {
  const scan = await scanTrainingFolder(folder);
  const size = model.manifest.imageSize;
  const data = await prepareTrainingData(
    model,
    scan,
    { resolution: size, flip: false, condition: null },
    new FeatureCache(cacheDir),
  );
  const tuner = createTrainableTuner(model, {
    kind,
    condition: null,
    downRatio: 1,
    rank: budget.rank,
    seed: budget.seed,
  });
  try {
    const stream = new SampleStream(data, budget.seed, model.schedule.alphasCumprod.length, false);
    const probe = stream.batch(0, budget.batch);
    const objective = tuner.objective();
    const startBytes = tf.memory().numBytes;
    let grads: tf.Tensor[] = [];
    const profile = await tf.profile(() => {
      grads = objective.lossAndGrads(probe).grads;
    });
    tf.dispose(grads);
    disposeBatch(probe);
    return profile.peakBytes - startBytes;
  } finally {
    tuner.dispose();
  }
}

export async function trainStyleTuners(
  model: LatentDiffusionModel,
  options: {
    folder: string;
    images: number;
    outDir: string;
    cacheDir: string;
    budget: StyleBudget;
    machine: string;
  },
  log: (line: string) => void,
): Promise<StyleTrainingRecord> {
  const { folder, outDir, cacheDir, budget } = options;
  const peaks = {} as Record<StyleKind, number>;
  for (const kind of STYLE_KINDS) {
    peaks[kind] = await stepPeakBytes(model, folder, cacheDir, kind, budget);
    log(`${kind}: one step at batch ${budget.batch} peaks at ${(peaks[kind] / 2 ** 20).toFixed(1)} MiB`);
  }
  const tuners = {} as Record<StyleKind, TrainedStats>;
  for (const kind of STYLE_KINDS) {
    let estimatedBytes: number | null = null;
    let loopMs = 0;
    let lastLogged = 0;
    const onEvent = (e: TrainingEvent) => {
      if (e.type === 'memory') estimatedBytes = e.verdict.estimate.bytes;
      if (e.type === 'step') {
        loopMs = e.progress.elapsedMs;
        if (e.progress.step === e.progress.totalSteps || performance.now() - lastLogged > 30_000) {
          lastLogged = performance.now();
          log(
            `${kind}: step ${e.progress.step}/${e.progress.totalSteps} loss ${e.progress.smoothedLoss.toFixed(4)} (${e.progress.itPerSec.toFixed(2)} it/s, eta ${Math.round(e.progress.etaMs / 1000)} s)`,
          );
        }
      }
    };
    const result = await trainTuner(
      model,
      {
        ...TUNER_TRAINING_DEFAULTS,
        kind,
        condition: null,
        dataFolder: folder,
        name: `style-${kind}`,
        outDir: join(outDir, kind),
        cacheDir,
        steps: budget.steps,
        epochs: null,
        batchSize: budget.batch,
        lr: budget.lr,
        seed: budget.seed,
        rank: budget.rank,
        resolution: null,
        checkpointEvery: 0,
        previewEvery: 0,
        previewPrompts: [],
        resume: false,
      },
      { onEvent },
    );
    if (result.status !== 'completed' || !result.tunerPath)
      throw new Error(`${kind} training did not complete (${result.status})`);
    const file = join(outDir, FILES[kind]);
    await writeFileAtomic(file, readFileSync(result.tunerPath));
    tuners[kind] = {
      kind,
      file,
      parameterCount: result.parameterCount,
      trainSeconds: loopMs / 1000,
      samplesPerSec: result.samplesPerSec,
      finalLoss: result.finalLoss,
      peakStepBytes: peaks[kind],
      stateBytes: trainingStateBytes(result.parameterCount),
      estimatedBytes,
    };
  }
  const record: StyleTrainingRecord = {
    format: 'scedit-studio.style-bench-training/1',
    modelHash: model.hash,
    attribution: TWEMOJI_ATTRIBUTION,
    budget,
    images: options.images,
    folder,
    machine: options.machine,
    tuners,
  };
  await writeFileAtomic(join(outDir, RECORD), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** What an earlier run measured, from `dir`/style-training.json; refuses another base model's tuners. */
export function readStyleTraining(dir: string, model: LatentDiffusionModel): StyleTrainingRecord {
  const path = join(dir, RECORD);
  if (!existsSync(path))
    throw new Error(`--tuners ${dir}: no ${RECORD} there (a folder written by an earlier style bench run)`);
  const record = JSON.parse(readFileSync(path, 'utf8')) as StyleTrainingRecord;
  if (record.format !== 'scedit-studio.style-bench-training/1')
    throw new Error(`${path}: format is ${JSON.stringify(record.format)}, not a style bench record`);
  if (record.modelHash !== model.hash)
    throw new Error(
      `${path}: these tuners were trained on base model ${record.modelHash.slice(0, 12)}, the loaded one is ${model.hash.slice(0, 12)}`,
    );
  for (const kind of STYLE_KINDS) {
    const file = join(dir, FILES[kind]);
    if (!existsSync(file)) throw new Error(`${path}: ${file} is missing`);
    record.tuners[kind].file = file;
  }
  return record;
}

export async function loadStyleTuners(
  model: LatentDiffusionModel,
  record: StyleTrainingRecord,
): Promise<{ sc: ScTuner; lora: LoraTuner }> {
  const baseModel = { id: model.id, hash: model.hash };
  const { tuner, info } = await loadTuner(record.tuners.sc.file, {
    baseModel,
    layout: { skips: model.unet.skipInfo },
  });
  if (!(tuner instanceof ScTuner)) {
    tuner.dispose();
    throw new Error(`${record.tuners.sc.file}: a ${info.kind} tuner, not an SC-Tuner`);
  }
  const { baseline } = await loadBaseline(record.tuners.lora.file, {
    baseModel,
    unet: model.unet,
    latentFactor: model.vaeFactor,
  });
  if (baseline.kind !== 'lora') {
    baseline.tuner.dispose();
    tuner.dispose();
    throw new Error(`${record.tuners.lora.file}: a ${baseline.kind}, not a LoRA`);
  }
  return { sc: tuner, lora: baseline.tuner };
}
