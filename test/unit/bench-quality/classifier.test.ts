// The shipped eval classifier (assets/eval/classifier) computes in TypeScript what it computed in
// PyTorch: fixture/classifier-io.safetensors holds PyTorch's features and logits on fixed NCHW
// inputs (two held-out pictures and one synthetic input). Regenerate with
//   OMP_NUM_THREADS=1 scripts/train-embedded/run.sh train_classifier.py --fixture-only
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend.ts';
import { openSafetensors } from '../../../main/engine/io/safetensors.ts';
import {
  CLASSIFIER_DIR,
  type EvalClassifier,
  loadEvalClassifier,
  parseClassifierConfig,
} from '../../../test/bench/quality/classifier.ts';

const FIXTURE = fileURLToPath(new URL('./fixture/classifier-io.safetensors', import.meta.url));
const TOLERANCE = 1e-4;

let classifier: EvalClassifier;
const io = new Map<string, tf.Tensor>();
let dir: string;

beforeAll(async () => {
  await initBackend();
  classifier = await loadEvalClassifier();
  const file = await openSafetensors(FIXTURE);
  try {
    for (const name of file.keys()) io.set(name, tf.tensor(await file.read(name), file.info(name).shape));
  } finally {
    await file.close();
  }
  dir = mkdtempSync(join(tmpdir(), 'eval-classifier-'));
});

afterAll(() => {
  classifier?.dispose();
  for (const t of io.values()) t.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function torchValue(name: string): tf.Tensor {
  const t = io.get(name);
  if (!t) throw new Error(`classifier-io.safetensors has no tensor ${name}`);
  return t;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('the eval classifier', () => {
  it('has the heads the quality bench reads, each with its classes and held-out accuracy', () => {
    for (const name of ['source', 'emoji_category', 'emoji_subcategory', 'figure_pose', 'figure_color']) {
      const head = classifier.head(name);
      expect(head.classes.length).toBeGreaterThanOrEqual(2);
      expect(head.heldoutAccuracy).toBeGreaterThan(1 / head.classes.length);
    }
    expect(classifier.head('figure_pose').classes).toContain('arms_up');
    expect(() => classifier.head('nope')).toThrow(/has no head "nope"/);
  });

  it('gives PyTorch features and logits of every head within 1e-4', () => {
    tf.tidy(() => {
      const input = tf.transpose(torchValue('input') as tf.Tensor4D, [0, 2, 3, 1]) as tf.Tensor4D;
      const out = classifier.forward(input);
      const features = torchValue('features');
      expect(tf.max(tf.abs(features)).dataSync()[0]).toBeGreaterThan(0.1);
      expect(maxAbsDiff(out.features, features)).toBeLessThanOrEqual(TOLERANCE);
      for (const name of classifier.headNames) {
        const theirs = torchValue(`logits.${name}`);
        expect(tf.max(tf.abs(theirs)).dataSync()[0]).toBeGreaterThan(0.1);
        expect(maxAbsDiff(out.logits[name]!, theirs)).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  });

  it('knows the two real pictures for what they are', () => {
    const sources = tf.tidy(() => {
      const input = tf.transpose(torchValue('input') as tf.Tensor4D, [0, 2, 3, 1]) as tf.Tensor4D;
      return tf.argMax(classifier.forward(input).logits.source!, 1).arraySync() as number[];
    });
    const classes = classifier.head('source').classes;
    expect([classes[sources[0]!], classes[sources[1]!]]).toEqual(['figures', 'emoji']);
  });

  it('does not leak tensors across calls', () => {
    const input = tf.zeros([2, 64, 64, 3]) as tf.Tensor4D;
    const run = () => {
      const out = classifier.forward(input);
      out.features.dispose();
      for (const t of Object.values(out.logits)) t.dispose();
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => classifier.forward(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D)).toThrow(
      /expected \[B, 64, 64, 3\]/,
    );
    input.dispose();
  });

  it('refuses a config with a missing field or a weights file that does not match it', async () => {
    const config = JSON.parse(readFileSync(join(CLASSIFIER_DIR, 'config.json'), 'utf8'));
    expect(() => parseClassifierConfig({ ...config, heads: [] }, 'c.json')).toThrow(/c\.json: heads/);
    cpSync(join(CLASSIFIER_DIR, 'weights.safetensors'), join(dir, 'weights.safetensors'));
    const wider = {
      ...config,
      architecture: { ...config.architecture, features: config.architecture.features + 1 },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(wider));
    await expect(loadEvalClassifier(dir)).rejects.toThrow(/feature\.weight" has shape/);
  });
});
