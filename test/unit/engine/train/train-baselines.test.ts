// The baselines (LoRA, ControlNet) through the same trainer as SC/CSC-Tuners: they learn the toy
// task, write files that load back for generation, and resume; and depth maps for condition
// training come paired or from a depth model, else a clear refusal.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { readImage } from '../../../../main/engine/io/image.ts';
import { writeSafetensors } from '../../../../main/engine/io/safetensors.ts';
import type { LatentDiffusionModel } from '../../../../main/engine/pipeline/latent-diffusion-model.ts';
import { controlNetObjective, loraObjective } from '../../../../main/engine/train/baseline-objectives.ts';
import { conditionExtractor } from '../../../../main/engine/train/condition-maps.ts';
import { scanTrainingFolder, TrainingDataError } from '../../../../main/engine/train/dataset-scan.ts';
import { FeatureCache } from '../../../../main/engine/train/feature-cache.ts';
import {
  type DiffusionBatch,
  disposeBatch,
  SampleStream,
} from '../../../../main/engine/train/sample-stream.ts';
import {
  TUNER_TRAINING_DEFAULTS,
  type TunerTrainingOptions,
  trainTuner,
} from '../../../../main/engine/train/train-tuner.ts';
import type { TrainingObjective } from '../../../../main/engine/train/trainer.ts';
import { prepareTrainingData } from '../../../../main/engine/train/training-data.ts';
import { inspectBaseline, loadBaseline } from '../../../../main/engine/tuners/baseline-file.ts';
import { ControlNet } from '../../../../main/engine/tuners/controlnet.ts';
import { LoraTuner } from '../../../../main/engine/tuners/lora.ts';
import { perturbParams } from '../models/perturb.ts';
import { tinyModel } from '../pipeline/tiny-model.ts';
import { patternFolder, tempDir } from './folders.ts';

let model: LatentDiffusionModel;

beforeAll(async () => {
  await initBackend();
  model = tinyModel(3);
  perturbParams(model.unet.params, 3, 0.2);
});

function options(dir: string, overrides: Partial<TunerTrainingOptions> = {}): TunerTrainingOptions {
  return {
    ...TUNER_TRAINING_DEFAULTS,
    kind: 'lora',
    condition: null,
    dataFolder: join(dir, 'data'),
    name: 'baseline',
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

/** Mean loss over fixed held-out samples (noise, timesteps) of the folder. */
async function evalLoss(
  dir: string,
  condition: string | null,
  objective: TrainingObjective<DiffusionBatch>,
): Promise<number> {
  const scan = await scanTrainingFolder(join(dir, 'data'), {
    condition: condition ?? undefined,
    canExtractCondition: true,
  });
  const data = await prepareTrainingData(
    model,
    scan,
    { resolution: 32, flip: false, condition },
    new FeatureCache(join(dir, 'cache')),
  );
  const stream = new SampleStream(data, 4242, model.schedule.alphasCumprod.length, false);
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

const target = () => ({
  baseModel: { id: model.id, hash: model.hash },
  unet: model.unet,
  latentFactor: model.vaeFactor,
});

describe('baselines through the tuner trainer', () => {
  it('a LoRA lowers the held-out loss of the toy task; its file loads for generation', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 4);
    const tensors = tf.memory().numTensors;
    const result = await trainTuner(model, options(dir, { steps: 20, batchSize: 4, lr: 3e-2, rank: 4 }));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result.tunerPath).toBe(join(dir, 'out', 'baseline.safetensors'));
    const info = await inspectBaseline(result.tunerPath!);
    expect(info).toMatchObject({ kind: 'lora', config: { rank: 4 }, baseModel: { hash: model.hash } });
    expect((info.training as { steps: number; rank: number }).rank).toBe(4);
    const fresh = new LoraTuner(model.unet, { rank: 4 });
    const { baseline } = await loadBaseline(result.tunerPath!, target());
    const before = await evalLoss(dir, null, loraObjective(model, fresh));
    const after = await evalLoss(dir, null, loraObjective(model, baseline.tuner as LoraTuner));
    // The tiny U-Net has attention (all a LoRA adapts) at its lowest level only: a small gain (~2%).
    expect(after).toBeLessThan(before * 0.985);
    fresh.dispose();
    baseline.tuner.dispose();
  });

  it('a ControlNet learns from the canny maps it extracts, with EMA, checkpoints and previews', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 4);
    const tensors = tf.memory().numTensors;
    const result = await trainTuner(
      model,
      options(dir, {
        kind: 'controlnet',
        condition: 'canny',
        steps: 20,
        batchSize: 4,
        lr: 5e-3,
        emaDecay: 0.5,
        checkpointEvery: 10,
        previewEvery: 20,
        previewPrompts: [{ prompt: 'a red apple', steps: 2, seed: 1 }],
      }),
    );
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result.cache.condition).toEqual({ hits: 0, misses: 4 });
    expect(existsSync(result.checkpointPath)).toBe(true);
    expect(existsSync(join(dir, 'out', 'previews', 'step-000020-0.png'))).toBe(true);
    const info = await inspectBaseline(result.tunerPath!);
    expect(info).toMatchObject({ kind: 'controlnet', condition: 'canny' });
    expect(info.parameterCount).toBe(ControlNet.parameterCount(model.unet, info.config as never));
    const fresh = new ControlNet(model.unet, { latentFactor: model.vaeFactor, conditionChannels: 3 });
    const { baseline } = await loadBaseline(result.tunerPath!, target());
    const before = await evalLoss(dir, 'canny', controlNetObjective(model, fresh));
    const after = await evalLoss(dir, 'canny', controlNetObjective(model, baseline.tuner as ControlNet));
    expect(after).toBeLessThan(before * 0.93);
    fresh.dispose();
    baseline.tuner.dispose();
  });

  it('resumes a LoRA run exactly and refuses a checkpoint of another kind', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 2);
    const straight = await trainTuner(model, options(dir, { steps: 3, lr: 1e-2, outDir: join(dir, 'a') }));
    await trainTuner(model, options(dir, { steps: 2, lr: 1e-2, checkpointEvery: 2, outDir: join(dir, 'b') }));
    const resumed = await trainTuner(
      model,
      options(dir, { steps: 3, lr: 1e-2, checkpointEvery: 2, outDir: join(dir, 'b'), resume: true }),
    );
    expect(resumed.resumedFrom).toBe(2);
    for (const [i, h] of resumed.lossHistory.entries())
      expect(h.loss).toBeCloseTo(straight.lossHistory[i]!.loss, 5);
    await expect(
      trainTuner(model, options(dir, { kind: 'sc', steps: 4, outDir: join(dir, 'b'), resume: true })),
    ).rejects.toThrow(/belongs to other training data or settings|has no "/);
  });
});

