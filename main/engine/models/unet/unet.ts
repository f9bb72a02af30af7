import * as tf from '@tensorflow/tfjs-core';
import { silu } from '../../nn/activations.ts';
import { Conv2d } from '../../nn/conv2d.ts';
import { Linear } from '../../nn/linear.ts';
import { GroupNorm } from '../../nn/norm.ts';
import { ParamScope, ParamStore } from '../../nn/params.ts';
import { Downsample, Upsample } from '../../nn/resample.ts';
import { timestepEmbedding } from '../../nn/timestep-embedding.ts';
import { parseUNetConfig, type UNetConfig, type UNetConfigInput } from './config.ts';
import { ResBlock } from './res-block.ts';
import { SpatialTransformer } from './spatial-transformer.ts';

/** One layer of an LDM TimestepEmbedSequential block. */
type BlockLayer = ResBlock | SpatialTransformer | Downsample | Upsample | Conv2d;

class UNetBlock {
  constructor(readonly layers: BlockLayer[]) {}

  apply(x: tf.Tensor4D, emb: tf.Tensor2D, context: tf.Tensor3D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (const layer of this.layers) {
        if (layer instanceof ResBlock) h = layer.apply(h, emb);
        else if (layer instanceof SpatialTransformer) h = layer.apply(h, context);
        else h = layer.apply(h);
      }
      return h;
    });
  }
}

/** One skip connection: its width and how much smaller than the input it is (1, 2, 4, …). */
export interface SkipInfo {
  channels: number;
  downscale: number;
}

export interface UNetEncoding {
  /** Output of every input block, in encoder order (SCEdit's skip list is this, reversed). */
  skips: tf.Tensor4D[];
  /** The middle block's output: what the decoder starts from. The middle input is skips.at(-1). */
  h: tf.Tensor4D;
  /** Time embedding [B, 4·modelChannels] after time_embed. */
  emb: tf.Tensor2D;
}

/** Receives skip `index` (decoder order: 0 is the last encoder output) before it is concatenated. */
export type SkipHook = (index: number, skip: tf.Tensor4D) => tf.Tensor4D;

export interface DecodeOptions {
  skipHook?: SkipHook;
}

export interface UNetBuildOptions {
  /** false: record parameter shapes only (counting, inspection); nothing is allocated. */
  allocate?: boolean;
  seed?: number;
  trainable?: boolean;
}

/**
 * The LDM latent-diffusion U-Net (input_blocks / middle_block / output_blocks), parameters named
 * as in LDM checkpoints (without the `model.diffusion_model.` prefix). Input NHWC latents.
 * SCEdit seams: `encode` and `decode` run alone; `forward = decode(encode())`.
 */
export class UNet {
  readonly config: UNetConfig;
  readonly params: ParamStore;
  readonly timeEmbed: [Linear, Linear];
  readonly inputBlocks: UNetBlock[];
  readonly middleBlock: UNetBlock;
  readonly outputBlocks: UNetBlock[];
  readonly outNorm: GroupNorm;
  readonly outConv: Conv2d;
  /** Per skip, encoder order (SD 1.5: 320×4, 640×3, 1280×5 channels). */
  readonly skipInfo: SkipInfo[];

  constructor(config: UNetConfigInput, options: UNetBuildOptions = {}) {
    this.config = parseUNetConfig(config);
    const c = this.config;
    this.params = new ParamStore({
      allocate: options.allocate ?? true,
      seed: options.seed ?? 0,
      trainable: options.trainable ?? true,
    });
    const root = new ParamScope(this.params);
    const embDim = c.modelChannels * 4;
    const groups = c.normGroups;
    this.timeEmbed = [
      new Linear(root.child('time_embed.0'), { inFeatures: c.modelChannels, outFeatures: embDim }),
      new Linear(root.child('time_embed.2'), { inFeatures: embDim, outFeatures: embDim }),
    ];

    const transformer = (scope: ParamScope, channels: number) => {
      const heads = c.numHeads ?? channels / c.headDim!;
      const headDim = c.headDim ?? channels / c.numHeads!;
      if (!Number.isInteger(heads) || !Number.isInteger(headDim)) {
        throw new Error(`U-Net config: ${channels} channels do not split into heads (numHeads/headDim).`);
      }
      return new SpatialTransformer(scope, {
        channels,
        heads,
        headDim,
        depth: c.transformerDepth,
        contextDim: c.contextDim,
        useLinearProjection: c.useLinearProjection,
        groups,
      });
    };

    this.inputBlocks = [];
    this.skipInfo = [];
    const addInput = (layers: (scope: ParamScope) => BlockLayer[], info: SkipInfo) => {
      const scope = root.child(`input_blocks.${this.inputBlocks.length}`);
      this.inputBlocks.push(new UNetBlock(layers(scope)));
      this.skipInfo.push(info);
    };
    let ch = c.modelChannels;
    let ds = 1;
    addInput(
      (s) => [
        new Conv2d(s.child(0), { inChannels: c.inChannels, outChannels: ch, kernelSize: 3, padding: 1 }),
      ],
      { channels: ch, downscale: ds },
    );
    c.channelMult.forEach((mult, level) => {
      const attention = c.attentionLevels.includes(level);
      for (let r = 0; r < c.numResBlocks; r++) {
        const out = c.modelChannels * mult;
        const inCh = ch;
        addInput(
          (s) => {
            const layers: BlockLayer[] = [
              new ResBlock(s.child(0), { channels: inCh, outChannels: out, embDim, groups }),
            ];
            if (attention) layers.push(transformer(s.child(1), out));
            return layers;
          },
          { channels: out, downscale: ds },
        );
        ch = out;
      }
      if (level !== c.channelMult.length - 1) {
        const inCh = ch;
        addInput((s) => [new Downsample(s.child(0), { channels: inCh })], {
          channels: ch,
          downscale: ds * 2,
        });
        ds *= 2;
      }
    });

    const mid = root.child('middle_block');
    this.middleBlock = new UNetBlock([
      new ResBlock(mid.child(0), { channels: ch, outChannels: ch, embDim, groups }),
      transformer(mid.child(1), ch),
      new ResBlock(mid.child(2), { channels: ch, outChannels: ch, embDim, groups }),
    ]);

    this.outputBlocks = [];
    const skipChannels = this.skipInfo.map((s) => s.channels);
    for (let level = c.channelMult.length - 1; level >= 0; level--) {
      const attention = c.attentionLevels.includes(level);
      const out = c.modelChannels * c.channelMult[level]!;
      for (let i = 0; i <= c.numResBlocks; i++) {
        const s = root.child(`output_blocks.${this.outputBlocks.length}`);
        const skipCh = skipChannels.pop()!;
        const layers: BlockLayer[] = [
          new ResBlock(s.child(0), { channels: ch + skipCh, outChannels: out, embDim, groups }),
        ];
        ch = out;
        if (attention) layers.push(transformer(s.child(1), ch));
        if (level > 0 && i === c.numResBlocks)
          layers.push(new Upsample(s.child(layers.length), { channels: ch }));
        this.outputBlocks.push(new UNetBlock(layers));
      }
    }
    this.outNorm = new GroupNorm(root.child('out.0'), { groups, channels: ch, eps: 1e-5 });
    this.outConv = new Conv2d(root.child('out.2'), {
      inChannels: ch,
      outChannels: c.outChannels,
      kernelSize: 3,
      padding: 1,
      zeroInit: true,
    });
  }

