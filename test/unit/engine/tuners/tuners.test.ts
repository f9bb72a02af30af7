import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { sd15 } from '../../../../main/engine/models/configs/sd15.ts';
import { UNet } from '../../../../main/engine/models/unet/unet.ts';
import { torchShape } from '../../../../main/engine/nn/params.ts';
import { CscTuner, preHintPlan } from '../../../../main/engine/tuners/csc-tuner.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import { conditionImage, cscConfig, inputs, maxAbsDiff, randomize, tinyUNet } from './fixtures.ts';

beforeAll(async () => {
  await initBackend();
});

describe('SC-Tuner', () => {
  it('on SD 1.5 has 12 adapters in decoder order, SCEPTER names, and 19.68 M parameters', () => {
    const layout = { skips: UNet.describe(sd15.unet).skipInfo };
    const tuner = new ScTuner({ layout, downRatio: 1 }, { allocate: false });
    expect(tuner.params.count()).toBe(19_680_000);
    const shapes = new Map(tuner.params.specs().map((s) => [s.name, torchShape(s)]));
    // Decoder skip 0 is the encoder's last output (1280 channels); skip 11 is conv_in's (320).
    expect(shapes.get('lsc_identity.0.tuner_op.ln1.weight')).toEqual([1280, 1280]);
    expect(shapes.get('lsc_identity.11.tuner_op.ln2.weight')).toEqual([320, 320]);
    expect(shapes.get('lsc_identity.11.tuner_op.ln2.bias')).toEqual([320]);
    expect(new ScTuner({ layout, downRatio: 0.25 }, { allocate: false }).params.count()).toBeLessThan(
      5_000_000,
    );
  });

  it('a new SC-Tuner leaves the U-Net output unchanged, bit for bit (zero-initialised ln2)', () => {
    const unet = tinyUNet();
    const tuner = new ScTuner({ layout: { skips: unet.skipInfo }, downRatio: 1 }, { seed: 3 });
    const { x, t, context } = inputs();
    const base = unet.forward(x, t, context);
    const tuned = unet.forward(x, t, context, { skipHook: (j, s) => tf.add(s, tuner.residual(j, s)) });
    expect(Array.from(tuned.dataSync())).toEqual(Array.from(base.dataSync()));
    tf.dispose([base, tuned, x, t, context]);
    tuner.dispose();
    unet.params.dispose();
  });

  it('computes x + W2 GELU(W1 x + b1) + b2 per pixel', () => {
    const unet = tinyUNet();
    const tuner = new ScTuner({ layout: { skips: unet.skipInfo }, downRatio: 0.5 }, { seed: 3 });
    randomize(tuner.params, 5);
    const adapter = tuner.adapters[0]!;
    const c = adapter.channels;
    const x = tf.randomNormal([1, 2, 2, c], 0, 1, 'float32', 1) as tf.Tensor4D;
    const got = tuner.residual(0, x);
    const want = tf.tidy(() => {
      const flat = tf.reshape(x, [-1, c]);
      const h = tf.add(tf.matMul(flat, adapter.ln1.weight.value), adapter.ln1.bias!.value);
      const g = tf.mul(tf.mul(h, 0.5), tf.add(1, tf.erf(tf.div(h, Math.SQRT2))));
      return tf.reshape(tf.add(tf.matMul(g, adapter.ln2.weight.value), adapter.ln2.bias!.value), x.shape);
    });
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    expect(adapter.hidden).toBe(Math.round(c * 0.5));
    tf.dispose([x, got, want]);
    tuner.dispose();
    unet.params.dispose();
  });
});

