// Identity on wasm shares the input's memory instead of copying it: values, lifetimes and the
// gradients of saved tensors must be as with a copy.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seeded, useWasmWithOverrides, wasmVsCpu } from './compare-backends.ts';

describe('Identity on wasm', () => {
  beforeAll(useWasmWithOverrides);

  it('gives the same values and outlives its input', async () => {
    const x = tf.tensor(seeded([4, 5], 1), [4, 5]);
    const y = tf.clone(x);
    const expected = x.dataSync().slice();
    x.dispose();
    expect(Array.from(await y.data())).toEqual(Array.from(expected));
    y.dispose();
  });

  it('keeps a saved value when a variable is assigned a new one', async () => {
    const v = tf.variable(tf.tensor([1, 2, 3]));
    const saved = tf.clone(v);
    v.assign(tf.tensor([7, 8, 9]));
    expect(Array.from(await saved.data())).toEqual([1, 2, 3]);
    expect(Array.from(await v.data())).toEqual([7, 8, 9]);
    tf.dispose([v, saved]);
  });

  it('frees the memory once every holder is disposed', () => {
    const before = tf.memory();
    const x = tf.tensor(seeded([64], 2), [64]);
    const copies = [tf.clone(x), tf.clone(x), tf.clone(x)];
    expect(tf.memory().numTensors).toBe(before.numTensors + 4);
    x.dispose();
    tf.dispose(copies);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('gradients through tensors the tape saves match the cpu backend', async () => {
    const err = await wasmVsCpu(() => {
      const x = tf.tensor(seeded([3, 6], 3), [3, 6]);
      const w = tf.tensor(seeded([6, 4], 4), [6, 4]);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.sigmoid(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)), tf.sum(tf.exp(a))));
      const [dx, dw] = tf.grads(f)([x, w]);
      return [dx!, dw!];
    });
    expect(err).toBeLessThanOrEqual(1e-5);
  });
});