  /** A model that records every parameter's name and shape but holds no weights. */
  static describe(config: UNetConfigInput): UNet {
    return new UNet(config, { allocate: false });
  }

  /** How many times smaller than the input the smallest feature map is (inputs must divide by it). */
  get downscale(): number {
    return 2 ** (this.config.channelMult.length - 1);
  }

  /** Time embedding: sinusoidal (cos first, shift 0) -> Linear -> SiLU -> Linear. */
  embedTime(t: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const base = timestepEmbedding(t, this.config.modelChannels);
      return this.timeEmbed[1].apply(silu(this.timeEmbed[0].apply(base)));
    });
  }

  /** Input blocks and the middle block. `t` [B] timesteps, `context` [B, T, contextDim]. */
  encode(x: tf.Tensor4D, t: tf.Tensor1D, context: tf.Tensor3D): UNetEncoding {
    this.checkInputs(x, t, context);
    return tf.tidy(() => {
      const emb = this.embedTime(t);
      const skips: tf.Tensor4D[] = [];
      let h = x;
      for (const block of this.inputBlocks) {
        h = block.apply(h, emb, context);
        skips.push(h);
      }
      h = this.middleBlock.apply(h, emb, context);
      return { skips, h, emb };
    });
  }

  /** Output blocks and the output head; skip j (decoder order) passes through `skipHook` first. */
  decode(
    h: tf.Tensor4D,
    skips: tf.Tensor4D[],
    emb: tf.Tensor2D,
    context: tf.Tensor3D,
    options: DecodeOptions = {},
  ): tf.Tensor4D {
    if (skips.length !== this.outputBlocks.length) {
      throw new Error(`U-Net decode: expected ${this.outputBlocks.length} skips, got ${skips.length}.`);
    }
    return tf.tidy(() => {
      let x = h;
      this.outputBlocks.forEach((block, j) => {
        const original = skips[skips.length - 1 - j]!;
        const skip = options.skipHook ? options.skipHook(j, original) : original;
        if (skip.shape.join() !== original.shape.join()) {
          throw new Error(
            `U-Net skipHook(${j}) returned shape [${skip.shape}] for a skip of shape [${original.shape}].`,
          );
        }
        x = block.apply(tf.concat([x, skip], 3), emb, context);
      });
      return this.outConv.apply(silu(this.outNorm.apply(x)));
    });
  }

  forward(x: tf.Tensor4D, t: tf.Tensor1D, context: tf.Tensor3D, options: DecodeOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const { skips, h, emb } = this.encode(x, t, context);
      return this.decode(h, skips, emb, context, options);
    });
  }

  /** Trainable variables in parameter order. */
  variables(): tf.Variable[] {
    return this.params.variables();
  }

  dispose(): void {
    this.params.dispose();
  }

  private checkInputs(x: tf.Tensor4D, t: tf.Tensor1D, context: tf.Tensor3D): void {
    const [b, hgt, wid, c] = x.shape;
    if (c !== this.config.inChannels) {
      throw new Error(`U-Net input has ${c} channels; the config says inChannels ${this.config.inChannels}.`);
    }
    if (hgt % this.downscale !== 0 || wid % this.downscale !== 0) {
      throw new Error(`U-Net input ${hgt}×${wid} is not divisible by ${this.downscale}.`);
    }
    if (t.shape[0] !== b) throw new Error(`U-Net: ${t.shape[0]} timesteps for a batch of ${b}.`);
    if (context.shape[0] !== b || context.shape[2] !== this.config.contextDim) {
      throw new Error(
        `U-Net context has shape [${context.shape}]; expected [${b}, T, ${this.config.contextDim}].`,
      );
    }
  }
}
