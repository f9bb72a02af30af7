import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { embedded } from '../../../../main/engine/models/configs/embedded.ts';
import { sd15 } from '../../../../main/engine/models/configs/sd15.ts';
import type { VaeConfigInput } from '../../../../main/engine/models/vae/config.ts';
import { AutoencoderKL } from '../../../../main/engine/models/vae/vae.ts';
import { torchShape } from '../../../../main/engine/nn/params.ts';
import { perturbParams } from './perturb.ts';

const tiny: VaeConfigInput = {
  baseChannels: 8,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionLevels: [1],
  latentChannels: 4,
  scaleFactor: 0.5,
  normGroups: 4,
};

beforeAll(async () => {
  await initBackend();
});

describe('AutoencoderKL', () => {
  it('sd15 built without weights has SD 1.5 VAE parameter count and LDM names', () => {
    const vae = AutoencoderKL.describe(sd15.vae);
    expect(vae.params.count()).toBe(83_653_863);
    const shapes = new Map(vae.params.specs().map((s) => [s.name, torchShape(s)]));
    expect(shapes.get('encoder.down.0.downsample.conv.weight')).toEqual([128, 128, 3, 3]);
    expect(shapes.get('encoder.down.1.block.0.nin_shortcut.weight')).toEqual([256, 128, 1, 1]);
    expect(shapes.get('encoder.mid.attn_1.q.weight')).toEqual([512, 512, 1, 1]);
    expect(shapes.get('encoder.conv_out.weight')).toEqual([8, 512, 3, 3]);
    expect(shapes.get('quant_conv.weight')).toEqual([8, 8, 1, 1]);
    expect(shapes.get('post_quant_conv.weight')).toEqual([4, 4, 1, 1]);
    expect(shapes.get('decoder.up.3.block.2.conv2.weight')).toEqual([512, 512, 3, 3]);
    expect(shapes.get('decoder.up.0.block.0.nin_shortcut.weight')).toEqual([128, 256, 1, 1]);
    expect(shapes.get('decoder.up.3.upsample.conv.weight')).toEqual([512, 512, 3, 3]);
    expect(shapes.has('decoder.up.0.upsample.conv.weight')).toBe(false);
    expect(vae.downscale).toBe(8);
  });

  it('encodes images to mean/logvar at 1/downscale and decodes back to image size', () => {
    const vae = new AutoencoderKL(tiny);
    perturbParams(vae.params, 3, 0.1);
    const image = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const { mean, logvar } = vae.encode(image);
    expect(mean.shape).toEqual([2, 4, 4, 4]);
    expect(logvar.shape).toEqual([2, 4, 4, 4]);
    const latents = vae.sampleDiffusionLatents({ mean, logvar });
    expect(Array.from(latents.dataSync())).toEqual(Array.from(tf.mul(mean, 0.5).dataSync()));
    const noisy = vae.sampleDiffusionLatents({ mean, logvar }, tf.onesLike(mean));
    const expected = tf.mul(tf.add(mean, tf.exp(tf.mul(logvar, 0.5))), 0.5);
    expect(tf.max(tf.abs(tf.sub(noisy, expected))).dataSync()[0]).toBeLessThan(1e-6);
    const decoded = vae.decodeDiffusionLatents(latents);
    expect(decoded.shape).toEqual([2, 8, 8, 3]);
    const direct = vae.decode(mean);
    expect(tf.max(tf.abs(tf.sub(decoded, direct))).dataSync()[0]).toBeLessThan(1e-5);
    expect(() => vae.encode(tf.zeros([1, 7, 7, 3]))).toThrow(/7×7 is not divisible by 2/);
    expect(() => vae.decode(tf.zeros([1, 4, 4, 3]))).toThrow(/latent has 3 channels/);
    const names = vae.params.specs().map((s) => s.name);
    expect(names).toContain('encoder.down.1.attn.0.q.weight');
    expect(names).toContain('decoder.up.1.attn.1.proj_out.bias');
    vae.dispose();
  });

  it('the embedded VAE maps 64×64×3 to 16×16×4 and back without leaking tensors', () => {
    const vae = new AutoencoderKL(embedded.vae);
    const image = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    const run = () => {
      const dist = vae.encode(image);
      const back = vae.decode(dist.mean);
      const shapes = [dist.mean.shape, back.shape];
      tf.dispose([dist.mean, dist.logvar, back]);
      return shapes;
    };
    expect(run()).toEqual([
      [1, 16, 16, 4],
      [1, 64, 64, 3],
    ]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    vae.dispose();
  });
});
