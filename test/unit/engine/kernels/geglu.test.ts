// The fused GEGLU on wasm (SIMD forward and gradient kernels, with our own exp and normal CDF)
// against the op chain it replaces on the cpu backend, and against the exact GELU in float64 over
// the whole float range its inputs can take.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedGeglu, GEGLU } from '../../../../main/engine/kernels/geglu-op.ts';
import { gelu } from '../../../../main/engine/nn/activations.ts';
import { evaluateOn, relativeError, seeded, useWasmWithOverrides } from './compare-backends.ts';

/** Geglu.apply's op chain: value · GELU(gate) over the two halves. */
function opChain(h: tf.Tensor): tf.Tensor {
  const [value, gate] = tf.split(h, 2, -1);
  return tf.mul(value!, gelu(gate!));
}

/** erf in float64: its Taylor series below 3, the continued fraction of erfc above. */
function erf(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = a;
    for (let k = 80; k >= 1; k--) f = a + k / 2 / f;
    r = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f);
  }
  return x < 0 ? -r : r;
}

const exactGelu = (g: number) => 0.5 * g * (1 + erf(g / Math.SQRT2));
const exactGeluSlope = (g: number) =>
  0.5 * (1 + erf(g / Math.SQRT2)) + (g * Math.exp((-g * g) / 2)) / Math.sqrt(2 * Math.PI);

function run(shape: number[], scale: number, fn: (h: tf.Tensor) => tf.Tensor): tf.Tensor[] {
  const h = tf.mul(tf.tensor(seeded(shape, 71), shape), scale);
  const outShape = [...shape.slice(0, -1), shape[shape.length - 1]! / 2];
  const dy = tf.tensor(seeded(outShape, 72), outShape);
  const [dh] = tf.grads((x: tf.Tensor) => fn(x))([h], dy);
  return [fn(h), dh!];
}

describe('fused GEGLU on wasm', () => {
  beforeAll(useWasmWithOverrides);

  for (const [shape, scale] of [
    [[2, 5, 16], 4],
    [[8, 64, 640], 3],
    [[3, 7, 8], 12],
  ] as [number[], number][]) {
    it(`[${shape}] (inputs to ±${scale}) matches the op chain on cpu, value and gradient`, async () => {
      const fused = await evaluateOn('wasm', () =>
        run(shape, scale, (h) => {
          const y = fusedGeglu(h);
          if (!y) throw new Error('no fused GEGLU on wasm');
          return y;
        }),
      );
      const reference = await evaluateOn('cpu', () => run(shape, scale, opChain));
      expect(relativeError(fused[0]!, reference[0]!)).toBeLessThanOrEqual(1e-5);
      expect(relativeError(fused[1]!, reference[1]!)).toBeLessThanOrEqual(1e-5);
    });
  }

  it('is the exact GELU and its slope from -40 to 40, with nothing infinite or NaN', async () => {
    const gates = Array.from({ length: 8001 }, (_, i) => -40 + i * 0.01);
    // h rows [1 1 1 1 | g g g g]: the value half is 1, so the output is GELU(g) itself.
    const rows = gates.flatMap((g) => [1, 1, 1, 1, g, g, g, g]);
    const h = tf.tensor2d(rows, [gates.length, 8]);
    const ones = tf.ones([gates.length, 4]);
    const y = fusedGeglu(h)!;
    const [dh] = tf.grads((x: tf.Tensor) => fusedGeglu(x)!)([h], ones);
    const out = await y.data();
    const grad = await dh!.data();
    let valueError = 0;
    let slopeError = 0;
    gates.forEach((g, i) => {
      for (let lane = 0; lane < 4; lane++) {
        valueError = Math.max(
          valueError,
          Math.abs(out[i * 4 + lane]! - exactGelu(g)) / Math.max(1, Math.abs(g)),
        );
        slopeError = Math.max(slopeError, Math.abs(grad[i * 8 + 4 + lane]! - exactGeluSlope(g)));
        // d value = GELU(g)
        valueError = Math.max(
          valueError,
          Math.abs(grad[i * 8 + lane]! - exactGelu(g)) / Math.max(1, Math.abs(g)),
        );
      }
    });
    expect(valueError).toBeLessThanOrEqual(1e-6);
    expect(slopeError).toBeLessThanOrEqual(1e-6);
    tf.dispose([h, ones, y, dh!]);
  });

  it('leaves widths that are not a multiple of 8, and other backends, to the op chain', () => {
    const h = tf.zeros([2, 12]);
    expect(fusedGeglu(h)).toBeNull();
    expect(tf.getKernel(GEGLU, 'cpu')).toBeUndefined();
    h.dispose();
  });

  it('leaves no tensors behind, with and without a gradient', () => {
    const h = tf.tensor(seeded([4, 16], 3), [4, 16]);
    const once = () => {
      tf.dispose(fusedGeglu(h)!);
      tf.dispose(tf.grads((x: tf.Tensor) => fusedGeglu(x)!)([h]));
    };
    once();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    h.dispose();
  });
});
