// Batched generation with a tuner mix (the style bench's pictures) makes, per picture, what
// generate() makes alone with the same mix (an SC-Tuner, a LoRA); it frees what it makes and
// leaves no LoRA attached. On the PyTorch-exported
// fixture model (16 px), so this stays fast.
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
import type { TunerMix } from '../../../main/engine/tuners/composition.ts';
import { LoraTuner } from '../../../main/engine/tuners/lora.ts';
import { ScTuner } from '../../../main/engine/tuners/sc-tuner.ts';
import { generateBatch } from '../../../test/bench/quality/generate-batch.ts';

const MODEL = fileURLToPath(new URL('../../integration/embedded-model/fixture/model', import.meta.url));
const OPTIONS = { steps: 3, guidance: 2, sampler: 'euler_a' as const };
const PROMPTS = ['a red apple', 'a blue figure'];
const SEEDS = [5, 11];
let model: LatentDiffusionModel;
let sc: ScTuner;
let lora: LoraTuner;

/** Fills every parameter with seeded noise, so the zero-initialised up weights edit something. */
function randomise(params: ScTuner['params'], seed: number): void {
  for (const [i, p] of params.list().entries())
    tf.tidy(() => p.value.assign(tf.randomNormal(p.value.shape, 0, 0.3, 'float32', seed + i)));
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

beforeAll(async () => {
  await initBackend();
  model = await loadModel(MODEL);
  sc = new ScTuner({ layout: { skips: model.unet.skipInfo }, downRatio: 1 }, { seed: 3 });
  randomise(sc.params, 100);
  lora = new LoraTuner(model.unet, { rank: 2 }, { seed: 4 });
  randomise(lora.params, 200);
});
afterAll(() => {
  sc?.dispose();
  lora?.dispose();
  model?.dispose();
});

describe('batched generation with a tuner mix (style bench)', () => {
  for (const [name, mixOf] of [
    ['an SC-Tuner', (): TunerMix => ({ sc: [{ tuner: sc, scale: 0.7 }], csc: [] })],
    ['a LoRA', (): TunerMix => ({ sc: [], csc: [], lora: [{ tuner: lora, scale: 0.7 }] })],
  ] as const) {
    it(`with ${name} makes each picture as generate() does alone with that mix, and changes it`, async () => {
      const base = await generateBatch(model, PROMPTS, SEEDS, OPTIONS, null);
      const batch = await generateBatch(model, PROMPTS, SEEDS, OPTIONS, mixOf());
      expect(maxDiff(base, batch)).toBeGreaterThan(0.05);
      for (let b = 0; b < PROMPTS.length; b++) {
        const alone = await generate(model, {
          prompt: PROMPTS[b]!,
          seed: SEEDS[b]!,
          width: 16,
          height: 16,
          mix: mixOf(),
          ...OPTIONS,
        });
        const diff = tf.tidy(() =>
          maxDiff(
            tf.clipByValue(tf.slice(batch, [b, 0, 0, 0], [1, -1, -1, -1]), -1, 1),
            rgbaToTensor(alone.image, '-1,1'),
          ),
        );
        // generate() rounds to 8 bits: half a level, plus float noise of the larger batch.
        expect(diff).toBeLessThanOrEqual(1.5 / 127.5);
      }
      tf.dispose([base, batch]);
    });
  }

  it('frees every tensor but the pictures, detaches the LoRA, and checks its arguments', async () => {
    const mix: TunerMix = { sc: [{ tuner: sc, scale: 1 }], csc: [], lora: [{ tuner: lora, scale: 1 }] };
    const plain = await generateBatch(model, ['x'], [1], OPTIONS, null);
    (await generateBatch(model, ['x'], [1], OPTIONS, mix)).dispose();
    const before = tf.memory().numTensors;
    (await generateBatch(model, ['x'], [1], OPTIONS, mix)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const after = await generateBatch(model, ['x'], [1], OPTIONS, null);
    expect(maxDiff(plain, after)).toBe(0);
    tf.dispose([plain, after]);
    await expect(generateBatch(model, ['a', 'b'], [1], OPTIONS, null)).rejects.toThrow(
      /2 prompts and 1 seeds/,
    );
  });
});