describe('cancelling a baseline run', () => {
  it('stops a ControlNet within one step, keeps its checkpoint, and resumes it to the end', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 2);
    const controller = new AbortController();
    const steps: number[] = [];
    const o = { kind: 'controlnet' as const, condition: 'canny', steps: 4, checkpointEvery: 1 };
    const cancelled = await trainTuner(model, options(dir, o), {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type !== 'step') return;
        steps.push(e.progress.step);
        controller.abort();
      },
    });
    expect(cancelled).toMatchObject({ status: 'cancelled', step: 1, tunerPath: null });
    expect(steps).toEqual([1]);
    expect(existsSync(cancelled.checkpointPath)).toBe(true);
    const resumed = await trainTuner(model, options(dir, { ...o, resume: true }));
    expect(resumed).toMatchObject({ status: 'completed', resumedFrom: 1, step: 4 });
    expect((await inspectBaseline(resumed.tunerPath!)).kind).toBe('controlnet');
  });
});

describe('depth condition maps', () => {
  /** A 1x1-conv depth model whose depth is the picture's red channel. */
  async function redDepthModel(dir: string): Promise<string> {
    mkdirSync(dir, { recursive: true });
    await writeSafetensors(join(dir, 'model.safetensors'), [
      { name: 'head.weight', dtype: 'F32', shape: [1, 3, 1, 1], data: new Float32Array([1, 0, 0]) },
      { name: 'head.bias', dtype: 'F32', shape: [1], data: new Float32Array([0]) },
    ]);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        architecture: 'scedit-depth-convnet',
        layers: [{ type: 'conv2d', name: 'head', in_channels: 3, out_channels: 1, kernel_size: 1 }],
      }),
    );
    return dir;
  }

  it('without paired maps or a depth model, says depth needs one of them, and creates nothing', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 2);
    const err = await trainTuner(model, options(dir, { kind: 'csc', condition: 'depth' })).catch((e) => e);
    expect(err).toBeInstanceOf(TrainingDataError);
    expect((err as Error).message).toMatch(
      /none has a paired depth map\. depth training needs paired depth maps in conditions\/depth\/ .*or a depth model to extract them \(--depth-model <folder>\)/,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'cache'))).toBe(false);
  });

  it('extracts depth with the given model through the estimator registry and trains on it', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 2);
    const depthModel = await redDepthModel(join(dir, 'depth-model'));
    const extractor = (await conditionExtractor('depth', { depthModel }))!;
    const picture = await readImage(join(dir, 'data', 'img0.png'));
    const map = await extractor.extract(picture);
    extractor.dispose();
    // Red is 230 on the left half and 20 on the right: stretched to 255 and 0.
    expect([map.data[0], map.data[1], map.data[(picture.width - 1) * 4]]).toEqual([255, 255, 0]);
    const result = await trainTuner(
      model,
      options(dir, { kind: 'controlnet', condition: 'depth', depthModel, steps: 1 }),
    );
    expect(result.status).toBe('completed');
    expect(result.cache.condition).toEqual({ hits: 0, misses: 2 });
    const again = await trainTuner(
      model,
      options(dir, { kind: 'csc', condition: 'depth', depthModel, steps: 1, outDir: join(dir, 'out2') }),
    );
    expect(again.cache.condition).toEqual({ hits: 2, misses: 0 });
  });

  it('takes a built-in depth estimator by name, and names the choices for an unknown one', async () => {
    const dir = await tempDir();
    await patternFolder(join(dir, 'data'), 1);
    const extractor = (await conditionExtractor('depth', { depthModel: 'figures' }))!;
    const picture = await readImage(join(dir, 'data', 'img0.png'));
    const map = await extractor.extract(picture);
    extractor.dispose();
    expect([map.width, map.height]).toEqual([picture.width, picture.height]);
    expect(extractor.settings).toMatchObject({
      estimator: 'figures',
      modelHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    await expect(conditionExtractor('depth', { depthModel: 'nope' })).rejects.toThrow(
      /depth model "nope": no such folder or file, and no depth estimator of that name \(built in: .*figures/,
    );
    await expect(
      trainTuner(model, options(dir, { kind: 'csc', condition: 'depth', depthModel: 'nope' })),
    ).rejects.toThrow(/depth model "nope"/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
