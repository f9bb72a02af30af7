import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import type { LatentDiffusionModel } from '../../../../main/engine/pipeline/latent-diffusion-model.ts';
import { scanTrainingFolder, TrainingDataError } from '../../../../main/engine/train/dataset-scan.ts';
import { FeatureCache } from '../../../../main/engine/train/feature-cache.ts';
import { disposeBatch, SampleStream } from '../../../../main/engine/train/sample-stream.ts';
import { skipTunerObjective } from '../../../../main/engine/train/skip-tuner-objective.ts';
import {
  TrainingMemoryError,
  TUNER_TRAINING_DEFAULTS,
  type TunerTrainingOptions,
  trainTuner,
} from '../../../../main/engine/train/train-tuner.ts';
import {
  bucketSizes,
  chooseBucket,
  prepareTrainingData,
} from '../../../../main/engine/train/training-data.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import type { Tuner } from '../../../../main/engine/tuners/tuner-file.ts';
import { loadTuner } from '../../../../main/engine/tuners/tuner-file.ts';
import { perturbParams } from '../models/perturb.ts';
import { tinyModel } from '../pipeline/tiny-model.ts';
import { patternFolder, patternImage, tempDir, writeImage } from './folders.ts';

let model: LatentDiffusionModel;

beforeAll(async () => {
  await initBackend();
  model = tinyModel(3);
  // LDM zero-initialises the U-Net's output conv; a frozen model with it at zero passes no gradient.
  perturbParams(model.unet.params, 3, 0.2);
});

function options(dir: string, overrides: Partial<TunerTrainingOptions> = {}): TunerTrainingOptions {
  return {
    ...TUNER_TRAINING_DEFAULTS,
    kind: 'sc',
    condition: null,
    dataFolder: join(dir, 'data'),
    name: 'test tuner',
    outDir: join(dir, 'out'),
    cacheDir: join(dir, 'cache'),
    steps: 2,
    epochs: null,
    batchSize: 2,
    resolution: null,
    previewPrompts: [],
    resume: false,
    checkpointEvery: 0,
    ...overrides,
  };
}

/** Counts VAE encodes and text encodes the model performs. */
function countEncodes(m: LatentDiffusionModel): { vae: number; text: number; restore(): void } {
  const counts = { vae: 0, text: 0, restore: () => {} };
  const vaeEncode = m.vae.encode.bind(m.vae);
  const textEncode = m.text.encode.bind(m.text);
  m.vae.encode = (x) => {
    counts.vae++;
    return vaeEncode(x);
  };
  m.text.encode = (p) => {
    counts.text++;
    return textEncode(p);
  };
  counts.restore = () => {
    m.vae.encode = vaeEncode;
    m.text.encode = textEncode;
  };
  return counts;
}

async function evalLoss(dir: string, tuner: Tuner): Promise<number> {
  const scan = await scanTrainingFolder(join(dir, 'data'));
  const data = await prepareTrainingData(
    model,
    scan,
    { resolution: 32, flip: false, condition: null },
    new FeatureCache(join(dir, 'cache')),
  );
  const stream = new SampleStream(data, 4242, model.schedule.alphasCumprod.length, false);
  const objective = skipTunerObjective(model, tuner);
  let total = 0;
  for (let k = 0; k < 4; k++) {
    const batch = stream.batch(k * 8, 8);
    const { loss, grads } = objective.lossAndGrads(batch);
    tf.dispose(grads);
    disposeBatch(batch);
    total += loss;
  }
  return total / 4;
}

