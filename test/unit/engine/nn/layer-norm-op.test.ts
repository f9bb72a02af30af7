// Layer norm with its written-out gradient against the moments-based op chain differentiated by
// tfjs, on the cpu backend and on wasm with our kernels.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerNorm } from '../../../../main/engine/nn/layer-norm-op.ts';
import { evaluateOn, relativeError, seeded, useWasmWithOverrides } from '../kernels/compare-backends.ts';

function opChain(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

function run(shape: number[], norm: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.Tensor[] {
  const features = shape[shape.length - 1]!;
  const x = tf.add(tf.mul(tf.tensor(seeded(shape, 81), shape), 2), 0.5);
  const g = tf.add(tf.tensor(seeded([features], 82), [features]), 1);
  const b = tf.tensor(seeded([features], 83), [features]);
  const dy = tf.tensor(seeded(shape, 84), shape);
  const [dx, dg, db] = tf.grads(norm)([x, g, b], dy);
  return [norm(x, g, b), dx!, dg!, db!];
}

describe('layer norm with a written-out gradient', () => {
  beforeAll(useWasmWithOverrides);

  for (const shape of [
    [5, 8],
    [2, 7, 12],
    [8, 64, 80],
  ]) {
    for (const backend of ['cpu', 'wasm'] as const) {
      it(`${shape} on ${backend}: value and gradients match the op chain on cpu`, async () => {
        const eps = 1e-5;
        const fused = await evaluateOn(backend, () => run(shape, (x, g, b) => layerNorm(x, g, b, eps)));
        const reference = await evaluateOn('cpu', () => run(shape, (x, g, b) => opChain(x, g, b, eps)));
        for (const [i, values] of fused.entries()) {
          expect(relativeError(values, reference[i]!)).toBeLessThanOrEqual(1e-4);
        }
      });
    }
  }

  it('leaves no tensors behind', () => {
    const x = tf.tensor(seeded([3, 4, 8], 1), [3, 4, 8]);
    const g = tf.ones([8]);
    const b = tf.zeros([8]);
    const once = () => {
      tf.dispose(layerNorm(x, g, b, 1e-5));
      tf.dispose(tf.grads((a: tf.Tensor, gg: tf.Tensor) => layerNorm(a, gg, b, 1e-5))([x, g]));
    };
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, g, b]);
  });
});
