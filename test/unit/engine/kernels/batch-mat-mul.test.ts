import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seeded, useWasmWithOverrides, wasmVsCpu } from './compare-backends.ts';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const cases: Case[] = [
  { a: [7, 5], b: [5, 3], transposeA: false, transposeB: false },
  { a: [5, 7], b: [5, 3], transposeA: true, transposeB: false },
  { a: [7, 5], b: [3, 5], transposeA: false, transposeB: true },
  { a: [5, 7], b: [3, 5], transposeA: true, transposeB: true },
  { a: [4, 6, 5], b: [4, 5, 3], transposeA: false, transposeB: false },
  { a: [4, 6, 5], b: [4, 3, 5], transposeA: false, transposeB: true },
  { a: [4, 5, 6], b: [4, 5, 3], transposeA: true, transposeB: false },
  { a: [4, 5, 6], b: [4, 3, 5], transposeA: true, transposeB: true },
  { a: [2, 3, 6, 5], b: [5, 4], transposeA: false, transposeB: false },
  { a: [2, 3, 6, 5], b: [4, 5], transposeA: false, transposeB: true },
  { a: [3, 5, 6], b: [5, 4], transposeA: true, transposeB: false },
  { a: [6, 5], b: [3, 5, 4], transposeA: false, transposeB: false },
  { a: [5, 6], b: [3, 4, 5], transposeA: true, transposeB: true },
  { a: [2, 1, 6, 5], b: [1, 3, 5, 4], transposeA: false, transposeB: false },
  // Past one 6 x 8 register tile in both directions, with ragged edges.
  { a: [3, 37, 20], b: [3, 29, 20], transposeA: false, transposeB: true },
  { a: [3, 20, 37], b: [3, 20, 29], transposeA: true, transposeB: false },
  { a: [2, 19, 16], b: [16, 24], transposeA: false, transposeB: false },
  // k in blocks of 256 (accumulated), the left operand in chunks of about 96 KiB.
  { a: [50, 1024], b: [1024, 9], transposeA: false, transposeB: false },
  { a: [2, 600, 13], b: [2, 10, 600], transposeA: true, transposeB: true },
  { a: [100, 600], b: [600, 10], transposeA: false, transposeB: false },
  // B's packed panels past 8 MiB: its k blocks in two groups, each handed to the threads once.
  { a: [7, 4100], b: [4100, 520], transposeA: false, transposeB: false },
  // A shared right operand packed once for the whole batch, past 8 MiB as well.
  { a: [3, 7, 4100], b: [4100, 520], transposeA: false, transposeB: false },
];

describe('batchMatMul on wasm matches the cpu backend', () => {
  beforeAll(useWasmWithOverrides);

  for (const c of cases) {
    it(`${c.a} x ${c.b} transposeA ${c.transposeA} transposeB ${c.transposeB}`, async () => {
      const err = await wasmVsCpu(() => {
        const a = tf.tensor(seeded(c.a, 7), c.a);
        const b = tf.tensor(seeded(c.b, 8), c.b);
        const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, c.transposeA, c.transposeB);
        const y = f(a, b);
        // tfjs's BatchMatMul gradient does not reduce broadcast batch axes (on any backend).
        if (c.a.length !== c.b.length || c.a[0] !== c.b[0]) return [y];
        const [da, db] = tf.grads(f)([a, b], tf.tensor(seeded(y.shape, 9), y.shape));
        return [y, da!, db!];
      });
      expect(err).toBeLessThanOrEqual(1e-5);
    });
  }

  it('reports mismatched inner sizes', async () => {
    expect(() => tf.matMul(tf.zeros([2, 3, 4]), tf.zeros([2, 5, 6]))).toThrow(/inner shapes/);
  });

  it('leaves no tensors behind', () => {
    const a = tf.tensor(seeded([3, 4, 5], 1), [3, 4, 5]);
    const b = tf.tensor(seeded([3, 6, 5], 2), [3, 6, 5]);
    tf.matMul(a, b, false, true).dispose();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) tf.matMul(a, b, false, true).dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([a, b]);
  });
});
