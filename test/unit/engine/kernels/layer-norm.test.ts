// The fused layer norm on wasm (SIMD forward and gradient kernels) against the op chain it
// replaces, run on the cpu backend: outputs and the gradients for input, gamma and beta.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedLayerNorm, LAYER_NORM } from '../../../../main/engine/kernels/layer-norm-op.ts';
import { layerNorm } from '../../../../main/engine/nn/layer-norm-op.ts';
import { evaluateOn, relativeError, seeded, useWasmWithOverrides } from './compare-backends.ts';

/** Layer norm from moments, as tf.layers would write it. */
function opChain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
}

function run(shape: number[], norm: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) {
  const width = shape[shape.length - 1]!;
  // An offset mean and a spread scale, as real activations have.
  const x = tf.add(tf.mul(tf.tensor(seeded(shape, 81), shape), 4), 1.5);
  const gamma = tf.add(tf.tensor(seeded([width], 82), [width]), 1);
  const beta = tf.tensor(seeded([width], 83), [width]);
  const dy = tf.tensor(seeded(shape, 84), shape);
  const [dx, dg, db] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => norm(a, g, b))(
    [x, gamma, beta],
    dy,
  );
  return [norm(x, gamma, beta), dx!, dg!, db!];
}

describe('fused layer norm on wasm', () => {
  beforeAll(useWasmWithOverrides);

  for (const [shape, eps] of [
    [[2, 7, 12], 1e-5],
    [[8, 64, 80], 1e-5],
    [[3, 4], 1e-6],
    [[2, 77, 192], 1e-5],
  ] as [number[], number][]) {
    it(`[${shape}] matches the op chain on cpu (value and gradients)`, async () => {
      const fused = await evaluateOn('wasm', () =>
        run(shape, (x, g, b) => {
          const y = fusedLayerNorm(x, g, b, { eps });
          if (!y) throw new Error('no fused layer norm on wasm');
          return y;
        }),
      );
      const reference = await evaluateOn('cpu', () => run(shape, (x, g, b) => opChain(x, g, b, eps)));
      for (const [i, values] of fused.entries()) {
        expect(relativeError(values, reference[i]!)).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('leaves widths that are not a multiple of 4 to the op chain, with the same values', async () => {
    expect(fusedLayerNorm(tf.zeros([2, 5]), tf.ones([5]), tf.zeros([5]), { eps: 1e-5 })).toBeNull();
    const shape = [3, 6, 5];
    const chain = await evaluateOn('wasm', () => run(shape, (x, g, b) => layerNorm(x, g, b, 1e-5)));
    const reference = await evaluateOn('cpu', () => run(shape, (x, g, b) => opChain(x, g, b, 1e-5)));
    for (const [i, values] of chain.entries())
      expect(relativeError(values, reference[i]!)).toBeLessThanOrEqual(1e-4);
    expect(tf.getKernel(LAYER_NORM, 'cpu')).toBeUndefined();
  });

  it('says what is wrong when gamma does not fit the last axis', () => {
    expect(() => fusedLayerNorm(tf.zeros([2, 8]), tf.ones([4]), tf.zeros([4]), { eps: 1e-5 })).toThrow(
      /gamma has 4 values for a last axis of 8/,
    );
  });

  it('leaves no tensors behind, with and without a gradient', () => {
    const x = tf.tensor(seeded([3, 4, 8], 1), [3, 4, 8]);
    const g = tf.ones([8]);
    const b = tf.zeros([8]);
    const once = () => {
      tf.dispose(fusedLayerNorm(x, g, b, { eps: 1e-5 })!);
      tf.dispose(tf.grads((a: tf.Tensor) => fusedLayerNorm(a, g, b, { eps: 1e-5 })!)([x]));
    };
    once();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([x, g, b]);
  });
});
