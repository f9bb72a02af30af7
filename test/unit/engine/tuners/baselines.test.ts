import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { sd15 } from '../../../../main/engine/models/configs/sd15.ts';
import { UNet } from '../../../../main/engine/models/unet/unet.ts';
import {
  controlNetLossAndGrads,
  fullFineTuneLossAndGrads,
  loraLossAndGrads,
} from '../../../../main/engine/tuners/baseline-training.ts';
import { ControlNet, controlNetSkipHook } from '../../../../main/engine/tuners/controlnet.ts';
import { CscTuner } from '../../../../main/engine/tuners/csc-tuner.ts';
import { LoraTuner } from '../../../../main/engine/tuners/lora.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import { conditionImage, inputs, maxAbsDiff, randomize, tinyUNet } from './fixtures.ts';

beforeAll(async () => {
  await initBackend();
});

function batch() {
  const io = inputs(2);
  return { ...io, target: tf.randomNormal(io.x.shape, 0, 1, 'float32', 5) as tf.Tensor4D };
}

describe('LoRA baseline', () => {
  it('adapts attention q/k/v/out and the feed-forward, starts as the identity, and detaches cleanly', () => {
    const unet = tinyUNet();
    const lora = new LoraTuner(unet, { rank: 4 });
    // Per transformer block: q, k, v, out of both attentions and the two feed-forward layers.
    const attentions = unet.params.list().filter((p) => /attn[12]\.to_q\.weight$/.test(p.name)).length;
    expect(lora.layerCount).toBe((attentions / 2) * 10);
    expect(lora.params.list().map((p) => p.name)).toContain(
      'input_blocks.3.1.transformer_blocks.0.attn1.to_q.lora_up.weight',
    );
    const { x, t, context } = inputs(1);
    const base = unet.forward(x, t, context);
    const detach = lora.attach();
    const fresh = unet.forward(x, t, context);
    randomize(lora.params, 3, 0.2);
    const adapted = unet.forward(x, t, context);
    detach();
    const after = unet.forward(x, t, context);
    expect(maxAbsDiff(fresh, base)).toBe(0);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(after, base)).toBe(0);
    tf.dispose([x, t, context, base, fresh, adapted, after]);
    lora.dispose();
    unet.params.dispose();
  });

  it('trains only its own variables', () => {
    const unet = tinyUNet();
    const lora = new LoraTuner(unet, { rank: 2 });
    const b = batch();
    const { grads, loss } = loraLossAndGrads(unet, lora, b);
    expect(Number.isFinite(loss)).toBe(true);
    expect(Object.keys(grads).sort()).toEqual(
      lora.params
        .variables()
        .map((v) => v.name)
        .sort(),
    );
    tf.dispose([...Object.values(grads), b.x, b.t, b.context, b.target]);
    lora.dispose();
    unet.params.dispose();
  });
});

describe('ControlNet baseline', () => {
  it('copies the encoder, starts as the identity (zero convolutions), and trains only itself', () => {
    const unet = tinyUNet();
    const controlNet = new ControlNet(unet, { latentFactor: 4, conditionChannels: 3 });
    const b = batch();
    const cond = conditionImage();
    const enc = unet.encode(b.x, b.t, b.context);
    const residuals = controlNet.controls(b.x, b.t, b.context, cond);
    const controlled = unet.decode(
      tf.add(enc.h, residuals.middle) as tf.Tensor4D,
      enc.skips,
      enc.emb,
      b.context,
      {
        skipHook: controlNetSkipHook(residuals),
      },
    );
    const base = unet.forward(b.x, b.t, b.context);
    expect(maxAbsDiff(controlled, base)).toBe(0);
    const { grads } = controlNetLossAndGrads(unet, controlNet, b, cond);
    expect(Object.keys(grads).length).toBe(controlNet.variables().length);
    const unetIds = new Set(unet.variables().map((v) => v.name));
    expect(Object.keys(grads).some((name) => unetIds.has(name))).toBe(false);
    tf.dispose([...Object.values(grads), ...enc.skips, enc.h, enc.emb, ...residuals.skips, residuals.middle]);
    tf.dispose([controlled, base, cond, b.x, b.t, b.context, b.target]);
    controlNet.dispose();
    unet.params.dispose();
  });

  it('on SD 1.5 a CSC-Tuner with 1x1 dense hints holds under 8 % of ControlNet parameters (the paper: 7.9 %)', () => {
    const unet = UNet.describe(sd15.unet);
    const layout = { skips: unet.skipInfo };
    const csc = (denseHintKernel: 1 | 3) =>
      new CscTuner(
        {
          layout,
          condition: 'canny',
          latentFactor: 8,
          conditionChannels: 3,
          hintChannels: 256,
          preHintRatio: 1,
          denseHintKernel,
          downRatio: 1,
        },
        { allocate: false },
      ).params.count();
    const controlNet = ControlNet.parameterCount(unet, { latentFactor: 8, conditionChannels: 3 });
    // The reference SD 1.5 ControlNet holds about 361 M parameters.
    expect(controlNet).toBeGreaterThan(355e6);
    expect(controlNet).toBeLessThan(365e6);
    expect(csc(1) / controlNet).toBeLessThan(0.08);
    // SCEPTER's published SD 1.5 config uses 3x3 dense hints: about 27 % of ControlNet.
    expect(csc(3) / controlNet).toBeGreaterThan(0.25);
    expect(new ScTuner({ layout, downRatio: 1 }, { allocate: false }).params.count()).toBe(19_680_000);
  });
});

describe('full fine-tuning baseline', () => {
  it('computes a gradient for every U-Net weight', () => {
    const unet = tinyUNet();
    const b = batch();
    const { grads } = fullFineTuneLossAndGrads(unet, b);
    expect(Object.keys(grads).length).toBe(unet.variables().length);
    tf.dispose([...Object.values(grads), b.x, b.t, b.context, b.target]);
    unet.params.dispose();
  });
});
