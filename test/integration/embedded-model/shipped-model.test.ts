// The embedded model the studio ships (assets/models/embedded): found without configuration, and it
// makes pictures that follow the prompt. "Follows the prompt" is judged by the quality bench's
// evaluation classifier (assets/eval/classifier), trained on the real training pictures: a figure
// prompt must give a picture it reads as a figure of the prompt's colour, an emoji prompt one it
// reads as an emoji.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend.ts';
import {
  EMBEDDED_MODEL_DIR,
  embeddedModelAvailable,
  loadDefaultModel,
} from '../../../main/engine/pipeline/default-model.ts';
import { generate } from '../../../main/engine/pipeline/generate.ts';
import type { LatentDiffusionModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { type EvalClassifier, loadEvalClassifier } from '../../bench/quality/classifier.ts';
import { generateBatch } from '../../bench/quality/generate-batch.ts';

let model: LatentDiffusionModel;
let classifier: EvalClassifier;

beforeAll(async () => {
  await initBackend();
  model = await loadDefaultModel();
  classifier = await loadEvalClassifier();
});

afterAll(() => {
  model?.dispose();
  classifier?.dispose();
});

const FIGURE_PROMPTS = [
  { prompt: 'a red figure standing, facing front, green ground, day sky', colour: 'red' },
  { prompt: 'a blue figure walking, facing left, sandy ground, day sky', colour: 'blue' },
  { prompt: 'a yellow figure standing, facing front, grey ground, evening sky', colour: 'yellow' },
  { prompt: 'a green figure raising both arms, facing front, snowy ground, day sky', colour: 'green' },
];
const EMOJI_PROMPTS = [
  'red apple, food-fruit, on a blue background',
  'grinning face with big eyes, face-smiling, on a yellow background',
  'dog face, animal-mammal, on a green background',
  'red heart, heart, on a white background',
];

function argmaxRows(logits: tf.Tensor2D): number[] {
  return tf.tidy(() => Array.from(tf.argMax(logits, 1).dataSync()));
}

describe('the shipped embedded model', () => {
  it('is found in assets without configuration and is the trained model', () => {
    expect(embeddedModelAvailable(), `no model folder in ${EMBEDDED_MODEL_DIR}`).toBe(true);
    expect(model.manifest.id).toBe('scedit-embedded-v2');
    expect(model.manifest.imageSize).toBe(64);
  });

  it('draws figures in the colour the prompt asks for, and emoji for emoji prompts', async () => {
    const prompts = [...FIGURE_PROMPTS.map((p) => p.prompt), ...EMOJI_PROMPTS];
    const seeds = prompts.map((_, i) => 100 + i);
    const images = await generateBatch(model, prompts, seeds, { steps: 16, guidance: 5, sampler: 'euler' });
    const out = classifier.forward(images);
    try {
      const sources = argmaxRows(out.logits.source!).map((i) => classifier.head('source').classes[i]);
      const colours = argmaxRows(out.logits.figure_color!).map(
        (i) => classifier.head('figure_color').classes[i],
      );
      const figureSources = sources.slice(0, FIGURE_PROMPTS.length);
      const emojiSources = sources.slice(FIGURE_PROMPTS.length);
      expect(figureSources.filter((s) => s === 'figures').length).toBeGreaterThanOrEqual(3);
      expect(emojiSources.filter((s) => s === 'emoji').length).toBeGreaterThanOrEqual(3);
      const colourHits = FIGURE_PROMPTS.filter((p, i) => colours[i] === p.colour).length;
      expect(
        colourHits,
        `colours read: ${colours.slice(0, FIGURE_PROMPTS.length).join(', ')}`,
      ).toBeGreaterThanOrEqual(3);
    } finally {
      images.dispose();
      out.features.dispose();
      for (const t of Object.values(out.logits)) t.dispose();
    }
  }, 120_000);

  it('generates through the studio pipeline without leaking tensors', async () => {
    const params = {
      prompt: 'red apple',
      seed: 7,
      steps: 4,
      guidance: 5,
      sampler: 'euler_a' as const,
      width: 64,
      height: 64,
    };
    const first = await generate(model, params);
    const before = tf.memory().numTensors;
    const second = await generate(model, params);
    expect(tf.memory().numTensors).toBe(before);
    expect(second.image.width).toBe(64);
    // Same seed, same picture, bit for bit.
    expect(Buffer.from(second.image.data).equals(Buffer.from(first.image.data))).toBe(true);
    // Not a flat or empty picture.
    const px = second.image.data;
    let min = 255;
    let max = 0;
    for (let i = 0; i < px.length; i += 4) {
      min = Math.min(min, px[i]!);
      max = Math.max(max, px[i]!);
    }
    expect(max - min).toBeGreaterThan(40);
  }, 60_000);
});
