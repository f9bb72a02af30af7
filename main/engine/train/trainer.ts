// The training loop, independent of what is trained: an objective names its parameters and gives
// the loss and gradients of a batch (tuners on skips now; the whole base model in base-model mode
// later); a batch source hands out samples by index. The loop adds gradient accumulation, AdamW,
// the learning-rate schedule, EMA, progress, previews, cancel and atomic checkpoints with resume.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { Param } from '../nn/params.ts';
import { ADAMW_DEFAULTS, AdamW, type AdamWConfig } from './adamw.ts';
import { type LoopState, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { checkLrSchedule, type LrScheduleKind, learningRateAt } from './lr-schedule.ts';

export interface TrainingObjective<B> {
  /** What is trained, with names and layouts (for checkpoints). */
  readonly params: readonly Param[];
  /** Mean loss over the batch and one gradient per param (the caller disposes them). */
  lossAndGrads(batch: B): { loss: number; grads: tf.Tensor[] };
}

export interface BatchSource<B> {
  /** Samples per epoch. */
  readonly epochLength: number;
  batch(firstSample: number, size: number): B;
  dispose(batch: B): void;
  /** The data order of `epoch` (stored in checkpoints and checked on resume). */
  epochOrder(epoch: number): number[];
}

export interface TrainerConfig {
  /** Optimiser steps to reach (a resumed run may raise it). */
  steps: number;
  batchSize: number;
  gradientAccumulation: number;
  lr: number;
  schedule: LrScheduleKind;
  warmupSteps: number;
  adamw?: AdamWConfig;
  seed: number;
  /** EMA of the weights with this decay (e.g. 0.999); null for none. */
  emaDecay: number | null;
  /** Write a checkpoint every N steps (0 = never) to checkpointPath. */
  checkpointEvery: number;
  checkpointPath: string | null;
  /** Call onPreview every N steps (0 = never). */
  previewEvery: number;
  /** Data and settings the run belongs to (a checkpoint of another fingerprint is refused). */
  fingerprint: string;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  /** Exponential moving average of the loss (0.9), bias-corrected. */
  smoothedLoss: number;
  lr: number;
  itPerSec: number;
  samplesPerSec: number;
  elapsedMs: number;
  etaMs: number;
}

export interface TrainerHooks {
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  onPreview?: (step: number) => Promise<void>;
  onCheckpoint?: (step: number, path: string) => void | Promise<void>;
  signal?: AbortSignal;
  /** Continue from config.checkpointPath when it exists. */
  resume?: boolean;
}

export interface TrainerResult {
  status: 'completed' | 'cancelled';
  step: number;
  /** The step the run started from (0, or the checkpoint's). */
  resumedFrom: number;
  lossHistory: { step: number; loss: number }[];
  finalLoss: number | null;
  /** Mean samples per second over this session's steps. */
  samplesPerSec: number;
}

export function checkTrainerConfig(c: TrainerConfig): void {
  const whole = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new Error(`${name} must be a whole number >= ${min}, got ${v}`);
  };
  whole('steps', c.steps, 1);
  whole('batch size', c.batchSize, 1);
  whole('gradient accumulation', c.gradientAccumulation, 1);
  whole('checkpoint interval', c.checkpointEvery, 0);
  whole('preview interval', c.previewEvery, 0);
  checkLrSchedule({ kind: c.schedule, lr: c.lr, warmupSteps: c.warmupSteps, totalSteps: c.steps });
  if (c.emaDecay !== null && !(c.emaDecay > 0 && c.emaDecay < 1))
    throw new Error(`EMA decay must lie between 0 and 1, got ${c.emaDecay}`);
  if (c.checkpointEvery > 0 && !c.checkpointPath) throw new Error('checkpointEvery needs a checkpointPath');
}

const SMOOTHING = 0.9;
const RATE_WINDOW = 20;

