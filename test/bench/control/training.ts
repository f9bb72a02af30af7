// Training the two methods of one condition with the same data, steps, batch and seed through the
// real trainer (`trainTuner`, as `scedit train` runs it), or reusing their files from a --tuners
// folder; and what each costs: trainable parameters, the memory estimate, the measured peak of one
// whole training step, and the training time.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../../../main/engine/io/atomic-write.ts';
import type { LatentDiffusionModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { scanTrainingFolder } from '../../../main/engine/train/dataset-scan.ts';
import { FeatureCache } from '../../../main/engine/train/feature-cache.ts';
import { estimateTrainingMemory, type HintLayer } from '../../../main/engine/train/memory-estimate.ts';
import { disposeBatch, SampleStream } from '../../../main/engine/train/sample-stream.ts';
import { TUNER_TRAINING_DEFAULTS, trainTuner } from '../../../main/engine/train/train-tuner.ts';
import { createTrainableTuner } from '../../../main/engine/train/trainable-tuner.ts';
import { prepareTrainingData } from '../../../main/engine/train/training-data.ts';
import type { MethodCost } from './aggregate.ts';
import { type DatasetSample, writeTrainingFolder } from './datasets.ts';

export type TrainedKind = 'csc' | 'controlnet';

export interface TrainSettings {
  steps: number;
  batch: number;
  lr: number;
  /** The share of samples trained with the empty prompt (both methods alike). */
  captionDropout: number;
  seed: number;
  trainImages: number;
}

/** What the bench records beside a tuner file it trained (reused with the file). */
export interface TrainingRecord {
  kind: TrainedKind;
  condition: string;
  settings: TrainSettings;
  parameterCount: number;
  /** The optimisation loop's wall seconds and the process's CPU seconds for the whole run. */
  trainSeconds: number;
  cpuSeconds: number;
  /** Latents, embeddings and maps before the first step (0 when the feature cache was warm). */
  prepareSeconds: number;
  finalLoss: number | null;
  baseModel: { id: string; hash: string };
}

export interface MethodRun {
  kind: TrainedKind;
  path: string;
  reused: boolean;
  record: TrainingRecord | null;
  cost: MethodCost;
  /** Memory parts in bytes (what the ratios are made of). */
  memory: { estimated: number; measuredStepPeak: number; optimiserMoments: number; frozenWeights: number };
}

/**
 * Why a file the bench trained earlier does not answer this run (other settings, base model or
 * design — the studio's default tuner for the model has another parameter count), or null when it
 * does. Files without a record (brought by the user) are taken as they are.
 */
export function staleRecord(
  record: TrainingRecord,
  settings: TrainSettings,
  modelHash: string,
  parameterCount: number,
): string | null {
  if (record.baseModel.hash !== modelHash) return `for another base model (${record.baseModel.id})`;
  if (record.parameterCount !== parameterCount)
    return `as another design (${record.parameterCount} parameters; the default now has ${parameterCount})`;
  const keys = Object.keys(settings) as (keyof TrainSettings)[];
  const differ = keys.filter((k) => record.settings[k] !== settings[k]);
  return differ.length
    ? `with other settings (${differ.map((k) => `${k} ${record.settings[k]}, now ${settings[k]}`).join('; ')})`
    : null;
}

function defaultParameterCount(model: LatentDiffusionModel, kind: TrainedKind, condition: string): number {
  const tuner = createTrainableTuner(model, { kind, condition, downRatio: 1, rank: 4, seed: 1 });
  try {
    return tuner.parameterCount;
  } finally {
    tuner.dispose();
  }
}

export function tunerFile(dir: string, experiment: string, kind: TrainedKind): string {
  return join(dir, `${experiment}-${kind}.safetensors`);
}

function recordFile(dir: string, experiment: string, kind: TrainedKind): string {
  return join(dir, `${experiment}-${kind}.json`);
}

function frozenWeightBytes(model: LatentDiffusionModel): number {
  return (model.unet.params.count() + model.vae.params.count() + model.text.transformer.params.count()) * 4;
}

/**
 * The peak of one whole step (forward + backward, gradients included) above what was held before
 * the tuner was made, measured with tf.profile on a real batch of the condition's data, as the
 * train benchmark does. AdamW's two moments per parameter are added by the caller.
 */
export async function measureStepPeak(
  model: LatentDiffusionModel,
  kind: TrainedKind,
  condition: string,
  probeFolder: string,
  cacheDir: string,
  batch: number,
): Promise<{ stepPeak: number; parameterCount: number; hintPlan: readonly HintLayer[] | null }> {
  const scan = await scanTrainingFolder(probeFolder, {
    condition,
    canExtractCondition: condition === 'canny',
  });
  const data = await prepareTrainingData(
    model,
    scan,
    { resolution: model.manifest.imageSize, flip: false, condition },
    new FeatureCache(cacheDir),
  );
  const stream = new SampleStream(data, 1, model.schedule.alphasCumprod.length, false, batch);
  const probe = stream.batch(0, batch);
  const before = tf.memory().numBytes;
  const tuner = createTrainableTuner(model, { kind, condition, downRatio: 1, rank: 4, seed: 1 });
  try {
    const objective = tuner.objective();
    let grads: tf.Tensor[] = [];
    const profile = await tf.profile(() => {
      grads = objective.lossAndGrads(probe).grads;
    });
    tf.dispose(grads);
    return {
      stepPeak: profile.peakBytes - before,
      parameterCount: tuner.parameterCount,
      hintPlan: tuner.hintPlan,
    };
  } finally {
    tuner.dispose();
    disposeBatch(probe);
  }
}

export interface MethodRunOptions {
  model: LatentDiffusionModel;
  experiment: string;
  kind: TrainedKind;
  condition: string;
  trainSamples: readonly DatasetSample[];
  settings: TrainSettings;
  /** Tuner files (and their records) are read from and written to here. */
  tunersDir: string;
  /** Reuse a file already in tunersDir. */
  reuse: boolean;
  workDir: string;
  cacheDir: string;
  log: (line: string) => void;
}

export async function trainOrReuse(o: MethodRunOptions): Promise<MethodRun> {
  const { model, experiment, kind, condition, settings } = o;
  mkdirSync(o.tunersDir, { recursive: true });
  const path = tunerFile(o.tunersDir, experiment, kind);
  const recordPath = recordFile(o.tunersDir, experiment, kind);
  const dataFolder = join(o.workDir, 'data', experiment);
  let record: TrainingRecord | null = null;
  let reused = o.reuse && existsSync(path);
  if (reused) {
    record = existsSync(recordPath) ? (JSON.parse(readFileSync(recordPath, 'utf8')) as TrainingRecord) : null;
    const stale = record
      ? staleRecord(record, settings, model.hash, defaultParameterCount(model, kind, condition))
      : null;
    if (stale) {
      o.log(`${experiment} ${kind}: ${path} was trained ${stale}; training it again`);
      reused = false;
      record = null;
    } else
      o.log(
        `${experiment} ${kind}: reusing ${path}${record ? '' : ' (no training record beside it: time unknown)'}`,
      );
  }
  if (!reused) {
    writeTrainingFolder(dataFolder, o.trainSamples, condition === 'canny' ? null : condition);
    const outDir = join(o.workDir, 'runs', `${experiment}-${kind}`);
    rmSync(outDir, { recursive: true, force: true });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let firstStepAt: number | null = null;
    let loopMs = 0;
    let lastLogged = 0;
    const result = await trainTuner(
      model,
      {
        ...TUNER_TRAINING_DEFAULTS,
        kind,
        condition,
        dataFolder,
        name: `${experiment}-${kind}`,
        outDir,
        cacheDir: o.cacheDir,
        steps: settings.steps,
        epochs: null,
        batchSize: settings.batch,
        lr: settings.lr,
        captionDropout: settings.captionDropout,
        resolution: null,
        seed: settings.seed,
        downRatio: 1,
        previewPrompts: [],
        checkpointEvery: 0,
        previewEvery: 0,
        resume: false,
      },
      {
        onEvent: (e) => {
          if (e.type !== 'step') return;
          // The loop started elapsedMs before this first report: what came before it was preparation.
          firstStepAt ??= performance.now() - e.progress.elapsedMs;
          loopMs = e.progress.elapsedMs;
          if (performance.now() - lastLogged > 30_000 || e.progress.step === e.progress.totalSteps) {
            lastLogged = performance.now();
            o.log(
              `${experiment} ${kind}: step ${e.progress.step}/${e.progress.totalSteps} loss ${e.progress.smoothedLoss.toFixed(4)} (${e.progress.samplesPerSec.toFixed(1)} samples/s)`,
            );
          }
        },
      },
    );
    if (result.status !== 'completed' || !result.tunerPath)
      throw new Error(`${experiment} ${kind}: training did not complete`);
    renameSync(result.tunerPath, path);
    const cpu = process.cpuUsage(cpu0);
    record = {
      kind,
      condition,
      settings,
      parameterCount: result.parameterCount,
      trainSeconds: loopMs / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      prepareSeconds: ((firstStepAt ?? performance.now()) - t0) / 1000,
      finalLoss: result.finalLoss,
      baseModel: { id: model.id, hash: model.hash },
    };
    await writeFileAtomic(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  }
  // One step's measured peak on a batch of the same data (a folder of `batch` training samples).
  const probeFolder = join(o.workDir, 'probe', experiment);
  writeTrainingFolder(
    probeFolder,
    o.trainSamples.slice(0, settings.batch),
    condition === 'canny' ? null : condition,
  );
  const { stepPeak, parameterCount, hintPlan } = await measureStepPeak(
    model,
    kind,
    condition,
    probeFolder,
    o.cacheDir,
    settings.batch,
  );
  const estimate = estimateTrainingMemory({
    model,
    tunerParams: parameterCount,
    batchSize: settings.batch,
    resolution: model.manifest.imageSize,
    condition: true,
    hintPlan: hintPlan ?? undefined,
    ema: false,
    method: kind === 'csc' ? 'skip-tuner' : 'controlnet',
  });
  const moments = 2 * 4 * parameterCount;
  const frozen = frozenWeightBytes(model);
  return {
    kind,
    path,
    reused,
    record,
    cost: {
      parameterCount,
      estimatedBytes: estimate.bytes,
      measuredBytes: stepPeak + moments + frozen,
      trainSeconds: record?.trainSeconds ?? null,
    },
    memory: {
      estimated: estimate.bytes,
      measuredStepPeak: stepPeak,
      optimiserMoments: moments,
      frozenWeights: frozen,
    },
  };
}
