import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { loadParamsInto, saveParamFile } from '../../../../main/engine/io/param-file.ts';
import { openSafetensors } from '../../../../main/engine/io/safetensors.ts';
import { embedded } from '../../../../main/engine/models/configs/embedded.ts';
import { sd15 } from '../../../../main/engine/models/configs/sd15.ts';
import type { UNetConfigInput } from '../../../../main/engine/models/unet/config.ts';
import { UNet } from '../../../../main/engine/models/unet/unet.ts';
import { torchShape } from '../../../../main/engine/nn/params.ts';
import { perturbParams } from './perturb.ts';

const tiny: UNetConfigInput = {
  inChannels: 4,
  outChannels: 4,
  modelChannels: 16,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionLevels: [1],
  headDim: 8,
  contextDim: 12,
  transformerDepth: 1,
  useLinearProjection: false,
  normGroups: 8,
};

beforeAll(async () => {
  await initBackend();
});

function inputs(batch = 2, size = 8) {
  return {
    x: tf.randomNormal([batch, size, size, 4], 0, 1, 'float32', 3) as tf.Tensor4D,
    t: tf.tensor1d(Array.from({ length: batch }, (_, i) => 10 + 300 * i)),
    context: tf.randomNormal([batch, 5, 12], 0, 1, 'float32', 4) as tf.Tensor3D,
  };
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('U-Net (LDM structure)', () => {
  it('sd15 built without weights has exactly 859,520,964 parameters and SD 1.5 skip widths', () => {
    const before = tf.memory().numTensors;
    const unet = UNet.describe(sd15.unet);
    expect(tf.memory().numTensors).toBe(before);
    expect(unet.params.count()).toBe(859_520_964);
    expect(unet.skipInfo.map((s) => s.channels)).toEqual([
      320, 320, 320, 320, 640, 640, 640, 1280, 1280, 1280, 1280, 1280,
    ]);
    expect(unet.skipInfo.map((s) => s.downscale)).toEqual([1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8]);
    const shapes = new Map(unet.params.specs().map((s) => [s.name, torchShape(s)]));
    expect(shapes.get('input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight')).toEqual([320, 320]);
    expect(shapes.get('input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight')).toEqual([320, 768]);
    expect(shapes.get('input_blocks.1.1.proj_in.weight')).toEqual([320, 320, 1, 1]);
    expect(shapes.get('input_blocks.3.0.op.weight')).toEqual([320, 320, 3, 3]);
    expect(shapes.get('input_blocks.4.0.skip_connection.weight')).toEqual([640, 320, 1, 1]);
    expect(shapes.get('middle_block.1.transformer_blocks.0.ff.net.0.proj.weight')).toEqual([10240, 1280]);
    expect(shapes.get('output_blocks.2.1.conv.weight')).toEqual([1280, 1280, 3, 3]);
    expect(shapes.get('output_blocks.5.2.conv.weight')).toEqual([1280, 1280, 3, 3]);
    expect(shapes.get('output_blocks.11.0.in_layers.2.weight')).toEqual([320, 640, 3, 3]);
    expect(shapes.get('time_embed.0.weight')).toEqual([1280, 320]);
    expect(shapes.get('out.2.weight')).toEqual([4, 320, 3, 3]);
    expect(unet.params.specs()).toHaveLength(686);
  });

  it('the embedded config is a 5–12 M-parameter U-Net', () => {
    const unet = UNet.describe(embedded.unet);
    const count = unet.params.count();
    expect(count).toBeGreaterThan(5e6);
    expect(count).toBeLessThan(12e6);
    expect(unet.skipInfo.map((s) => s.channels)).toEqual([40, 40, 40, 80, 80, 160]);
  });

  it('rejects a bad config with the field and the problem', () => {
    expect(() => new UNet({ ...tiny, attentionLevels: [3] }, { allocate: false })).toThrow(
      /attentionLevels: level 3 does not exist/,
    );
    expect(() => new UNet({ ...tiny, numHeads: 2 }, { allocate: false })).toThrow(
      /numHeads: give exactly one/,
    );
    expect(() => new UNet({ ...tiny, modelChannels: 12 }, { allocate: false })).toThrow(/norm groups/);
  });

  it('every block produces the shape its skip info announces; the output matches the input', () => {
    const unet = new UNet(tiny, { seed: 2 });
    const { x, t, context } = inputs();
    const { skips, h, emb } = unet.encode(x, t, context);
    expect(emb.shape).toEqual([2, 64]);
    expect(skips.map((s) => s.shape)).toEqual(
      unet.skipInfo.map((s) => [2, 8 / s.downscale, 8 / s.downscale, s.channels]),
    );
    expect(skips.map((s) => s.shape)).toEqual([
      [2, 8, 8, 16],
      [2, 8, 8, 16],
      [2, 4, 4, 16],
      [2, 4, 4, 32],
    ]);
    expect(h.shape).toEqual([2, 4, 4, 32]);
    // Output blocks one by one: each consumes one skip (decoder order) and the previous output.
    const expectedOut = [
      [2, 4, 4, 32],
      [2, 8, 8, 32],
      [2, 8, 8, 16],
      [2, 8, 8, 16],
    ];
    let cur = h;
    unet.outputBlocks.forEach((block, j) => {
      cur = block.apply(tf.concat([cur, skips[skips.length - 1 - j]!], 3), emb, context);
      expect(cur.shape).toEqual(expectedOut[j]);
    });
    expect(unet.forward(x, t, context).shape).toEqual([2, 8, 8, 4]);
    expect(() => unet.forward(tf.zeros([2, 7, 8, 4]), t, context)).toThrow(/7×8 is not divisible by 2/);
    expect(() => unet.forward(x, t, tf.zeros([2, 5, 3]))).toThrow(/context has shape \[2,5,3\]/);
    unet.dispose();
  });

  it('a fresh U-Net predicts exactly zero (zero-initialised output conv, as LDM)', () => {
    const unet = new UNet(tiny);
    const { x, t, context } = inputs();
    const y = unet.forward(x, t, context);
    expect(tf.max(tf.abs(y)).dataSync()[0]).toBe(0);
    unet.dispose();
  });

  it('encode then decode equals forward, bit for bit', () => {
    const unet = new UNet(tiny);
    perturbParams(unet.params);
    const { x, t, context } = inputs();
    const y = unet.forward(x, t, context);
    const { skips, h, emb } = unet.encode(x, t, context);
    const z = unet.decode(h, skips, emb, context);
    expect(Array.from(z.dataSync())).toEqual(Array.from(y.dataSync()));
    expect(maxAbsDiff(y, tf.zerosLike(y))).toBeGreaterThan(1e-3);
    unet.dispose();
  });

  it('skipHook sees every skip in decoder order; identity changes nothing; a replacement changes the output', () => {
    const unet = new UNet(tiny);
    perturbParams(unet.params);
    const { x, t, context } = inputs();
    const base = unet.forward(x, t, context);
    const seen: [number, number[]][] = [];
    const same = unet.forward(x, t, context, {
      skipHook: (j, skip) => {
        seen.push([j, skip.shape]);
        return skip;
      },
    });
    expect(Array.from(same.dataSync())).toEqual(Array.from(base.dataSync()));
    expect(seen).toEqual([
      [0, [2, 4, 4, 32]],
      [1, [2, 4, 4, 16]],
      [2, [2, 8, 8, 16]],
      [3, [2, 8, 8, 16]],
    ]);
    const { skips } = unet.encode(x, t, context);
    const replaced: number[] = [];
    const edited = unet.forward(x, t, context, {
      skipHook: (j, skip) => {
        // The hook receives the encoder's own tensor for this skip.
        expect(maxAbsDiff(skip, skips[skips.length - 1 - j]!)).toBe(0);
        if (j !== 2) return skip;
        replaced.push(j);
        return tf.mul(skip, 0);
      },
    });
    expect(replaced).toEqual([2]);
    expect(maxAbsDiff(edited, base)).toBeGreaterThan(1e-3);
    // Zeroing that skip by hand through decode gives the same result.
    const enc = unet.encode(x, t, context);
    const manual = [...enc.skips];
    manual[manual.length - 1 - 2] = tf.zerosLike(manual[manual.length - 1 - 2]!);
    const byHand = unet.decode(enc.h, manual, enc.emb, context);
    expect(Array.from(byHand.dataSync())).toEqual(Array.from(edited.dataSync()));
    expect(() => unet.forward(x, t, context, { skipHook: (_j, s) => tf.slice(s, 0, 1) })).toThrow(
      /skipHook\(0\) returned shape/,
    );
    expect(() => unet.decode(enc.h, enc.skips.slice(1), enc.emb, context)).toThrow(/expected 4 skips, got 3/);
    unet.dispose();
  });

  it('saves to .safetensors in PyTorch layout and loads into a fresh model: the same output bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unet-'));
    try {
      const a = new UNet(tiny, { seed: 1 });
      perturbParams(a.params, 5);
      const path = join(dir, 'unet.safetensors');
      await saveParamFile(path, a.params.list());
      const b = new UNet(tiny, { seed: 2 });
      const file = await openSafetensors(path);
      expect(file.info('input_blocks.0.0.weight').shape).toEqual([16, 4, 3, 3]);
      await loadParamsInto(file, b.params.list());
      await file.close();
      const { x, t, context } = inputs();
      expect(Array.from(b.forward(x, t, context).dataSync())).toEqual(
        Array.from(a.forward(x, t, context).dataSync()),
      );
      a.dispose();
      b.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ten forwards in a row leave tf.memory().numTensors unchanged', () => {
    const unet = new UNet(tiny);
    const { x, t, context } = inputs();
    unet.forward(x, t, context).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      unet.forward(x, t, context, { skipHook: (_j, s) => tf.mul(s, 1.5) }).dispose();
      const enc = unet.encode(x, t, context);
      unet.decode(enc.h, enc.skips, enc.emb, context).dispose();
      tf.dispose([...enc.skips, enc.h, enc.emb]);
    }
    expect(tf.memory().numTensors).toBe(before);
    unet.dispose();
    tf.dispose([x, t, context]);
    expect(tf.memory().numTensors).toBe(before - 3 - unet.params.list().length);
  });

  it('runs the embedded config on a 16×16×4 latent batch of 2', () => {
    const unet = new UNet(embedded.unet);
    const y = unet.forward(
      tf.randomNormal([2, 16, 16, 4]) as tf.Tensor4D,
      tf.tensor1d([999, 0]),
      tf.randomNormal([2, 24, 192]) as tf.Tensor3D,
    );
    expect(y.shape).toEqual([2, 16, 16, 4]);
    unet.dispose();
  });
});
