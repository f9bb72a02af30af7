// Runs the same computation on wasm (with our kernel overrides) and on the cpu reference backend.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../main/engine/backend.ts';

/** Starts wasm with our overrides; skips nothing: the tests are about wasm, so it must be there. */
export async function useWasmWithOverrides(): Promise<void> {
  const previous = process.env.SCEDIT_BACKEND;
  process.env.SCEDIT_BACKEND = 'wasm';
  try {
    const report = await initBackend();
    if (report.tfBackend !== 'wasm') throw new Error(`expected wasm, got ${report.tfBackend}`);
  } finally {
    if (previous === undefined) delete process.env.SCEDIT_BACKEND;
    else process.env.SCEDIT_BACKEND = previous;
  }
  await tf.setBackend('wasm');
}

/** Deterministic values in [-1, 1) so both backends see identical inputs. */
export function seeded(shape: number[], seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Evaluates `fn` on `backend`; it builds its tensors from plain arrays and returns outputs. */
export async function evaluateOn(
  backend: 'wasm' | 'cpu',
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  try {
    const outs = tf.tidy(() => {
      const r = fn();
      return Array.isArray(r) ? r : [r];
    });
    const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    for (const t of outs) t.dispose();
    return data;
  } finally {
    await tf.setBackend('wasm');
  }
}

/** max |a - b| over max |b|: the error relative to the reference's scale. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
  return diff / Math.max(scale, 1e-30);
}

/** Largest relative error over matching outputs of wasm and cpu. */
export async function wasmVsCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const wasm = await evaluateOn('wasm', fn);
  const cpu = await evaluateOn('cpu', fn);
  if (wasm.length !== cpu.length) return Number.POSITIVE_INFINITY;
  return Math.max(...wasm.map((w, i) => relativeError(w, cpu[i]!)));
}
