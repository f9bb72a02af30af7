// LoRA and ControlNet files (save -> load exactly, refused when wrong) and their use at generation
// time: a LoRA attached with a scale, a ControlNet's residuals times its weight, both mixed with
// SC/CSC-Tuners through prepareMix and generate().
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { openSafetensors, writeSafetensors } from '../../../../main/engine/io/safetensors.ts';
import { generate } from '../../../../main/engine/pipeline/generate.ts';
import {
  BASELINE_FORMAT,
  inspectBaseline,
  loadBaseline,
  saveBaseline,
} from '../../../../main/engine/tuners/baseline-file.ts';
import { prepareMix } from '../../../../main/engine/tuners/composition.ts';
import { ControlNet, controlNetSkipHook } from '../../../../main/engine/tuners/controlnet.ts';
import { LoraTuner } from '../../../../main/engine/tuners/lora.ts';
import { ScTuner } from '../../../../main/engine/tuners/sc-tuner.ts';
import { inspectTuner } from '../../../../main/engine/tuners/tuner-file.ts';
import { perturbParams } from '../models/perturb.ts';
import { tinyModel } from '../pipeline/tiny-model.ts';
import { conditionImage, inputs, maxAbsDiff, randomize, tinyUNet } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'scedit-baseline-file-'));
const base = { id: 'tiny-test', hash: 'abc123' };

beforeAll(async () => {
  await initBackend();
});

async function values(params: { name: string; value: tf.Variable }[]) {
  const out: Record<string, number[]> = {};
  for (const p of params) out[p.name] = Array.from(await p.value.data());
  return out;
}