describe('CSC-Tuner', () => {
  it('follows the reference pre-hint for SD (factor 8) and drops a stage for factor 4', () => {
    const layout = { skips: UNet.describe(sd15.unet).skipInfo };
    const sd = { ...cscConfigFor(layout), latentFactor: 8, hintChannels: 256, preHintRatio: 1 };
    expect(preHintPlan(sd)).toEqual([
      { width: 16, stride: 1 },
      { width: 16, stride: 1 },
      { width: 32, stride: 2 },
      { width: 32, stride: 1 },
      { width: 96, stride: 2 },
      { width: 96, stride: 1 },
      { width: 256, stride: 2 },
    ]);
    expect(preHintPlan({ ...sd, latentFactor: 4 }).filter((s) => s.stride === 2)).toHaveLength(2);
    expect(() => preHintPlan({ ...sd, latentFactor: 6 })).toThrow(/power of two/);
    const tuner = new CscTuner(sd, { allocate: false });
    const shapes = new Map(tuner.params.specs().map((s) => [s.name, torchShape(s)]));
    expect(shapes.get('pre_hint_blocks.0.weight')).toEqual([16, 3, 3, 3]);
    expect(shapes.get('pre_hint_blocks.12.weight')).toEqual([256, 96, 3, 3]);
    expect(shapes.get('dense_hint_blocks.0.1.weight')).toEqual([320, 256, 3, 3]);
    expect(shapes.get('dense_hint_blocks.3.1.weight')).toEqual([320, 320, 3, 3]);
    expect(shapes.get('dense_hint_blocks.4.1.weight')).toEqual([640, 320, 3, 3]);
    expect(shapes.get('lsc_tuner_blocks.0.tuner_op.ln1.weight')).toEqual([1280, 1280]);
  });

  it('makes one hint per skip at that skip size and width; zero at initialisation', () => {
    const unet = tinyUNet();
    const tuner = new CscTuner(cscConfig(unet), { seed: 2 });
    const cond = conditionImage();
    const { x, t, context } = inputs(1);
    const enc = unet.encode(x, t, context);
    const hints = tuner.hints(cond);
    expect(hints.map((h) => h.shape)).toEqual([...enc.skips].reverse().map((s) => [1, ...s.shape.slice(1)]));
    expect(hints.every((h) => tf.tidy(() => tf.max(tf.abs(h)).dataSync()[0]) === 0)).toBe(true);
    tf.dispose([...hints, ...enc.skips, enc.h, enc.emb, cond, x, t, context]);
    tuner.dispose();
    unet.params.dispose();
  });

  it('can read every hint pixel where the hint halves: 3x3 dense hints there, 1x1 elsewhere', () => {
    const unet = tinyUNet();
    const mixed = new CscTuner(
      { ...cscConfig(unet), denseHintKernel: 1, downsampleHintKernel: 3 },
      { seed: 2 },
    );
    const halves = unet.skipInfo.map((s, i) => i > 0 && s.downscale > unet.skipInfo[i - 1]!.downscale);
    expect(halves.some(Boolean)).toBe(true);
    expect(mixed.denseHint.map((conv) => conv.weight.spec.shape[0])).toEqual(halves.map((h) => (h ? 3 : 1)));
    // Same hint sizes as all-3x3 dense hints: padding 1 where the kernel is 3.
    const all3 = new CscTuner(cscConfig(unet), { seed: 2 });
    const cond = conditionImage();
    const [a, b] = [mixed.hints(cond), all3.hints(cond)];
    expect(a.map((h) => h.shape)).toEqual(b.map((h) => h.shape));
    tf.dispose([cond, ...a, ...b]);
    mixed.dispose();
    all3.dispose();
    unet.params.dispose();
  });

  it('applies control_j = h_j + T_j(skip + h_j)', () => {
    const unet = tinyUNet();
    const tuner = new CscTuner(cscConfig(unet), { seed: 2 });
    randomize(tuner.params, 4, 0.1);
    const cond = conditionImage();
    const hints = tuner.hints(cond);
    const skip = tf.randomNormal(hints[0]!.shape, 0, 1, 'float32', 8) as tf.Tensor4D;
    const got = tuner.control(0, skip, hints[0]!);
    const want = tf.tidy(() => tf.add(hints[0]!, tuner.adapters[0]!.residual(tf.add(skip, hints[0]!))));
    expect(maxAbsDiff(got, want)).toBe(0);
    expect(tf.tidy(() => tf.max(tf.abs(hints[0]!)).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([...hints, skip, got, want, cond]);
    tuner.dispose();
    unet.params.dispose();
  });

  it('refuses condition images of the wrong size or channel count, naming both', () => {
    const unet = tinyUNet();
    const tuner = new CscTuner(cscConfig(unet));
    const odd = tf.zeros([1, 30, 30, 3]) as tf.Tensor4D;
    const gray = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
    expect(() => tuner.hints(odd)).toThrow(/30x30 is not a multiple of the latent factor 4/);
    expect(() => tuner.hints(gray)).toThrow(/expects 3-channel condition images, got 1/);
    tf.dispose([odd, gray]);
    tuner.dispose();
    unet.params.dispose();
  });
});

function cscConfigFor(layout: { skips: { channels: number; downscale: number }[] }) {
  return {
    layout,
    condition: 'canny',
    latentFactor: 8,
    conditionChannels: 3,
    hintChannels: 256,
    preHintRatio: 1,
    denseHintKernel: 3 as const,
    downRatio: 1,
  };
}
