// SiLU with its fused gradient on wasm against x · sigmoid(x) differentiated by ops on cpu.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedSilu, SILU_GRAD } from '../../../../main/engine/kernels/silu-op.ts';
import { evaluateOn, relativeError, seeded, useWasmWithOverrides } from './compare-backends.ts';

const shapes = [[7], [2, 5, 3, 8], [8, 160], [3, 3, 3, 5]];

function run(shape: number[], silu: (x: tf.Tensor) => tf.Tensor): tf.Tensor[] {
  const x = tf.mul(tf.tensor(seeded(shape, 71), shape), 4);
  const dy = tf.tensor(seeded(shape, 72), shape);
  // Through a square so the gradient reaching SiLU is not just dy.
  const f = (a: tf.Tensor) => tf.square(silu(a));
  return [silu(x), tf.grad(f)(x, dy)];
}

describe('fused SiLU on wasm', () => {
  beforeAll(useWasmWithOverrides);

  for (const shape of shapes) {
    it(`${shape}: value and gradient match the op chain on cpu`, async () => {
      const fused = await evaluateOn('wasm', () =>
        run(shape, (x) => {
          const y = fusedSilu(x);
          if (!y) throw new Error('no fused SiLU on wasm');
          return y;
        }),
      );
      const reference = await evaluateOn('cpu', () => run(shape, (x) => tf.mul(x, tf.sigmoid(x))));
      expect(relativeError(fused[0]!, reference[0]!)).toBeLessThanOrEqual(1e-5);
      expect(relativeError(fused[1]!, reference[1]!)).toBeLessThanOrEqual(1e-5);
    });
  }

  it('is wasm only and leaves no tensors behind', () => {
    expect(tf.getKernel(SILU_GRAD, 'cpu')).toBeUndefined();
    const x = tf.tensor(seeded([4, 6], 1), [4, 6]);
    const once = () => {
      tf.dispose(fusedSilu(x)!);
      tf.dispose(tf.grad((a: tf.Tensor) => fusedSilu(a)!)(x));
    };
    once();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    x.dispose();
  });
});