describe('LoRA and ControlNet files', () => {
  it('round-trip a LoRA exactly and refuse another base model or a tuner reader', async () => {
    const unet = tinyUNet();
    const lora = new LoraTuner(unet, { rank: 3, alpha: 6 });
    randomize(lora.params, 5);
    const path = join(dir, 'style.safetensors');
    await saveBaseline(
      path,
      { kind: 'lora', tuner: lora },
      { baseModel: base, name: 'style', training: { steps: 2 } },
    );
    const info = await inspectBaseline(path);
    expect(info).toMatchObject({
      kind: 'lora',
      condition: null,
      baseModel: base,
      config: { rank: 3, alpha: 6 },
      parameterCount: lora.params.count(),
      training: { steps: 2 },
      name: 'style',
    });
    expect(info.metadata.format).toBe(BASELINE_FORMAT);
    const { baseline } = await loadBaseline(path, { baseModel: base, unet, latentFactor: 4 });
    expect(baseline.kind).toBe('lora');
    const loaded = baseline.tuner as LoraTuner;
    expect(await values(loaded.params.list())).toEqual(await values(lora.params.list()));
    await expect(
      loadBaseline(path, { baseModel: { id: 'other', hash: 'fff' }, unet, latentFactor: 4 }),
    ).rejects.toThrow(/trained for base model "tiny-test" \(hash abc123\); the loaded model is "other"/);
    await expect(inspectTuner(path)).rejects.toThrow(/a LoRA baseline, not an SC\/CSC-Tuner/);
    loaded.dispose();
    lora.dispose();
    unet.params.dispose();
  });

  it('round-trip a ControlNet under control_model. names and refuse a wrong shape before allocating', async () => {
    const unet = tinyUNet();
    const controlNet = new ControlNet(unet, { latentFactor: 4, conditionChannels: 3 });
    randomize(controlNet.extras, 6);
    const path = join(dir, 'edges.safetensors');
    await saveBaseline(
      path,
      { kind: 'controlnet', tuner: controlNet, condition: 'canny' },
      { baseModel: base },
    );
    const file = await openSafetensors(path);
    expect(file.keys()).toContain('control_model.zero_convs.0.0.weight');
    expect(file.keys()).toContain('control_model.input_blocks.0.0.weight');
    expect(file.keys()).toContain('control_model.middle_block_out.0.bias');
    expect(file.keys().every((k) => k.startsWith('control_model.'))).toBe(true);
    const tensors = [];
    for (const name of file.keys()) {
      const data = await file.read(name);
      const shape = file.info(name).shape;
      tensors.push(
        name === 'control_model.zero_convs.0.0.bias'
          ? { name, dtype: 'F32' as const, shape: [shape[0]! + 1], data: new Float32Array(shape[0]! + 1) }
          : { name, dtype: 'F32' as const, shape, data },
      );
    }
    const metadata = { ...file.metadata };
    await file.close();
    expect((await inspectBaseline(path)).condition).toBe('canny');

    const { baseline } = await loadBaseline(path, { baseModel: base, unet, latentFactor: 4 });
    expect(baseline).toMatchObject({ kind: 'controlnet', condition: 'canny' });
    const loaded = baseline.tuner as ControlNet;
    expect(await values(loaded.params())).toEqual(await values(controlNet.params()));
    loaded.dispose();

    const broken = join(dir, 'broken.safetensors');
    await writeSafetensors(broken, tensors, metadata);
    const before = tf.memory().numTensors;
    await expect(loadBaseline(broken, { baseModel: base, unet, latentFactor: 4 })).rejects.toThrow(
      /tensor "control_model\.zero_convs\.0\.0\.bias" has shape \[17\], expected \[16\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
    await expect(loadBaseline(path, { baseModel: base, unet, latentFactor: 8 })).rejects.toThrow(
      /latents 4x smaller than pictures; the model's factor is 8/,
    );
    controlNet.dispose();
    unet.params.dispose();
  });
});

describe('LoRA and ControlNet in the tuner mix', () => {
  it('a LoRA applies with its scale while the mix lives, and the U-Net is itself again after', () => {
    const unet = tinyUNet();
    const lora = new LoraTuner(unet, { rank: 2 });
    randomize(lora.params, 3);
    const { x, t, context } = inputs(2);
    const plain = unet.forward(x, t, context);
    const detach = lora.attach(0.5);
    const expected = unet.forward(x, t, context);
    detach();
    const mix = prepareMix({ sc: [], csc: [], lora: [{ tuner: lora, scale: 0.5 }] });
    const got = mix.forward(unet, x, t, context, 0);
    mix.dispose();
    const after = unet.forward(x, t, context);
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-6);
    expect(maxAbsDiff(got, plain)).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(after, plain)).toBe(0);
    const zero = prepareMix({ sc: [], csc: [], lora: [{ tuner: lora, scale: 0 }] });
    const unchanged = zero.forward(unet, x, t, context, 0);
    zero.dispose();
    expect(maxAbsDiff(unchanged, plain)).toBe(0);
    tf.dispose([x, t, context, plain, expected, got, after, unchanged]);
    lora.dispose();
    unet.params.dispose();
  });

  it('a ControlNet adds its weighted residuals, on top of an SC-Tuner, within its step range', () => {
    const unet = tinyUNet();
    const controlNet = new ControlNet(unet, { latentFactor: 4, conditionChannels: 3 });
    randomize(controlNet.extras, 4);
    const sc = new ScTuner({ layout: { skips: unet.skipInfo }, downRatio: 1 });
    randomize(sc.params, 8);
    const { x, t, context } = inputs(2);
    const cond = conditionImage();
    const expected = tf.tidy(() => {
      const r = controlNet.controls(x, t, context, cond);
      const scaled = {
        skips: r.skips.map((s) => tf.mul(s, 0.7) as tf.Tensor4D),
        middle: tf.mul(r.middle, 0.7) as tf.Tensor4D,
      };
      const enc = unet.encode(x, t, context);
      const addCn = controlNetSkipHook(scaled);
      return unet.decode(tf.add(enc.h, scaled.middle) as tf.Tensor4D, enc.skips, enc.emb, context, {
        skipHook: (j, s) => addCn(j, tf.add(s, sc.residual(j, s)) as tf.Tensor4D),
      });
    });
    const before = tf.memory().numTensors;
    const mix = prepareMix({
      sc: [{ tuner: sc, scale: 1 }],
      csc: [],
      controlNets: [{ tuner: controlNet, condition: cond, weight: 0.7, steps: [0, 0.5] }],
    });
    const got = mix.forward(unet, x, t, context, 0.25);
    const late = mix.forward(unet, x, t, context, 0.75);
    const scOnly = tf.tidy(() =>
      unet.forward(x, t, context, { skipHook: (j, s) => tf.add(s, sc.residual(j, s)) as tf.Tensor4D }),
    );
    mix.dispose();
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(late, scOnly)).toBeLessThan(1e-6);
    expect(maxAbsDiff(got, scOnly)).toBeGreaterThan(1e-4);
    tf.dispose([got, late, scOnly]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() =>
      prepareMix({
        sc: [],
        csc: [],
        controlNets: [{ tuner: controlNet, condition: cond, weight: Number.NaN }],
      }),
    ).toThrow(/ControlNet 0: weight must be a number/);
    tf.dispose([x, t, context, cond, expected]);
    controlNet.dispose();
    sc.dispose();
    unet.params.dispose();
  });

  it('generates with a LoRA and a ControlNet, leaking no tensor across generations', async () => {
    const model = tinyModel(3);
    perturbParams(model.unet.params, 3, 0.2);
    const lora = new LoraTuner(model.unet, { rank: 2 });
    randomize(lora.params, 2);
    const controlNet = new ControlNet(model.unet, { latentFactor: model.vaeFactor, conditionChannels: 3 });
    randomize(controlNet.extras, 2);
    const cond = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const params = {
      prompt: 'a red apple',
      seed: 1,
      steps: 2,
      guidance: 3,
      sampler: 'euler' as const,
      width: 32,
      height: 32,
    };
    const plain = await generate(model, params);
    const run = () =>
      generate(model, {
        ...params,
        mix: {
          sc: [],
          csc: [],
          lora: [{ tuner: lora, scale: 1 }],
          controlNets: [{ tuner: controlNet, condition: cond, weight: 1 }],
        },
      });
    const first = await run();
    const tensors = tf.memory().numTensors;
    const second = await run();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(second.image.data).toEqual(first.image.data);
    expect(first.image.data).not.toEqual(plain.image.data);
    // The LoRA is detached again: the base model generates as before.
    expect((await generate(model, params)).image.data).toEqual(plain.image.data);
    cond.dispose();
    lora.dispose();
    controlNet.dispose();
    model.dispose();
  });
});
