// A new CSC-Tuner's pre-hint must pass the condition map's spatial pattern on to its zero-initialised
// dense hints at about the map's own scale: training can only learn from the map what reaches them.
// With PyTorch's default init the embedded model's five-layer pre-hint delivered ~1/500 of it, and
// 800 training steps learned hints that were constant offsets (spatial spread 1e-3 of their size).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { embedded } from '../../../../main/engine/models/configs/embedded.ts';
import { UNet } from '../../../../main/engine/models/unet/unet.ts';
import { silu } from '../../../../main/engine/nn/activations.ts';
import { CscTuner, defaultCscTunerConfig } from '../../../../main/engine/tuners/csc-tuner.ts';

beforeAll(async () => {
  await initBackend();
});

/** Spread over positions (mean over channels of the per-channel spatial std). */
function spatialSpread(t: tf.Tensor4D): number {
  return tf.tidy(() => Math.sqrt(tf.mean(tf.moments(t, [1, 2]).variance).dataSync()[0]!));
}

describe('CSC-Tuner pre-hint initialisation', () => {
  it("carries the condition map's spatial pattern to the hints at a comparable scale", () => {
    const layout = { skips: UNet.describe(embedded.unet).skipInfo };
    const tuner = new CscTuner(defaultCscTunerConfig(layout, 'depth', 4), { seed: 5 });
    // A depth-like map: a bright figure-sized block on a vertical gradient.
    const map = tf.tidy(() => {
      const ramp = tf.tile(tf.reshape(tf.linspace(0, 1, 64), [1, 64, 1, 1]), [1, 1, 64, 3]);
      const block = tf.pad(tf.ones([1, 24, 12, 3]), [
        [0, 0],
        [20, 20],
        [26, 26],
        [0, 0],
      ]);
      return tf.maximum(ramp, block) as tf.Tensor4D;
    });
    const out = tf.tidy(() => {
      let h: tf.Tensor4D = map;
      tuner.preHint.forEach((conv, n) => {
        h = conv.apply(h);
        if (n < tuner.preHint.length - 1) h = silu(h);
      });
      return h;
    });
    const ratio = spatialSpread(out) / spatialSpread(map);
    expect(ratio).toBeGreaterThan(0.05);
    expect(ratio).toBeLessThan(20);
    // The dense hints themselves still start at zero: a new tuner changes nothing.
    const hints = tuner.hints(map);
    for (const h of hints) expect(tf.tidy(() => tf.max(tf.abs(h)).dataSync()[0])).toBe(0);
    tf.dispose([map, out, ...hints]);
    tuner.dispose();
  });
});
