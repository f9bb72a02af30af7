// A picture made in a batch is the picture generate() makes alone from the same prompt and seed,
// on the PyTorch-exported fixture model (16 px, so this stays fast).
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend.ts';
import { generate } from '../../../main/engine/pipeline/generate.ts';
import { rgbaToTensor } from '../../../main/engine/pipeline/images.ts';
import {
  type LatentDiffusionModel,
  loadModel,
} from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { generateBatch } from '../../../test/bench/quality/generate-batch.ts';

const MODEL = fileURLToPath(new URL('../../integration/embedded-model/fixture/model', import.meta.url));
let model: LatentDiffusionModel;

beforeAll(async () => {
  await initBackend();
  model = await loadModel(MODEL);
});
afterAll(() => model?.dispose());

describe('batched generation for the quality bench', () => {
  it('makes each picture as generate() would alone (euler_a draws per-picture noise every step)', async () => {
    const options = { steps: 3, guidance: 2, sampler: 'euler_a' as const };
    const prompts = ['a red apple', 'a blue figure'];
    const seeds = [5, 11];
    const batch = await generateBatch(model, prompts, seeds, options);
    expect(batch.shape).toEqual([2, 16, 16, 3]);
    for (let b = 0; b < 2; b++) {
      const alone = await generate(model, {
        prompt: prompts[b]!,
        seed: seeds[b]!,
        width: 16,
        height: 16,
        ...options,
      });
      const diff = tf.tidy(() => {
        const mine = tf.clipByValue(tf.slice(batch, [b, 0, 0, 0], [1, -1, -1, -1]), -1, 1);
        return tf.max(tf.abs(tf.sub(mine, rgbaToTensor(alone.image, '-1,1')))).dataSync()[0]!;
      });
      // generate() rounds to 8 bits: half a level, plus float noise of the larger batch.
      expect(diff).toBeLessThanOrEqual(1.5 / 127.5);
    }
    const swapped = await generateBatch(model, prompts, [seeds[1]!, seeds[0]!], options);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(swapped, batch))).dataSync()[0]!)).toBeGreaterThan(0.05);
    tf.dispose([batch, swapped]);
  });

  it('frees every tensor it makes but the pictures, and checks its arguments', async () => {
    const options = { steps: 2, guidance: 3, sampler: 'ddim' as const };
    const first = await generateBatch(model, ['x'], [1], options);
    first.dispose();
    const before = tf.memory().numTensors;
    const again = await generateBatch(model, ['x'], [1], options);
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(generateBatch(model, ['a', 'b'], [1], options)).rejects.toThrow(/2 prompts and 1 seeds/);
  });
});
