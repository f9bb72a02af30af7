import * as tf from '@tensorflow/tfjs-core';
import { silu } from '../../nn/activations.ts';
import { Conv2d } from '../../nn/conv2d.ts';
import { GroupNorm } from '../../nn/norm.ts';
import { ParamScope, ParamStore } from '../../nn/params.ts';
import { Downsample, Upsample } from '../../nn/resample.ts';
import { VaeAttnBlock, VaeResnetBlock } from './blocks.ts';
import { parseVaeConfig, type VaeConfig, type VaeConfigInput } from './config.ts';

type VaeLayer = VaeResnetBlock | VaeAttnBlock | Downsample | Upsample;

function run(layers: VaeLayer[], x: tf.Tensor4D): tf.Tensor4D {
  let h = x;
  for (const layer of layers) h = layer.apply(h);
  return h;
}

export interface LatentDistribution {
  mean: tf.Tensor4D;
  logvar: tf.Tensor4D;
}

export interface VaeBuildOptions {
  allocate?: boolean;
  seed?: number;
  trainable?: boolean;
}

/**
 * AutoencoderKL (LDM names: encoder.*, decoder.*, quant_conv, post_quant_conv). Images NHWC in
 * [-1, 1]; `encode` gives the diagonal Gaussian (mean, logvar clamped to [-30, 20] as LDM does)
 * of the *unscaled* latent; diffusion works on latents × scaleFactor (`toDiffusionLatents`).
 */
export class AutoencoderKL {
  readonly config: VaeConfig;
  readonly params: ParamStore;
  private readonly encConvIn: Conv2d;
  private readonly encLayers: VaeLayer[] = [];
  private readonly encNormOut: GroupNorm;
  private readonly encConvOut: Conv2d;
  private readonly quantConv: Conv2d;
  private readonly postQuantConv: Conv2d;
  private readonly decConvIn: Conv2d;
  private readonly decLayers: VaeLayer[] = [];
  private readonly decNormOut: GroupNorm;
  private readonly decConvOut: Conv2d;

  constructor(config: VaeConfigInput, options: VaeBuildOptions = {}) {
    this.config = parseVaeConfig(config);
    const c = this.config;
    this.params = new ParamStore({
      allocate: options.allocate ?? true,
      seed: options.seed ?? 0,
      trainable: options.trainable ?? true,
    });
    const root = new ParamScope(this.params);
    const groups = c.normGroups;
    const levels = c.channelMult.length;
    const z = c.latentChannels;

    const enc = root.child('encoder');
    this.encConvIn = new Conv2d(enc.child('conv_in'), {
      inChannels: c.inChannels,
      outChannels: c.baseChannels,
      kernelSize: 3,
      padding: 1,
    });
    let blockIn = c.baseChannels;
    for (let i = 0; i < levels; i++) {
      const blockOut = c.baseChannels * c.channelMult[i]!;
      const down = enc.child(`down.${i}`);
      for (let j = 0; j < c.numResBlocks; j++) {
        this.encLayers.push(
          new VaeResnetBlock(down.child(`block.${j}`), {
            inChannels: blockIn,
            outChannels: blockOut,
            groups,
          }),
        );
        blockIn = blockOut;
        if (c.attentionLevels.includes(i)) {
          this.encLayers.push(new VaeAttnBlock(down.child(`attn.${j}`), { channels: blockIn, groups }));
        }
      }
      if (i !== levels - 1) {
        this.encLayers.push(
          new Downsample(down.child('downsample'), {
            channels: blockIn,
            convName: 'conv',
            padding: 'asymmetric',
          }),
        );
      }
    }
    this.encLayers.push(...this.middle(enc.child('mid'), blockIn));
    this.encNormOut = new GroupNorm(enc.child('norm_out'), { groups, channels: blockIn, eps: 1e-6 });
    this.encConvOut = new Conv2d(enc.child('conv_out'), {
      inChannels: blockIn,
      outChannels: 2 * z,
      kernelSize: 3,
      padding: 1,
    });
    this.quantConv = new Conv2d(root.child('quant_conv'), {
      inChannels: 2 * z,
      outChannels: 2 * z,
      kernelSize: 1,
    });
    this.postQuantConv = new Conv2d(root.child('post_quant_conv'), {
      inChannels: z,
      outChannels: z,
      kernelSize: 1,
    });

    const dec = root.child('decoder');
    blockIn = c.baseChannels * c.channelMult[levels - 1]!;
    this.decConvIn = new Conv2d(dec.child('conv_in'), {
      inChannels: z,
      outChannels: blockIn,
      kernelSize: 3,
      padding: 1,
    });
    this.decLayers.push(...this.middle(dec.child('mid'), blockIn));
    for (let i = levels - 1; i >= 0; i--) {
      const blockOut = c.baseChannels * c.channelMult[i]!;
      const up = dec.child(`up.${i}`);
      for (let j = 0; j <= c.numResBlocks; j++) {
        this.decLayers.push(
          new VaeResnetBlock(up.child(`block.${j}`), { inChannels: blockIn, outChannels: blockOut, groups }),
        );
        blockIn = blockOut;
        if (c.attentionLevels.includes(i)) {
          this.decLayers.push(new VaeAttnBlock(up.child(`attn.${j}`), { channels: blockIn, groups }));
        }
      }
      if (i !== 0) this.decLayers.push(new Upsample(up.child('upsample'), { channels: blockIn }));
    }
    this.decNormOut = new GroupNorm(dec.child('norm_out'), { groups, channels: blockIn, eps: 1e-6 });
    this.decConvOut = new Conv2d(dec.child('conv_out'), {
      inChannels: blockIn,
      outChannels: c.outChannels,
      kernelSize: 3,
      padding: 1,
    });
  }

