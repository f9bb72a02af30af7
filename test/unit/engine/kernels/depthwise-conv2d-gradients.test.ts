import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seeded, useWasmWithOverrides, wasmVsCpu } from './compare-backends.ts';

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}

const cases: Case[] = [
  { x: [2, 9, 7, 5], filter: [3, 3, 5, 1], stride: 1, pad: 'same' },
  { x: [2, 9, 7, 5], filter: [3, 3, 5, 1], stride: 2, pad: 'same' },
  { x: [1, 10, 11, 3], filter: [3, 3, 3, 2], stride: 1, pad: 'valid' },
  { x: [3, 11, 10, 2], filter: [3, 3, 2, 3], stride: 2, pad: 'valid' },
  { x: [2, 8, 8, 4], filter: [5, 5, 4, 1], stride: 2, pad: 'same' },
  { x: [2, 6, 5, 3], filter: [1, 1, 3, 2], stride: 1, pad: 'same' },
];

describe('depthwise conv2d gradients on wasm match the cpu backend', () => {
  beforeAll(useWasmWithOverrides);

  for (const c of cases) {
    it(`x ${c.x} filter ${c.filter} stride ${c.stride} pad ${c.pad}`, async () => {
      const err = await wasmVsCpu(() => {
        const x = tf.tensor4d(seeded(c.x, 11), c.x);
        const w = tf.tensor4d(seeded(c.filter, 12), c.filter);
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
        const y = f(x, w);
        const [dx, dw] = tf.grads(f)([x, w], tf.tensor(seeded(y.shape, 13), y.shape));
        return [y, dx!, dw!];
      });
      expect(err).toBeLessThanOrEqual(1e-5);
    });
  }
});
