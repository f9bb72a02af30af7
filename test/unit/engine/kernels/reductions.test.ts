import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seeded, useWasmWithOverrides, wasmVsCpu } from './compare-backends.ts';

const cases: [number[], number[], boolean][] = [
  [[2, 5, 6, 7], [1, 2], true],
  [[2, 5, 6, 7], [1, 2], false],
  [[2, 5, 6, 4, 3], [1, 2, 4], true],
  [[2, 5, 6, 7], [0], false],
  [[2, 5, 6, 7], [0, 1, 2], false],
  [[2, 5, 6, 7], [0, 3], true],
  [[2, 5, 6, 7], [3], true],
  [[2, 1, 6, 7], [1, 3], false],
  [[4, 9], [0, 1], false],
];

describe('sum and mean over any axes on wasm match the cpu backend', () => {
  beforeAll(useWasmWithOverrides);

  for (const [shape, axes, keepDims] of cases) {
    it(`reduces ${shape} over ${axes} (keepDims ${keepDims})`, async () => {
      const err = await wasmVsCpu(() => {
        const x = tf.tensor(seeded(shape, 31), shape);
        return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims)];
      });
      expect(err).toBeLessThanOrEqual(1e-5);
    });
  }

  it('computes group-norm statistics and their gradient', async () => {
    const err = await wasmVsCpu(() => {
      const x = tf.tensor(seeded([2, 6, 5, 8], 32), [2, 6, 5, 8]);
      const f = (a: tf.Tensor) => {
        const g = tf.reshape(a, [2, 6, 5, 4, 2]);
        const { mean, variance } = tf.moments(g, [1, 2, 4], true);
        return tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-5))), [2, 6, 5, 8]);
      };
      return [f(x), tf.grad(f)(x, tf.tensor(seeded([2, 6, 5, 8], 33), [2, 6, 5, 8]))];
    });
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});
