// The gradient of nearest-neighbour upscaling by whole factors (block sums on wasm) and by other
// factors (the per-pixel loop), against the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seeded, useWasmWithOverrides, wasmVsCpu } from './compare-backends.ts';

const cases: { x: [number, number, number, number]; size: [number, number]; halfPixel: boolean }[] = [
  { x: [2, 3, 4, 5], size: [6, 8], halfPixel: false },
  { x: [8, 4, 4, 16], size: [8, 8], halfPixel: false },
  { x: [1, 3, 2, 3], size: [9, 6], halfPixel: false },
  { x: [2, 3, 4, 5], size: [6, 8], halfPixel: true },
  { x: [2, 3, 4, 5], size: [7, 10], halfPixel: false },
  { x: [1, 4, 4, 2], size: [4, 8], halfPixel: false },
];

describe('nearest-neighbour resize gradient on wasm', () => {
  beforeAll(useWasmWithOverrides);

  for (const c of cases) {
    it(`${c.x} -> ${c.size} (half-pixel ${c.halfPixel}) matches cpu`, async () => {
      const err = await wasmVsCpu(() => {
        const x = tf.tensor(seeded(c.x, 51), c.x) as tf.Tensor4D;
        const f = (t: tf.Tensor) =>
          tf.image.resizeNearestNeighbor(t as tf.Tensor4D, c.size, false, c.halfPixel);
        const dyShape = [c.x[0], ...c.size, c.x[3]];
        return tf.grad(f)(x, tf.tensor(seeded(dyShape, 52), dyShape));
      });
      expect(err).toBeLessThanOrEqual(1e-5);
    });
  }
});
