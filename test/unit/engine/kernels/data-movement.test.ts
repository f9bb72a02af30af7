import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seeded, useWasmWithOverrides, wasmVsCpu } from './compare-backends.ts';

const x4 = (shape: number[], seed = 21) => tf.tensor(seeded(shape, seed), shape);

describe('slice, split, reverse and nearest resize on wasm match the cpu backend', () => {
  beforeAll(useWasmWithOverrides);

  const slices: [number[], number[], number[]][] = [
    [
      [2, 5, 7, 9],
      [0, 0, 0, 3],
      [2, 5, 7, 4],
    ],
    [
      [2, 5, 7, 9],
      [1, 1, 2, 0],
      [1, 3, 4, 9],
    ],
    [
      [3, 4, 100],
      [1, 0, 0],
      [2, 4, 100],
    ],
    [
      [3, 4, 100],
      [0, 2, 10],
      [3, 1, 80],
    ],
    [[17], [3], [11]],
    [
      [2, 3, 4, 5, 6],
      [1, 0, 1, 2, 0],
      [1, 3, 2, 3, 6],
    ],
  ];
  for (const [shape, begin, size] of slices) {
    it(`slices ${shape} at ${begin} size ${size}, with gradient`, async () => {
      const err = await wasmVsCpu(() => {
        const x = x4(shape);
        const y = tf.slice(x, begin, size);
        const dx = tf.grad((a: tf.Tensor) => tf.slice(a, begin, size))(x, x4(size, 5));
        return [y, dx];
      });
      expect(err).toBe(0);
    });
  }

  it('slices int32 tensors', async () => {
    await tf.setBackend('wasm');
    const x = tf.reshape(tf.range(0, 24, 1, 'int32'), [2, 3, 4]);
    const y = tf.slice(x, [1, 1, 1], [1, 2, 2]);
    expect(y.dtype).toBe('int32');
    expect(Array.from(await y.data())).toEqual([17, 18, 21, 22]);
    tf.dispose([x, y]);
  });

  it('splits along channels and batch, with gradients through concat', async () => {
    const err = await wasmVsCpu(() => {
      const x = x4([3, 4, 5, 10]);
      const parts = tf.split(x, [3, 7], 3);
      const rows = tf.split(x, 3, 0);
      const dx = tf.grad((a: tf.Tensor) => {
        const [p, q] = tf.split(a, 2, 3);
        return tf.concat([tf.mul(p!, q!), q!], 3);
      })(x, x4([3, 4, 5, 10], 9));
      return [...parts, ...rows, dx];
    });
    expect(err).toBeLessThanOrEqual(1e-6);
  });

  const reversals: [number[], number[]][] = [
    [
      [3, 3, 4, 5],
      [0, 1],
    ],
    [
      [2, 5, 7, 3],
      [1, 2],
    ],
    [[2, 5, 7, 3], [3]],
    [
      [2, 5, 7, 3],
      [0, 3],
    ],
    [[6, 50], [0]],
    [[9], [0]],
    [[4, 1, 3], [1]],
  ];
  for (const [shape, axes] of reversals) {
    it(`reverses ${shape} along ${axes}`, async () => {
      expect(await wasmVsCpu(() => tf.reverse(x4(shape), axes))).toBe(0);
    });
  }

  const resizes: [number[], [number, number], boolean, boolean][] = [
    [[2, 5, 6, 3], [10, 12], false, false],
    [[1, 4, 4, 8], [8, 8], false, false],
    [[2, 5, 6, 3], [7, 13], true, false],
    [[2, 6, 6, 2], [4, 9], false, false],
    [[1, 5, 7, 3], [10, 14], false, true],
  ];
  for (const [shape, size, alignCorners, halfPixelCenters] of resizes) {
    const name = `${shape} to ${size} (alignCorners ${alignCorners}, halfPixelCenters ${halfPixelCenters})`;
    const f = (a: tf.Tensor) =>
      tf.image.resizeNearestNeighbor(a as tf.Tensor4D, size, alignCorners, halfPixelCenters);
    it(`resizes ${name}, with gradient`, async () => {
      const err = await wasmVsCpu(() => {
        const x = x4(shape);
        const y = f(x);
        return [y, tf.grad(f)(x, x4(y.shape, 4))];
      });
      expect(err).toBeLessThanOrEqual(1e-6);
    });
    // The reference gradient is our correction of the cpu kernel (tfjs's own is wrong), so the
    // gradient is also checked on its own: resizing is linear, so <dy, f(x)> = <f'(dy), x> for
    // any probe x.
    it(`differentiates the resize ${name} exactly`, async () => {
      await tf.setBackend('wasm');
      const [lhs, rhs] = tf.tidy(() => {
        const y = f(x4(shape));
        const dy = x4(y.shape, 4);
        const dx = tf.grad(f)(x4(shape), dy);
        const probe = x4(shape, 77);
        return [tf.sum(tf.mul(dy, f(probe))), tf.sum(tf.mul(dx, probe))];
      });
      const [l, r] = [(await lhs!.data())[0]!, (await rhs!.data())[0]!];
      expect(Math.abs(l - r)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(l)));
      tf.dispose([lhs!, rhs!]);
    });
  }

  it('leaves no tensors behind', () => {
    const x = x4([2, 4, 4, 6]);
    const run = () =>
      tf.tidy(() => [
        ...tf.split(x, 3, 3),
        tf.reverse(x, [1]),
        tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [8, 8]),
        tf.sum(x, [1, 2]),
      ]);
    tf.dispose(run());
    const before = tf.memory();
    for (let i = 0; i < 3; i++) tf.dispose(run());
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    x.dispose();
  });
});
