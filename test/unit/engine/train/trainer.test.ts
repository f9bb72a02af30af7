import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { ParamStore } from '../../../../main/engine/nn/params.ts';
import { AdamW } from '../../../../main/engine/train/adamw.ts';
import { learningRateAt } from '../../../../main/engine/train/lr-schedule.ts';
import { shuffledIndices, streamSeed } from '../../../../main/engine/train/rng.ts';
import {
  type BatchSource,
  runTrainer,
  type TrainerConfig,
  type TrainingObjective,
} from '../../../../main/engine/train/trainer.ts';
import { tempDir } from './folders.ts';

beforeAll(async () => {
  await initBackend();
});

// A learnable toy: fit y = x·W* + b* (W* fixed) from samples drawn by index.
const IN = 6;
const OUT = 3;
const TRUE_W = Array.from({ length: IN * OUT }, (_, i) => Math.sin(i * 1.7) * 0.8);
const TRUE_B = [0.3, -0.5, 0.1];

interface ToyBatch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

function toySource(epochLength = 32): BatchSource<ToyBatch> {
  const row = (i: number) => Array.from({ length: IN }, (_, k) => Math.sin(i * 0.37 + k * 1.3) * 1.5);
  return {
    epochLength,
    batch(first, size) {
      const rows = Array.from({ length: size }, (_, k) => row((first + k) % epochLength));
      return tf.tidy(() => {
        const x = tf.tensor2d(rows);
        const y = tf.add(tf.matMul(x, tf.tensor2d(TRUE_W, [IN, OUT])), tf.tensor1d(TRUE_B)) as tf.Tensor2D;
        return { x, y };
      });
    },
    dispose: (b) => tf.dispose([b.x, b.y]),
    epochOrder: (epoch) => shuffledIndices(epochLength, streamSeed(1, epoch)),
  };
}

function toyObjective(seed = 1): TrainingObjective<ToyBatch> & { store: ParamStore } {
  const store = new ParamStore({ allocate: true, seed });
  const w = store.create('w', [IN, OUT], 'linear', { kind: 'uniform', bound: 0.3 });
  const b = store.create('b', [OUT], 'plain', { kind: 'zeros' });
  const params = store.list();
  return {
    store,
    params,
    lossAndGrads(batch) {
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(batch.x, w.value), b.value), batch.y))) as tf.Scalar,
        params.map((p) => p.value),
      );
      const loss = value.dataSync()[0]!;
      value.dispose();
      return { loss, grads: params.map((p) => grads[p.value.name]!) };
    },
  };
}

function config(overrides: Partial<TrainerConfig> = {}): TrainerConfig {
  return {
    steps: 60,
    batchSize: 4,
    gradientAccumulation: 1,
    lr: 0.05,
    schedule: 'constant',
    warmupSteps: 0,
    adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    seed: 1,
    emaDecay: null,
    checkpointEvery: 0,
    checkpointPath: null,
    previewEvery: 0,
    fingerprint: 'toy',
    ...overrides,
  };
}

async function values(o: { params: readonly { value: tf.Variable }[] }): Promise<number[]> {
  const out: number[] = [];
  for (const p of o.params) out.push(...((await p.value.data()) as Float32Array));
  return out;
}

describe('AdamW', () => {
  it('matches the PyTorch AdamW update written out by hand', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW([p], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    const g = tf.tensor1d([0.5, -1]);
    opt.apply([g], 0.1);
    opt.apply([g], 0.1);
    // Step 1 and 2 with the same gradient: m^ = g, v^ = g², so each update is lr·sign(g) (plus decay).
    let expected = [1, -2];
    for (let s = 0; s < 2; s++)
      expected = expected.map((v, i) => v * (1 - 0.1 * 0.01) - 0.1 * Math.sign([0.5, -1][i]!));
    const got = Array.from(p.dataSync());
    expect(got[0]).toBeCloseTo(expected[0]!, 5);
    expect(got[1]).toBeCloseTo(expected[1]!, 5);
    tf.dispose([p, g]);
    opt.dispose();
  });
});

