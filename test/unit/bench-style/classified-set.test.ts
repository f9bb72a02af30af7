// The style bench's classified set gathers, over batches, exactly the features and argmax classes
// the shipped eval classifier gives the whole set at once, and keeps no tensor.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend.ts';
import { type EvalClassifier, loadEvalClassifier } from '../../../test/bench/quality/classifier.ts';
import { gaussianStats } from '../../../test/bench/quality/frechet.ts';
import { ClassifiedSet } from '../../../test/bench/style/classified-set.ts';

let classifier: EvalClassifier;
beforeAll(async () => {
  await initBackend();
  classifier = await loadEvalClassifier();
});
afterAll(() => classifier?.dispose());

describe('classified set (style bench)', () => {
  it('matches one forward pass over the whole set, batch by batch, and frees its tensors', async () => {
    const size = classifier.config.input.size;
    const pictures = tf.randomUniform([5, size, size, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    const whole = classifier.forward(pictures);
    const features = (await whole.features.data()) as Float32Array;
    const set = new ClassifiedSet(classifier);
    const before = tf.memory().numTensors;
    for (const [start, count] of [
      [0, 2],
      [2, 3],
    ] as const) {
      const part = tf.slice(pictures, [start, 0, 0, 0], [count, -1, -1, -1]);
      await set.add(part);
      part.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(set.count).toBe(5);
    const mine = set.stats();
    const theirs = gaussianStats(features, 5, classifier.config.architecture.features);
    for (let i = 0; i < mine.mean.length; i++) expect(mine.mean[i]).toBeCloseTo(theirs.mean[i]!, 4);
    for (const name of classifier.headNames) {
      const classes = classifier.head(name).classes;
      const argmax = Array.from(tf.tidy(() => tf.argMax(whole.logits[name]!, 1)).dataSync());
      expect(set.predicted[name]).toEqual(argmax.map((i) => classes[i]));
    }
    tf.dispose([pictures, whole.features, ...Object.values(whole.logits)]);
  });

  it('resizes pictures of another size to the classifier input', async () => {
    const set = new ClassifiedSet(classifier);
    const big = tf.zeros([2, 96, 96, 3]) as tf.Tensor4D;
    await set.add(big);
    big.dispose();
    expect(set.count).toBe(2);
    expect(set.predicted.source).toHaveLength(2);
  });
});
