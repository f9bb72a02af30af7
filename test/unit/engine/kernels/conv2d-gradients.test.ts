import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seeded, useWasmWithOverrides, wasmVsCpu } from './compare-backends.ts';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
}

const cases: Case[] = [
  { x: [2, 9, 7, 5], filter: [3, 3, 5, 6], stride: 1, pad: 'same' },
  { x: [2, 9, 7, 5], filter: [3, 3, 5, 6], stride: 2, pad: 'same' },
  { x: [1, 8, 8, 4], filter: [3, 3, 4, 3], stride: 2, pad: 'same' },
  { x: [3, 10, 11, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'valid' },
  { x: [2, 11, 10, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'valid' },
  { x: [2, 6, 5, 7], filter: [1, 1, 7, 9], stride: 1, pad: 'valid' },
  { x: [2, 7, 6, 7], filter: [1, 1, 7, 9], stride: 2, pad: 'same' },
  {
    x: [2, 9, 8, 4],
    filter: [3, 3, 4, 5],
    stride: 2,
    pad: [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
  },
  {
    x: [1, 7, 9, 2],
    filter: [3, 2, 2, 3],
    stride: 1,
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  },
  { x: [1, 12, 12, 2], filter: [5, 5, 2, 3], stride: 3, pad: 'same' },
  // The grid product (conv2d.ts): many row tiles, ragged columns; ci in two k blocks per tap.
  { x: [2, 16, 16, 20], filter: [3, 3, 20, 19], stride: 1, pad: 'same' },
  { x: [1, 6, 6, 300], filter: [3, 3, 300, 10], stride: 1, pad: 'same' },
  { x: [1, 5, 5, 300], filter: [1, 1, 300, 13], stride: 1, pad: 'valid' },
];

function label(c: Case): string {
  return `x ${c.x} filter ${c.filter} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
}

describe('conv2d gradients on wasm match the cpu backend', () => {
  beforeAll(useWasmWithOverrides);

  for (const c of cases) {
    it(label(c), async () => {
      const err = await wasmVsCpu(() => {
        const x = tf.tensor4d(seeded(c.x, 1), c.x);
        const w = tf.tensor4d(seeded(c.filter, 2), c.filter);
        const y = tf.conv2d(x, w, c.stride, c.pad);
        const dy = tf.tensor(seeded(y.shape, 3), y.shape);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad),
        )([x, w], dy);
        return [y, dx!, dw!];
      });
      expect(err).toBeLessThanOrEqual(1e-5);
    });
  }

  it('computes a dilated convolution (patches read with gaps)', async () => {
    const err = await wasmVsCpu(() => {
      const x = tf.tensor4d(seeded([2, 9, 8, 3], 7), [2, 9, 8, 3]);
      const w = tf.tensor4d(seeded([3, 3, 3, 5], 8), [3, 3, 3, 5]);
      return [tf.conv2d(x, w, 1, 'same', 'NHWC', 2), tf.conv2d(x, w, 1, 'valid', 'NHWC', [2, 1])];
    });
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('computes conv2dTranspose (Conv2DBackpropInput as a forward op) and its gradients', async () => {
    const err = await wasmVsCpu(() => {
      const x = tf.tensor4d(seeded([2, 5, 6, 4], 4), [2, 5, 6, 4]);
      const w = tf.tensor4d(seeded([3, 3, 3, 4], 5), [3, 3, 3, 4]);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 10, 12, 3], 2, 'same');
      const y = f(x, w);
      const [dx, dw] = tf.grads(f)([x, w], tf.tensor(seeded(y.shape, 6), y.shape));
      return [y, dx!, dw!];
    });
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('leaves no tensors behind', async () => {
    const x = tf.tensor4d(seeded([1, 6, 6, 3], 1), [1, 6, 6, 3]);
    const w = tf.tensor4d(seeded([3, 3, 3, 2], 2), [3, 3, 3, 2]);
    const step = () =>
      tf.tidy(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))([
          x,
          w,
        ]),
      );
    tf.dispose(step());
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([x, w]);
  });
});
