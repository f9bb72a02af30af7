import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  BACKEND_NAMES,
  defaultWasmThreads,
  describeBackend,
  initBackend,
  parseBackendPreference,
} from '../../../main/engine/backend.ts';

describe('tensor backend choice', () => {
  it('starts the fastest available backend and explains every other one', async () => {
    const report = await initBackend();
    expect(BACKEND_NAMES).toContain(report.chosen);
    expect(tf.getBackend()).toBe(report.tfBackend);
    for (const name of BACKEND_NAMES) expect(report.reasons[name].length).toBeGreaterThan(5);
    // Whatever was chosen, every faster backend must carry the reason it was passed over.
    const faster = BACKEND_NAMES.slice(0, BACKEND_NAMES.indexOf(report.chosen));
    for (const name of faster) expect(report.reasons[name]).not.toMatch(/fastest|requested/);
    expect(describeBackend(report)).toContain(`backend: ${report.chosen}`);
  });

  it('computes correctly on the chosen backend', async () => {
    await initBackend();
    const product = tf.tidy(() =>
      tf.matMul(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor2d([[5], [6]]),
      ),
    );
    expect(Array.from(await product.data())).toEqual([17, 39]);
    product.dispose();
  });

  it('accepts the documented names and refuses others with the list of valid ones', () => {
    expect(parseBackendPreference(undefined)).toBeNull();
    expect(parseBackendPreference(' WASM ')).toBe('wasm');
    expect(parseBackendPreference('auto')).toBe('auto');
    expect(() => parseBackendPreference('cuda')).toThrow(
      /Unknown backend "cuda".*tensorflow-gpu, tensorflow, wasm, cpu/,
    );
  });
});

describe('default wasm threads', () => {
  it('takes every core but one, which the window keeps, and at most four', () => {
    expect([1, 2, 3, 4, 8, 32].map((cores) => defaultWasmThreads(cores))).toEqual([1, 1, 2, 3, 4, 4]);
  });
});