  static describe(config: VaeConfigInput): AutoencoderKL {
    return new AutoencoderKL(config, { allocate: false });
  }

  /** Image side / latent side. */
  get downscale(): number {
    return 2 ** (this.config.channelMult.length - 1);
  }

  encode(image: tf.Tensor4D): LatentDistribution {
    const [, h, w, ch] = image.shape;
    if (ch !== this.config.inChannels) {
      throw new Error(`VAE encode: image has ${ch} channels; the config says ${this.config.inChannels}.`);
    }
    if (h % this.downscale !== 0 || w % this.downscale !== 0) {
      throw new Error(`VAE encode: image ${h}×${w} is not divisible by ${this.downscale}.`);
    }
    return tf.tidy(() => {
      let x = run(this.encLayers, this.encConvIn.apply(image));
      x = this.encConvOut.apply(silu(this.encNormOut.apply(x)));
      const moments = this.quantConv.apply(x);
      const [mean, logvar] = tf.split(moments, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      return { mean, logvar: tf.clipByValue(logvar, -30, 20) };
    });
  }

  /** Unscaled latent -> image in [-1, 1] (not clamped). */
  decode(latent: tf.Tensor4D): tf.Tensor4D {
    if (latent.shape[3] !== this.config.latentChannels) {
      throw new Error(
        `VAE decode: latent has ${latent.shape[3]} channels; the config says ${this.config.latentChannels}.`,
      );
    }
    return tf.tidy(() => {
      const x = run(this.decLayers, this.decConvIn.apply(this.postQuantConv.apply(latent)));
      return this.decConvOut.apply(silu(this.decNormOut.apply(x)));
    });
  }

  /** A sample of the latent distribution (`noise` standard normal, same shape), times scaleFactor. */
  sampleDiffusionLatents(dist: LatentDistribution, noise?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const z = noise ? tf.add(dist.mean, tf.mul(tf.exp(tf.mul(dist.logvar, 0.5)), noise)) : dist.mean;
      return tf.mul(z, this.config.scaleFactor) as tf.Tensor4D;
    });
  }

  /** Diffusion latents (scaled) -> image in [-1, 1]. */
  decodeDiffusionLatents(latent: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.decode(tf.div(latent, this.config.scaleFactor) as tf.Tensor4D));
  }

  variables(): tf.Variable[] {
    return this.params.variables();
  }

  dispose(): void {
    this.params.dispose();
  }

  private middle(scope: ParamScope, channels: number): VaeLayer[] {
    const groups = this.config.normGroups;
    return [
      new VaeResnetBlock(scope.child('block_1'), { inChannels: channels, outChannels: channels, groups }),
      new VaeAttnBlock(scope.child('attn_1'), { channels, groups }),
      new VaeResnetBlock(scope.child('block_2'), { inChannels: channels, outChannels: channels, groups }),
    ];
  }
}
