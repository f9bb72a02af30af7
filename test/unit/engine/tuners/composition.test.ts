import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { prepareMix } from '../../../../main/engine/tuners/composition.ts';
import { CscTuner } from '../../../../main/engine/tuners/csc-tuner.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import { conditionImage, cscConfig, inputs, maxAbsDiff, randomize, tinyUNet } from './fixtures.ts';

beforeAll(async () => {
  await initBackend();
});

function setup() {
  const unet = tinyUNet();
  const layout = { skips: unet.skipInfo };
  const styleA = new ScTuner({ layout, downRatio: 1 }, { seed: 1 });
  const styleB = new ScTuner({ layout, downRatio: 1 }, { seed: 2 });
  const canny = new CscTuner(cscConfig(unet, 'canny'), { seed: 3 });
  const depth = new CscTuner(cscConfig(unet, 'depth'), { seed: 4 });
  randomize(styleA.params, 11, 0.1);
  randomize(styleB.params, 12, 0.1);
  randomize(canny.params, 13, 0.1);
  randomize(depth.params, 14, 0.1);
  const cond = conditionImage(1);
  const cond2 = conditionImage(2);
  const io = inputs(2);
  const dispose = () => {
    for (const t of [styleA, styleB, canny, depth]) t.dispose();
    unet.params.dispose();
    tf.dispose([cond, cond2, io.x, io.t, io.context]);
  };
  return { unet, styleA, styleB, canny, depth, cond, cond2, ...io, dispose };
}

describe('tuner composition', () => {
  it('with every weight at zero the output equals the base model, bit for bit', () => {
    const s = setup();
    const mix = prepareMix({
      sc: [{ tuner: s.styleA, scale: 0 }],
      csc: [{ tuner: s.canny, condition: s.cond, weight: 0 }],
    });
    const hook = mix.skipHookAt(0);
    expect(hook).toBeUndefined();
    const base = s.unet.forward(s.x, s.t, s.context);
    const mixed = s.unet.forward(s.x, s.t, s.context, { skipHook: hook });
    expect(Array.from(mixed.dataSync())).toEqual(Array.from(base.dataSync()));
    const zeroControl = prepareMix({
      sc: [],
      csc: [{ tuner: s.canny, condition: s.cond, weight: 1 }],
      controlScale: 0,
    });
    expect(zeroControl.skipHookAt(0.5)).toBeUndefined();
    tf.dispose([base, mixed]);
    mix.dispose();
    zeroControl.dispose();
    s.dispose();
  });

  it('two style tuners blend: x + s1 T1(x) + s2 T2(x)', () => {
    const s = setup();
    const mix = prepareMix({
      sc: [
        { tuner: s.styleA, scale: 0.7 },
        { tuner: s.styleB, scale: 0.4 },
      ],
      csc: [],
    });
    const skip = tf.randomNormal([2, 8, 8, 16], 0, 1, 'float32', 5) as tf.Tensor4D;
    const j = s.unet.skipInfo.length - 1;
    const got = mix.skipHookAt(0)!(j, skip);
    const want = tf.tidy(() =>
      tf.add(tf.add(skip, tf.mul(s.styleA.residual(j, skip), 0.7)), tf.mul(s.styleB.residual(j, skip), 0.4)),
    );
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    tf.dispose([skip, got, want]);
    mix.dispose();
    s.dispose();
  });

  it('sums conditions with their weights and the global control scale, and adds the style edit', () => {
    const s = setup();
    const mix = prepareMix({
      sc: [{ tuner: s.styleA, scale: 0.5 }],
      csc: [
        { tuner: s.canny, condition: s.cond, weight: 0.8 },
        { tuner: s.depth, condition: s.cond2, weight: 0.3 },
      ],
      controlScale: 0.9,
    });
    const j = 0;
    const hintsC = s.canny.hints(s.cond);
    const hintsD = s.depth.hints(s.cond2);
    const [, h, w, c] = hintsC[j]!.shape;
    const skip = tf.randomNormal([2, h, w, c], 0, 1, 'float32', 6) as tf.Tensor4D;
    const got = mix.skipHookAt(0.5)!(j, skip);
    const want = tf.tidy(() => {
      const control = tf.add(
        tf.mul(s.canny.control(j, skip, hintsC[j]!), 0.8),
        tf.mul(s.depth.control(j, skip, hintsD[j]!), 0.3),
      );
      return tf.add(tf.add(skip, tf.mul(control, 0.9)), tf.mul(s.styleA.residual(j, skip), 0.5));
    });
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    tf.dispose([...hintsC, ...hintsD, skip, got, want]);
    mix.dispose();
    s.dispose();
  });

  it('a region mask confines the control: no change outside it', () => {
    const s = setup();
    // Left half of a 32x32 image; at 8x8 and 4x4 skips that is the left columns.
    const mask = tf.tidy(() =>
      tf.concat([tf.ones([1, 32, 16, 1]), tf.zeros([1, 32, 16, 1])], 2),
    ) as tf.Tensor4D;
    const mix = prepareMix({ sc: [], csc: [{ tuner: s.canny, condition: s.cond, weight: 1, mask }] });
    const j = s.unet.skipInfo.length - 1; // an 8x8 skip
    const skip = tf.randomNormal([1, 8, 8, 16], 0, 1, 'float32', 7) as tf.Tensor4D;
    const out = mix.skipHookAt(0)!(j, skip);
    const diff = tf.tidy(() => tf.abs(tf.sub(out, skip)));
    const right = tf.tidy(() => tf.max(tf.slice(diff, [0, 0, 5, 0], [1, 8, 3, 16])).dataSync()[0]!);
    const left = tf.tidy(() => tf.max(tf.slice(diff, [0, 0, 0, 0], [1, 8, 3, 16])).dataSync()[0]!);
    expect(right).toBe(0);
    expect(left).toBeGreaterThan(1e-3);
    tf.dispose([mask, skip, out, diff]);
    mix.dispose();
    s.dispose();
  });

  it('honours each condition tuner step range', () => {
    const s = setup();
    const mix = prepareMix({
      sc: [],
      csc: [{ tuner: s.canny, condition: s.cond, weight: 1, steps: [0, 0.6] }],
    });
    expect(mix.skipHookAt(0)).toBeDefined();
    expect(mix.skipHookAt(0.6)).toBeDefined();
    expect(mix.skipHookAt(0.61)).toBeUndefined();
    expect(() =>
      prepareMix({ sc: [], csc: [{ tuner: s.canny, condition: s.cond, weight: 1, steps: [0.7, 0.2] }] }),
    ).toThrow(/step range \[0.7, 0.2\]/);
    mix.dispose();
    s.dispose();
  });

  it('computes hints once per generation, not once per step, and leaks no tensors', () => {
    const s = setup();
    let calls = 0;
    const original = s.canny.hints.bind(s.canny);
    s.canny.hints = (c) => {
      calls++;
      return original(c);
    };
    const before = tf.memory().numTensors;
    for (let generation = 0; generation < 3; generation++) {
      const mix = prepareMix({
        sc: [{ tuner: s.styleA, scale: 1 }],
        csc: [{ tuner: s.canny, condition: s.cond, weight: 1 }],
      });
      for (let step = 0; step < 4; step++) {
        const out = s.unet.forward(s.x, s.t, s.context, { skipHook: mix.skipHookAt(step / 4) });
        out.dispose();
      }
      mix.dispose();
    }
    expect(calls).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
  });
});