describe('training a tuner from a folder', () => {
  it('caches latents and embeddings: a second run encodes nothing, a changed picture only itself', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 4);
    const counts = countEncodes(model);
    try {
      const tensors = tf.memory().numTensors;
      const first = await trainTuner(model, options(dir, { flip: true }));
      expect(first.status).toBe('completed');
      expect(first.cache.latent).toEqual({ hits: 0, misses: 8 });
      expect(first.cache.text).toEqual({ hits: 0, misses: 2 });
      expect(counts.vae).toBe(8);
      expect(counts.text).toBe(2);
      expect(tf.memory().numTensors).toBe(tensors);

      counts.vae = 0;
      counts.text = 0;
      const second = await trainTuner(model, options(dir, { flip: true, outDir: join(dir, 'out2') }));
      expect(second.cache.latent).toEqual({ hits: 8, misses: 0 });
      expect(second.cache.text).toEqual({ hits: 2, misses: 0 });
      expect(counts.vae).toBe(0);
      expect(counts.text).toBe(0);
      expect(second.lossHistory).toEqual(first.lossHistory);

      await writeImage(join(dir, 'data', 'img2.png'), patternImage(32, 32, 0, 99));
      const third = await trainTuner(model, options(dir, { flip: true, outDir: join(dir, 'out3') }));
      expect(third.cache.latent).toEqual({ hits: 6, misses: 2 });
      expect(counts.vae).toBe(2);
      // Another resolution is another key.
      const fourth = await trainTuner(model, options(dir, { resolution: 16, outDir: join(dir, 'out4') }));
      expect(fourth.cache.latent.misses).toBe(4);
    } finally {
      counts.restore();
    }
  });

  it('lowers the loss of a learnable task: a held-out evaluation improves clearly', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 4);
    const result = await trainTuner(model, options(dir, { steps: 30, batchSize: 4, lr: 1e-2 }));
    expect(result.tunerPath).toBe(join(dir, 'out', 'test-tuner.safetensors'));
    const fresh = new ScTuner({ layout: { skips: model.unet.skipInfo }, downRatio: 1 });
    const { tuner } = await loadTuner(result.tunerPath!, {
      baseModel: { id: model.id, hash: model.hash },
      layout: { skips: model.unet.skipInfo },
    });
    const before = await evalLoss(dir, fresh);
    const after = await evalLoss(dir, tuner);
    expect(after).toBeLessThan(before * 0.93);
    fresh.dispose();
    tuner.dispose();
  });

  it('trains a CSC-Tuner on canny maps it extracts, and writes previews from fixed prompts', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 2);
    const result = await trainTuner(
      model,
      options(dir, {
        kind: 'csc',
        condition: 'canny',
        steps: 2,
        previewEvery: 2,
        previewPrompts: [{ prompt: 'a red apple', steps: 2, seed: 1 }],
        checkpointEvery: 1,
      }),
    );
    expect(result.status).toBe('completed');
    expect(result.cache.condition).toEqual({ hits: 0, misses: 2 });
    expect(existsSync(join(dir, 'out', 'previews', 'step-000002-0.png'))).toBe(true);
    expect(existsSync(result.checkpointPath)).toBe(true);
    const { tuner, info } = await loadTuner(result.tunerPath!, {
      baseModel: { id: model.id, hash: model.hash },
      layout: { skips: model.unet.skipInfo },
    });
    expect(info.kind).toBe('csc');
    expect(info.condition).toBe('canny');
    expect((info.training as { steps: number }).steps).toBe(2);
    tuner.dispose();
  });

  it('refuses an unusable folder or a run that cannot fit, creating nothing', async () => {
    const dir = await tempDir();
    await expect(trainTuner(model, options(dir, { dataFolder: join(dir, 'nothing') }))).rejects.toThrow(
      TrainingDataError,
    );
    await patternFolder(join(dir, 'data'), 2);
    const err = await trainTuner(model, options(dir, { batchSize: 8, availableMemory: 10_000_000 })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(TrainingMemoryError);
    expect((err as Error).message).toMatch(
      /Training needs about .* but .* is available: lower --batch to \d/,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'cache'))).toBe(false);
  });
});