describe('learning-rate schedules', () => {
  it('warms up linearly, then holds (constant) or decays to zero (cosine)', () => {
    const base = { lr: 1, warmupSteps: 4, totalSteps: 14 };
    expect(learningRateAt({ ...base, kind: 'constant' }, 0)).toBeCloseTo(0.2);
    expect(learningRateAt({ ...base, kind: 'constant' }, 3)).toBeCloseTo(0.8);
    expect(learningRateAt({ ...base, kind: 'constant' }, 10)).toBe(1);
    expect(learningRateAt({ ...base, kind: 'cosine' }, 4)).toBeCloseTo(1);
    expect(learningRateAt({ ...base, kind: 'cosine' }, 9)).toBeCloseTo(0.5);
    expect(learningRateAt({ ...base, kind: 'cosine' }, 14)).toBeCloseTo(0);
  });
});

describe('the training loop', () => {
  it('drives the loss of a learnable toy task down by orders of magnitude', async () => {
    const o = toyObjective();
    const before = tf.memory().numTensors;
    const r = await runTrainer(config(), o, toySource());
    expect(r.status).toBe('completed');
    expect(r.lossHistory).toHaveLength(60);
    expect(r.finalLoss!).toBeLessThan(r.lossHistory[0]!.loss / 50);
    expect(tf.memory().numTensors).toBe(before);
    o.store.dispose();
  });

  it('accumulating 2 batches of 2 is the same update as one batch of 4', async () => {
    const a = toyObjective();
    const b = toyObjective();
    await runTrainer(config({ steps: 5 }), a, toySource());
    await runTrainer(config({ steps: 5, batchSize: 2, gradientAccumulation: 2 }), b, toySource());
    const va = await values(a);
    const vb = await values(b);
    for (const [i, v] of va.entries()) expect(vb[i]).toBeCloseTo(v, 5);
    a.store.dispose();
    b.store.dispose();
  });

  it('resumes from a checkpoint to exactly the uninterrupted result, and refuses a foreign one', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ckpt.safetensors');
    const whole = toyObjective();
    const straight = await runTrainer(config({ steps: 12, emaDecay: 0.9 }), whole, toySource());
    const first = toyObjective();
    const controller = new AbortController();
    const part = await runTrainer(
      config({ steps: 12, emaDecay: 0.9, checkpointEvery: 5, checkpointPath: path }),
      first,
      toySource(),
      { signal: controller.signal, onProgress: (p) => (p.step === 7 ? controller.abort() : undefined) },
    );
    expect(part.status).toBe('cancelled');
    // Cancel stops within a step; the last checkpoint (step 5) stays.
    expect(part.step).toBe(7);
    expect(existsSync(path)).toBe(true);
    first.store.dispose();
    const second = toyObjective(99);
    const rest = await runTrainer(
      config({ steps: 12, emaDecay: 0.9, checkpointEvery: 5, checkpointPath: path }),
      second,
      toySource(),
      { resume: true },
    );
    expect(rest.resumedFrom).toBe(5);
    expect(rest.lossHistory.map((h) => h.step)).toEqual(straight.lossHistory.map((h) => h.step));
    for (const [i, h] of rest.lossHistory.entries())
      expect(h.loss).toBeCloseTo(straight.lossHistory[i]!.loss, 6);
    const vw = await values(whole);
    const vs = await values(second);
    for (const [i, v] of vw.entries()) expect(vs[i]).toBeCloseTo(v, 6);
    await expect(
      runTrainer(
        config({ steps: 20, checkpointEvery: 5, checkpointPath: path, fingerprint: 'other' }),
        second,
        toySource(),
        {
          resume: true,
        },
      ),
    ).rejects.toThrow(/other training data or settings/);
    whole.store.dispose();
    second.store.dispose();
  });

  it('reports step, loss, smoothed loss, rate and ETA', async () => {
    const o = toyObjective();
    const seen: { step: number; smoothed: number; eta: number; rate: number }[] = [];
    await runTrainer(config({ steps: 5 }), o, toySource(), {
      onProgress: (p) => {
        seen.push({ step: p.step, smoothed: p.smoothedLoss, eta: p.etaMs, rate: p.itPerSec });
      },
    });
    expect(seen.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.every((s) => Number.isFinite(s.smoothed) && s.rate > 0 && s.eta >= 0)).toBe(true);
    expect(seen.at(-1)!.eta).toBe(0);
    o.store.dispose();
  });
});
