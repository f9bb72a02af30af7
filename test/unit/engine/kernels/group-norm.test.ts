// The fused group norm on wasm (SIMD forward and gradient kernels) against the op chain it
// replaces, run on the cpu backend: outputs and the gradients for input, gamma and beta.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedGroupNorm, GROUP_NORM } from '../../../../main/engine/kernels/group-norm-op.ts';
import { evaluateOn, relativeError, seeded, useWasmWithOverrides } from './compare-backends.ts';

/** GroupNorm as norm.ts writes it without the fused kernels. */
function opChain(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number, eps: number): tf.Tensor {
  const [b, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [b, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const scale = tf.mul(tf.rsqrt(tf.add(variance, eps)), tf.reshape(gamma, [1, 1, groups, c / groups]));
  const shift = tf.sub(tf.reshape(beta, [1, 1, groups, c / groups]), tf.mul(mean, scale));
  return tf.reshape(tf.add(tf.mul(grouped, scale), shift), [b, h, w, c]);
}

const cases: { x: [number, number, number, number]; groups: number; eps: number }[] = [
  { x: [2, 5, 3, 8], groups: 2, eps: 1e-5 },
  { x: [3, 4, 4, 12], groups: 3, eps: 1e-6 },
  { x: [8, 16, 16, 40], groups: 8, eps: 1e-5 },
  { x: [1, 9, 7, 32], groups: 32, eps: 1e-5 },
];

function run(c: (typeof cases)[number], norm: (x: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) {
  const channels = c.x[3];
  // An offset mean and a spread scale, as real activations have.
  const x = tf.add(tf.mul(tf.tensor(seeded(c.x, 61), c.x), 3), 0.7) as tf.Tensor4D;
  const gamma = tf.add(tf.tensor(seeded([channels], 62), [channels]), 1);
  const beta = tf.tensor(seeded([channels], 63), [channels]);
  const dy = tf.tensor(seeded(c.x, 64), c.x);
  const y = norm(x, gamma, beta);
  const [dx, dg, db] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => norm(a as tf.Tensor4D, g, b))(
    [x, gamma, beta],
    dy,
  );
  return [y, dx!, dg!, db!];
}

describe('fused group norm on wasm', () => {
  beforeAll(useWasmWithOverrides);

  for (const c of cases) {
    it(`${c.x} in ${c.groups} groups matches the op chain on cpu (value and gradients)`, async () => {
      const fused = await evaluateOn('wasm', () =>
        run(c, (x, g, b) => {
          const y = fusedGroupNorm(x, g, b, { groups: c.groups, eps: c.eps });
          if (!y) throw new Error('no fused group norm on wasm');
          return y;
        }),
      );
      const reference = await evaluateOn('cpu', () => run(c, (x, g, b) => opChain(x, g, b, c.groups, c.eps)));
      for (const [i, values] of fused.entries()) {
        expect(relativeError(values, reference[i]!)).toBeLessThanOrEqual(1e-4);
      }
    });
  }

  it('leaves channel counts that are not a multiple of 4, and other backends, to the op chain', async () => {
    const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
    expect(fusedGroupNorm(x, tf.ones([6]), tf.zeros([6]), { groups: 3, eps: 1e-5 })).toBeNull();
    expect(tf.getKernel(GROUP_NORM, 'cpu')).toBeUndefined();
  });

  it('leaves no tensors behind, with and without a gradient', () => {
    const x = tf.tensor(seeded([2, 4, 4, 8], 1), [2, 4, 4, 8]) as tf.Tensor4D;
    const g = tf.ones([8]);
    const b = tf.zeros([8]);
    const once = () => {
      tf.dispose(fusedGroupNorm(x, g, b, { groups: 2, eps: 1e-5 })!);
      tf.dispose(
        tf.grads((a: tf.Tensor) => fusedGroupNorm(a as tf.Tensor4D, g, b, { groups: 2, eps: 1e-5 })!)([x]),
      );
    };
    once();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([x, g, b]);
  });
});