describe('aspect-ratio buckets', () => {
  it('offers sizes of about the same area from 1:2 to 2:1 and picks the nearest aspect', () => {
    const sizes = bucketSizes(32, 8);
    for (const [w, h] of sizes) {
      expect(w % 8 === 0 && h % 8 === 0).toBe(true);
      expect(w / h).toBeGreaterThanOrEqual(0.5);
      expect(w / h).toBeLessThanOrEqual(2);
      expect(w * h).toBeLessThanOrEqual(32 * 32 * 1.15);
    }
    expect(chooseBucket(100, 100, sizes)).toEqual([32, 32]);
    expect(chooseBucket(200, 100, sizes)).toEqual([48, 24]);
    expect(chooseBucket(100, 210, sizes)).toEqual([24, 48]);
  });

  it('trains on mixed shapes: each batch holds one bucket, every picture is seen each epoch', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 3);
    await writeImage(join(dir, 'data', 'wide1.png'), patternImage(64, 30, 1));
    await writeImage(join(dir, 'data', 'wide2.png'), patternImage(70, 34, 2));
    await writeImage(join(dir, 'data', 'tall.png'), patternImage(30, 64, 3));
    const scan = await scanTrainingFolder(join(dir, 'data'));
    const data = await prepareTrainingData(
      model,
      scan,
      { resolution: 32, flip: false, condition: null, buckets: true },
      new FeatureCache(null),
    );
    expect(new Set(data.examples.map((e) => e.size.join('x')))).toEqual(new Set(['32x32', '48x24', '24x48']));
    const stream = new SampleStream(data, 5, 1000, false, 2);
    // 3 squares -> 4 slots, 2 wide, 1 tall -> 2: whole batches per bucket.
    expect(stream.epochLength).toBe(8);
    const seen = new Set<number>();
    for (let first = 0; first < 16; first += 2) {
      const batch = stream.batch(first, 2);
      for (const s of batch.samples) seen.add(s.example);
      disposeBatch(batch);
    }
    expect(seen.size).toBe(6);
    const result = await trainTuner(model, options(dir, { buckets: true, steps: 4, batchSize: 2 }));
    expect(result.status).toBe('completed');
    expect(result.lossHistory.every((h) => Number.isFinite(h.loss))).toBe(true);
  });
});

describe('resume', () => {
  it('says so when there is no checkpoint to resume, and extends a finished run', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 2);
    await expect(trainTuner(model, options(dir, { resume: true }))).rejects.toThrow(
      /nothing to resume: .*checkpoint\.safetensors/,
    );
    const first = await trainTuner(model, options(dir, { checkpointEvery: 2 }));
    await expect(trainTuner(model, options(dir, { checkpointEvery: 2, resume: true }))).rejects.toThrow(
      /already reached step 2; ask for more steps/,
    );
    const more = await trainTuner(model, options(dir, { checkpointEvery: 2, resume: true, steps: 3 }));
    expect(more.resumedFrom).toBe(2);
    expect(more.lossHistory.slice(0, 2)).toEqual(first.lossHistory);
    expect(more.lossHistory).toHaveLength(3);
  });
});

describe('caption dropout', () => {
  it('trains the asked share of samples with the empty prompt, the same ones for the same seed, and leaves runs without it unchanged', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 4);
    const scan = await scanTrainingFolder(join(dir, 'data'));
    const data = await prepareTrainingData(
      model,
      scan,
      { resolution: 32, flip: false, condition: null, emptyPrompt: true },
      new FeatureCache(null),
    );
    const empty = model.text.emptyContext(1);
    expect(Array.from(data.emptyContext!)).toEqual(Array.from(await empty.data()));
    empty.dispose();
    const without = new SampleStream(data, 9, 1000, false);
    const withDrop = new SampleStream(data, 9, 1000, false, 1, 0.5);
    const dropped: number[] = [];
    for (let i = 0; i < 400; i++) {
      const a = without.sample(i);
      const b = withDrop.sample(i);
      expect(a.captionDropped).toBe(false);
      // Dropout is drawn after everything else: example, timestep and noise stay what they were.
      expect({ ...b, captionDropped: false }).toEqual(a);
      if (b.captionDropped) dropped.push(i);
    }
    expect(dropped.length / 400).toBeGreaterThan(0.4);
    expect(dropped.length / 400).toBeLessThan(0.6);
    const again = new SampleStream(data, 9, 1000, false, 1, 0.5);
    expect(dropped.every((i) => again.sample(i).captionDropped)).toBe(true);

    const i = dropped[0]!;
    const batch = withDrop.batch(i, 1);
    const kept = without.batch(i, 1);
    const contextSize = data.contextShape[0] * data.contextShape[1];
    expect(Array.from(await batch.context.data())).toEqual(Array.from(data.emptyContext!));
    expect(Array.from(await kept.context.data())).toEqual(
      Array.from(data.contexts[data.examples[kept.samples[0]!.example]!.contextIndex]!).slice(0, contextSize),
    );
    disposeBatch(batch);
    disposeBatch(kept);
    expect(() => new SampleStream(data, 9, 1000, false, 1, 1.5)).toThrow(
      /caption dropout must be between 0 and 1/,
    );
  });
});
