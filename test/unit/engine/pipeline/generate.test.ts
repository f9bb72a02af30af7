import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { type GenerateParams, generate } from '../../../../main/engine/pipeline/generate.ts';
import { loadModel, saveModel } from '../../../../main/engine/pipeline/latent-diffusion-model.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import { tinyModel } from './tiny-model.ts';

beforeAll(async () => {
  await initBackend();
});

const params: GenerateParams = {
  prompt: 'a red apple',
  negativePrompt: 'green ground',
  seed: 42,
  steps: 4,
  guidance: 5,
  sampler: 'euler_a',
  width: 32,
  height: 32,
};

describe('text-to-image generation', () => {
  it('gives the same picture for the same seed, bit for bit, and another for another seed', async () => {
    const model = tinyModel();
    const a = await generate(model, params);
    const b = await generate(model, params);
    const c = await generate(model, { ...params, seed: 43 });
    expect([a.image.width, a.image.height]).toEqual([32, 32]);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
    model.dispose();
  });

  it('reports progress every step with previews, and leaves no tensors behind over repeated runs', async () => {
    const model = tinyModel();
    await generate(model, params);
    const before = tf.memory().numTensors;
    const events: { step: number; preview: boolean }[] = [];
    for (let i = 0; i < 5; i++) {
      events.length = 0;
      await generate(
        model,
        { ...params, sampler: i % 2 ? 'dpmpp_2m' : 'euler_a', seed: i },
        {
          previewEvery: 2,
          onProgress: (p) => {
            events.push({ step: p.step, preview: p.preview !== undefined });
          },
        },
      );
    }
    expect(events).toEqual([
      { step: 1, preview: false },
      { step: 2, preview: true },
      { step: 3, preview: false },
      { step: 4, preview: false },
    ]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('stops when cancelled and frees everything', async () => {
    const model = tinyModel();
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const run = generate(
      model,
      { ...params, steps: 20 },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.step === 2) controller.abort(new Error('cancelled by the test'));
        },
      },
    );
    await expect(run).rejects.toThrow(/cancelled by the test/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('with an SC-Tuner at scale 0 gives the base model picture exactly', async () => {
    const model = tinyModel();
    const tuner = new ScTuner({ layout: { skips: model.unet.skipInfo }, downRatio: 1 });
    const base = await generate(model, params);
    const mixed = await generate(model, { ...params, mix: { sc: [{ tuner, scale: 0 }], csc: [] } });
    expect(Buffer.from(mixed.image.data).equals(Buffer.from(base.image.data))).toBe(true);
    tuner.dispose();
    model.dispose();
  });

  it('refuses sizes the model cannot make, naming the multiple', async () => {
    const model = tinyModel();
    await expect(generate(model, { ...params, width: 30 })).rejects.toThrow(
      /width must be a positive multiple of 8/,
    );
    await expect(generate(model, { ...params, steps: 0 })).rejects.toThrow(/steps must be an integer/);
    model.dispose();
  });

  it('saves and loads a model folder; the loaded model generates the same picture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scedit-model-'));
    const model = tinyModel(3);
    await saveModel(dir, model);
    const loaded = await loadModel(dir);
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.shortHash).toBe(loaded.hash.slice(0, 10));
    const a = await generate(model, params);
    const b = await generate(loaded, params);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    loaded.dispose();
    model.dispose();
    writeFileSync(join(dir, 'model.json'), '{"format": "something else"}');
    await expect(loadModel(dir)).rejects.toThrow(/model\.json: format/);
  });
});