export async function runTrainer<B>(
  config: TrainerConfig,
  objective: TrainingObjective<B>,
  source: BatchSource<B>,
  hooks: TrainerHooks = {},
): Promise<TrainerResult> {
  checkTrainerConfig(config);
  const params = objective.params;
  const variables = params.map((p) => p.value);
  const optimizer = new AdamW(variables, config.adamw ?? ADAMW_DEFAULTS);
  let ema: tf.Variable[] | null = null;
  const samplesPerStep = config.batchSize * config.gradientAccumulation;
  let step = 0;
  let lossHistory: { step: number; loss: number }[] = [];
  try {
    if (hooks.resume && config.checkpointPath && existsSync(config.checkpointPath)) {
      const saved = await readCheckpoint(config.checkpointPath, params);
      const s = saved.state;
      if (s.fingerprint !== config.fingerprint)
        throw new Error(
          `${config.checkpointPath}: this checkpoint belongs to other training data or settings (the folder, captions, resolution, seed or tuner options changed); start a new run or restore them`,
        );
      const epoch = Math.floor(s.samplesSeen / source.epochLength);
      if (JSON.stringify(source.epochOrder(epoch)) !== JSON.stringify(s.data.order))
        throw new Error(
          `${config.checkpointPath}: the data order differs from the checkpoint's; cannot resume exactly`,
        );
      if (s.step >= config.steps)
        throw new Error(
          `${config.checkpointPath}: the run already reached step ${s.step}; ask for more steps (now ${config.steps}) to extend it`,
        );
      for (const [i, values] of saved.params.entries())
        tf.tidy(() => variables[i]!.assign(tf.tensor(values, variables[i]!.shape)));
      optimizer.restore({ step: s.adamStep, m: saved.adamM, v: saved.adamV });
      if (config.emaDecay !== null)
        ema = (saved.ema ?? saved.params).map((values, i) =>
          tf.tidy(() => tf.variable(tf.tensor(values, variables[i]!.shape), false)),
        );
      step = s.step;
      lossHistory = s.lossHistory;
    }
    ema ??=
      config.emaDecay === null ? null : variables.map((v) => tf.tidy(() => tf.variable(v.clone(), false)));
    const resumedFrom = step;
    let smoothed = 0;
    let smoothedCount = 0;
    for (const h of lossHistory) {
      smoothed = SMOOTHING * smoothed + (1 - SMOOTHING) * h.loss;
      smoothedCount++;
    }
    const started = performance.now();
    const stepEnds: number[] = [];
    let status: TrainerResult['status'] = 'completed';

    const saveCheckpoint = async () => {
      if (!config.checkpointPath) return;
      const samplesSeen = step * samplesPerStep;
      const epoch = Math.floor(samplesSeen / source.epochLength);
      const state: LoopState = {
        step,
        samplesSeen,
        seed: config.seed,
        adamStep: optimizer.step,
        lossHistory,
        fingerprint: config.fingerprint,
        data: { epoch, order: source.epochOrder(epoch) },
      };
      const adam = await optimizer.state();
      await writeCheckpoint(config.checkpointPath, params, {
        state,
        params: await Promise.all(variables.map(async (v) => (await v.data()) as Float32Array)),
        adamM: adam.m,
        adamV: adam.v,
        ema: ema ? await Promise.all(ema.map(async (v) => (await v.data()) as Float32Array)) : null,
      });
      await hooks.onCheckpoint?.(step, config.checkpointPath);
    };

    while (step < config.steps) {
      if (hooks.signal?.aborted) {
        status = 'cancelled';
        break;
      }
      let lossSum = 0;
      let accumulated: tf.Tensor[] | null = null;
      let cancelled = false;
      for (let micro = 0; micro < config.gradientAccumulation; micro++) {
        if (hooks.signal?.aborted) {
          cancelled = true;
          break;
        }
        const first = step * samplesPerStep + micro * config.batchSize;
        const batch = source.batch(first, config.batchSize);
        try {
          const { loss, grads } = objective.lossAndGrads(batch);
          lossSum += loss;
          if (accumulated === null) accumulated = grads;
          else {
            const previous: tf.Tensor[] = accumulated;
            accumulated = previous.map((a, i) => tf.add(a, grads[i]!));
            tf.dispose([...previous, ...grads]);
          }
        } finally {
          source.dispose(batch);
        }
        // Let timers, signals and I/O through between micro-batches.
        await new Promise((r) => setImmediate(r));
      }
      if (cancelled) {
        if (accumulated) tf.dispose(accumulated);
        status = 'cancelled';
        break;
      }
      const lr = learningRateAt(
        { kind: config.schedule, lr: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps },
        step,
      );
      const grads: tf.Tensor[] = accumulated!;
      const mean =
        config.gradientAccumulation === 1
          ? grads
          : grads.map((g) => tf.tidy(() => tf.div(g, config.gradientAccumulation)));
      optimizer.apply(mean, lr);
      tf.dispose(grads);
      if (mean !== grads) tf.dispose(mean);
      if (ema) {
        const decay = config.emaDecay!;
        tf.tidy(() => {
          for (const [i, e] of ema!.entries())
            e.assign(tf.add(tf.mul(e, decay), tf.mul(variables[i]!, 1 - decay)));
        });
      }
      step++;
      const loss = lossSum / config.gradientAccumulation;
      lossHistory.push({ step, loss });
      smoothed = SMOOTHING * smoothed + (1 - SMOOTHING) * loss;
      smoothedCount++;
      const now = performance.now();
      stepEnds.push(now);
      if (stepEnds.length > RATE_WINDOW + 1) stepEnds.shift();
      const windowStart = stepEnds.length > 1 ? stepEnds[0]! : started;
      const windowSteps = stepEnds.length > 1 ? stepEnds.length - 1 : 1;
      const itPerSec = (windowSteps * 1000) / Math.max(1e-3, now - windowStart);
      if (config.checkpointEvery > 0 && (step % config.checkpointEvery === 0 || step === config.steps))
        await saveCheckpoint();
      if (config.previewEvery > 0 && step % config.previewEvery === 0 && hooks.onPreview)
        await hooks.onPreview(step);
      await hooks.onProgress?.({
        step,
        totalSteps: config.steps,
        epoch: Math.floor((step * samplesPerStep) / source.epochLength),
        loss,
        smoothedLoss: smoothed / (1 - SMOOTHING ** smoothedCount),
        lr,
        itPerSec,
        samplesPerSec: itPerSec * samplesPerStep,
        elapsedMs: now - started,
        etaMs: ((config.steps - step) / itPerSec) * 1000,
      });
    }
    // The EMA weights are the run's result when EMA is on.
    if (ema && status === 'completed') for (const [i, e] of ema.entries()) variables[i]!.assign(e);
    const seconds = (performance.now() - started) / 1000;
    return {
      status,
      step,
      resumedFrom,
      lossHistory,
      finalLoss: lossHistory.at(-1)?.loss ?? null,
      samplesPerSec: seconds > 0 ? ((step - resumedFrom) * samplesPerStep) / seconds : 0,
    };
  } finally {
    optimizer.dispose();
    if (ema) tf.dispose(ema);
  }
}
