// Cast on wasm shares memory when the dtype does not change and converts otherwise.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seeded, useWasmWithOverrides, wasmVsCpu } from './compare-backends.ts';

describe('Cast on wasm', () => {
  beforeAll(useWasmWithOverrides);

  it('to the same dtype keeps the values and outlives its input', async () => {
    const x = tf.tensor(seeded([3, 4], 1), [3, 4]);
    const expected = Array.from(x.dataSync());
    const y = tf.cast(x, 'float32');
    x.dispose();
    expect(y.dtype).toBe('float32');
    expect(Array.from(await y.data())).toEqual(expected);
    y.dispose();
  });

  it('to another dtype converts', async () => {
    const x = tf.tensor([1.7, -2.2, 0, 3.9]);
    expect(Array.from(await tf.cast(x, 'int32').data())).toEqual([1, -2, 0, 3]);
    expect(Array.from(await tf.cast(tf.tensor([1, 2], [2], 'int32'), 'float32').data())).toEqual([1, 2]);
  });

  it('leaves no tensors or bytes behind', () => {
    const x = tf.tensor(seeded([16], 2), [16]);
    const before = tf.memory();
    for (let i = 0; i < 3; i++) tf.cast(x, 'float32').dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    x.dispose();
  });

  it('products differentiate as on the cpu backend', async () => {
    const err = await wasmVsCpu(() => {
      const a = tf.tensor(seeded([5, 3], 3), [5, 3]);
      const b = tf.tensor(seeded([5, 3], 4), [5, 3]);
      const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.mul(x, y), x)))([a, b]);
      return [da!, db!];
    });
    expect(err).toBeLessThanOrEqual(1e-6);
  });
});
