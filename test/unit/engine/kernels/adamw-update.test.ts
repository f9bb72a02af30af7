// The fused AdamW step on wasm against the op chain it replaces, run on the cpu backend.

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADAMW_UPDATE, fusedAdamWUpdate } from '../../../../main/engine/kernels/adamw-update-op.ts';
import { adamwSimd } from '../../../../main/engine/kernels/wasm/adamw-simd.ts';
import { AdamW } from '../../../../main/engine/train/adamw.ts';
import { evaluateOn, relativeError, seeded, useWasmWithOverrides } from './compare-backends.ts';

const shape = [3, 3, 5, 7];
const attrs = { beta1: 0.9, beta2: 0.999, eps: 1e-8, lr: 3e-3, weightDecay: 0.01, c1: 0.19, c2: 0.002997 };

/** The update as the unfused AdamW writes it. */
function opChain(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor): tf.Tensor[] {
  const { beta1, beta2, eps, lr, weightDecay, c1, c2 } = attrs;
  const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
  const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
  const update = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), eps));
  return [tf.sub(tf.mul(p, 1 - lr * weightDecay), tf.mul(update, lr)), m1, v1];
}

const operands = () =>
  [
    tf.tensor(seeded(shape, 1), shape),
    tf.mul(tf.tensor(seeded(shape, 2), shape), 0.1),
    tf.abs(tf.mul(tf.tensor(seeded(shape, 3), shape), 0.01)),
    tf.tensor(seeded(shape, 4), shape),
  ] as const;

describe('fused AdamW update on wasm', () => {
  beforeAll(useWasmWithOverrides);

  it('is registered on wasm only', () => {
    expect(tf.getKernel(ADAMW_UPDATE, 'wasm')).toBeDefined();
    expect(tf.getKernel(ADAMW_UPDATE, 'cpu')).toBeUndefined();
  });

  it('compiles its SIMD step against the wasm heap', () => {
    expect(adamwSimd(tf.findBackend('wasm') as BackendWasm)).toBeTypeOf('function');
  });

  it('matches the op chain on the cpu backend (parameter, both moments)', async () => {
    const fused = await evaluateOn('wasm', () => {
      const [p, m, v, g] = operands();
      const out = fusedAdamWUpdate(p, m, v, g, attrs);
      if (!out) throw new Error('no fused kernel on wasm');
      return out;
    });
    const reference = await evaluateOn('cpu', () => opChain(...operands()));
    for (const [i, values] of fused.entries()) {
      expect(relativeError(values, reference[i]!)).toBeLessThanOrEqual(1e-4);
    }
    // The parameter moved by about lr: a relative error this small is not a no-op.
    expect(relativeError(reference[0]!, seeded(shape, 1))).toBeGreaterThan(1e-4);
  });

  it('AdamW over three steps on wasm matches AdamW on cpu', async () => {
    const run = () => {
      const p = tf.variable(tf.tensor(seeded(shape, 5), shape));
      const b = tf.variable(tf.tensor(seeded([7], 6), [7]));
      const opt = new AdamW([p, b], { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05 });
      for (let s = 0; s < 3; s++) {
        tf.tidy(() => {
          const gp = tf.mul(tf.sin(tf.add(p, s)), 0.5);
          const gb = tf.cos(tf.mul(b, s + 1));
          opt.apply([gp, gb], 1e-2);
        });
      }
      const out = [p.clone(), b.clone()];
      opt.dispose();
      tf.dispose([p, b]);
      return out;
    };
    const wasm = await evaluateOn('wasm', run);
    const cpu = await evaluateOn('cpu', run);
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThanOrEqual(1e-4);
    expect(relativeError(wasm[1]!, cpu[1]!)).toBeLessThanOrEqual(1e-4);
  });

  it('rejects operands of another size and leaves no tensors behind', () => {
    const [p, m, v, g] = operands();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(fusedAdamWUpdate(p, m, v, g, attrs) ?? []);
    expect(tf.memory().numTensors).toBe(before);
    const short = tf.zeros([4]);
    expect(() => fusedAdamWUpdate(p, m, v, short, attrs)).toThrow(/grad has shape/);
    tf.dispose([p, m, v, g, short]);
  });
});
