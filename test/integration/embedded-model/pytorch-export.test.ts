// A model folder written by the PyTorch training scripts (scripts/train-embedded/export_model.py)
// loads in the engine and computes what PyTorch computed. The fixture is a tiny model trained two
// steps per stage by the same code as the real runs; its PyTorch outputs on fixed inputs are stored
// beside it (NCHW), so CI needs no torch. Regenerate with:
//   scripts/train-embedded/run.sh make_fixture.py
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend.ts';
import { openSafetensors } from '../../../main/engine/io/safetensors.ts';
import { generate } from '../../../main/engine/pipeline/generate.ts';
import {
  type LatentDiffusionModel,
  loadModel,
} from '../../../main/engine/pipeline/latent-diffusion-model.ts';

const FIXTURE = fileURLToPath(new URL('./fixture', import.meta.url));
const TOLERANCE = 1e-4;

let model: LatentDiffusionModel;
const io = new Map<string, tf.Tensor>();
let prompts: string[] = [];

beforeAll(async () => {
  await initBackend();
  model = await loadModel(join(FIXTURE, 'model'));
  const file = await openSafetensors(join(FIXTURE, 'pytorch-io.safetensors'));
  try {
    for (const name of file.keys()) io.set(name, tf.tensor(await file.read(name), file.info(name).shape));
    prompts = JSON.parse(file.metadata.prompts ?? '[]');
  } finally {
    await file.close();
  }
});

afterAll(() => {
  model?.dispose();
  for (const t of io.values()) t.dispose();
});

function torchValue(name: string): tf.Tensor {
  const t = io.get(name);
  if (!t) throw new Error(`pytorch-io.safetensors has no tensor ${name}`);
  return t;
}

const nhwc = (t: tf.Tensor) => tf.transpose(t as tf.Tensor4D, [0, 2, 3, 1]) as tf.Tensor4D;

function maxAbsDiff(ours: tf.Tensor, theirs: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!);
}

function maxAbs(t: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
}

describe('a model folder exported by the PyTorch trainer', () => {
  it('loads with the manifest, tokenizer and latent scale factor the export wrote', () => {
    expect(model.manifest.id).toBe('fixture-tiny');
    expect(model.manifest.imageSize).toBe(16);
    expect(model.manifest.schedule.betaSchedule).toBe('scaled_linear');
    expect(model.vae.config.scaleFactor).not.toBe(1);
    expect(model.text.tokenizer.vocabSize).toBe(model.manifest.config.text.vocabSize);
  });

  it('tokenizes the prompts into the ids PyTorch was given', () => {
    expect(prompts.length).toBeGreaterThan(0);
    const ids = torchValue('ids').arraySync() as number[][];
    expect(prompts.map((prompt) => model.text.tokenizer.encode(prompt))).toEqual(ids);
  });

  it('text encoder context equals PyTorch within 1e-4', () => {
    const context = model.text.encode(prompts);
    const theirs = torchValue('context');
    expect(maxAbs(theirs)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(context, theirs)).toBeLessThanOrEqual(TOLERANCE);
    context.dispose();
  });

  it('VAE encode (mean, log-variance) and decode equal PyTorch within 1e-4', () => {
    tf.tidy(() => {
      const { mean, logvar } = model.vae.encode(nhwc(torchValue('image')));
      expect(maxAbsDiff(mean, nhwc(torchValue('mean')))).toBeLessThanOrEqual(TOLERANCE);
      expect(maxAbsDiff(logvar, nhwc(torchValue('logvar')))).toBeLessThanOrEqual(TOLERANCE);
      const decoded = model.vae.decode(nhwc(torchValue('latent')));
      expect(maxAbs(torchValue('decoded'))).toBeGreaterThan(0.05);
      expect(maxAbsDiff(decoded, nhwc(torchValue('decoded')))).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('U-Net noise prediction equals PyTorch within 1e-4', () => {
    tf.tidy(() => {
      const context = tf.slice(torchValue('context'), [0, 0, 0], [2, -1, -1]) as tf.Tensor3D;
      const eps = model.unet.forward(nhwc(torchValue('latent')), torchValue('t') as tf.Tensor1D, context);
      expect(maxAbs(torchValue('eps'))).toBeGreaterThan(0.1);
      expect(maxAbsDiff(eps, nhwc(torchValue('eps')))).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('generates a picture through generate() without leaking tensors', async () => {
    const params = {
      prompt: 'a red apple',
      seed: 3,
      steps: 2,
      guidance: 2,
      sampler: 'ddim' as const,
      width: 16,
      height: 16,
    };
    const first = await generate(model, params);
    const before = tf.memory().numTensors;
    const second = await generate(model, params);
    expect(tf.memory().numTensors).toBe(before);
    expect(second.image.width).toBe(16);
    expect(second.image.height).toBe(16);
    expect(Buffer.from(second.image.data)).toEqual(Buffer.from(first.image.data));
    const rgb = [...second.image.data].filter((_, i) => i % 4 !== 3);
    expect(new Set(rgb).size).toBeGreaterThan(4);
  });
});
