// Sums and means over non-innermost axes, against the cpu backend: inner sizes that are multiples
// of 4 take the SIMD row sum (with partial blocks of 32 rows), others several rounds of slabs
// (some padded with zeros).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergedSegments } from '../../../../main/engine/kernels/wasm/chunked-sum.ts';
import { seeded, useWasmWithOverrides, wasmVsCpu } from './compare-backends.ts';

const cases: [number[], number[], boolean][] = [
  [[3, 100, 7], [1], false],
  [[1100, 5], [0], true],
  [[2, 70, 3, 33], [1, 3], false],
  [[8, 16, 16, 40], [0, 1, 2], false],
  [[8, 256, 8, 5], [1, 3], true],
  [[33, 1, 2], [0, 1], false],
  [[3, 100, 8], [1], false],
  [[70, 1284], [0], false],
];

describe('chunked sums on wasm', () => {
  beforeAll(useWasmWithOverrides);

  it('merges neighbouring axes and drops axes of size 1', () => {
    expect(mergedSegments([2, 3, 1, 4, 5], new Set([1, 2, 3]))).toEqual([
      { size: 2, reduced: false },
      { size: 12, reduced: true },
      { size: 5, reduced: false },
    ]);
  });

  for (const [shape, axes, keepDims] of cases) {
    it(`sum and mean of ${shape} over ${axes} match the cpu backend`, async () => {
      const err = await wasmVsCpu(() => {
        const x = tf.tensor(seeded(shape, 41), shape);
        return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims)];
      });
      expect(err).toBeLessThanOrEqual(1e-5);
    });
  }

  it('leaves no tensors or bytes behind', () => {
    const x = tf.tensor(seeded([4, 90, 6], 42), [4, 90, 6]);
    tf.sum(x, [0, 1]).dispose();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) tf.dispose([tf.sum(x, [0, 1]), tf.mean(x, [1], true)]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    x.dispose();
  });
});
