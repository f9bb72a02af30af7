// ControlNet (Zhang et al. 2023), the baseline CSC-Tuners are measured against: a trainable copy
// of the U-Net's encoder (initialised from it) fed the condition through a hint block, with a
// zero-initialised 1x1 convolution per skip and one on the middle block. Its outputs are added
// to the frozen U-Net's skips and middle output.
import * as tf from '@tensorflow/tfjs-core';
import { type SkipHook, UNet } from '../models/unet/unet.ts';
import { silu } from '../nn/activations.ts';
import { Conv2d } from '../nn/conv2d.ts';
import { type Param, ParamScope, ParamStore } from '../nn/params.ts';
import { preHintPlan } from './csc-tuner.ts';

const ENCODER_PARAM = /^(time_embed|input_blocks|middle_block)\./;

export interface ControlNetConfig {
  /** Image pixels per latent pixel. */
  latentFactor: number;
  conditionChannels: number;
}

export interface ControlResiduals {
  /** Encoder order, one per skip. */
  skips: tf.Tensor4D[];
  middle: tf.Tensor4D;
}

export class ControlNet {
  /** The encoder copy lives in a U-Net built from the same config; its decoder is never used. */
  private readonly copy: UNet;
  readonly extras: ParamStore;
  private readonly hintBlock: Conv2d[];
  private readonly zeroConvs: Conv2d[];
  private readonly middleOut: Conv2d;

  constructor(
    base: UNet,
    readonly config: ControlNetConfig,
    options: { seed?: number } = {},
  ) {
    this.copy = new UNet(base.config, { seed: options.seed ?? 0 });
    // Free the copy's decoder now: only the encoder is part of a ControlNet.
    for (const p of this.copy.params.list()) if (!ENCODER_PARAM.test(p.name)) p.value.dispose();
    for (const p of this.encoderParams()) {
      const source = base.params.get(p.name);
      if (!source) throw new Error(`ControlNet: the base U-Net has no ${p.name}`);
      p.value.assign(source.value);
    }
    this.extras = new ParamStore({ allocate: true, seed: (options.seed ?? 0) + 1 });
    const extras = buildExtras(new ParamScope(this.extras), base, config);
    this.hintBlock = extras.hintBlock;
    this.zeroConvs = extras.zeroConvs;
    this.middleOut = extras.middleOut;
  }

  /** Trainable parameters of a ControlNet for this U-Net, counted without allocating it. */
  static parameterCount(base: UNet, config: ControlNetConfig): number {
    const extras = new ParamStore({ allocate: false });
    buildExtras(new ParamScope(extras), base, config);
    const encoder = base.params.list().filter((p) => ENCODER_PARAM.test(p.name));
    return encoder.reduce((n, p) => n + p.size, 0) + extras.count();
  }

  /** Names and shapes of a ControlNet's parameters for this U-Net (nothing allocated), as `params()`. */
  static describeParams(base: UNet, config: ControlNetConfig): Param[] {
    const extras = new ParamStore({ allocate: false });
    buildExtras(new ParamScope(extras), base, config);
    const encoder = new ParamStore({ allocate: false });
    for (const p of base.params.list())
      if (ENCODER_PARAM.test(p.name)) encoder.create(p.name, p.spec.shape, p.spec.layout, { kind: 'zeros' });
    return [...encoder.list(), ...extras.list()];
  }

  private encoderParams() {
    return this.copy.params.list().filter((p) => ENCODER_PARAM.test(p.name));
  }

  /**
   * Everything that trains, named as in ControlNet files (without their `control_model.` prefix):
   * the encoder copy, the hint block and the zero convolutions.
   */
  params(): Param[] {
    return [...this.encoderParams(), ...this.extras.list()];
  }

  variables(): tf.Variable[] {
    return this.params().map((p) => p.value);
  }

  parameterCount(): number {
    return this.encoderParams().reduce((n, p) => n + p.size, 0) + this.extras.count();
  }

  /** The condition [B, H, W, C] in [0, 1] through the hint block: it depends on nothing else. */
  hint(condition: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let hint: tf.Tensor4D = condition;
      this.hintBlock.forEach((conv, n) => {
        hint = conv.apply(hint);
        if (n < this.hintBlock.length - 1) hint = silu(hint);
      });
      return hint;
    });
  }

  /** The residuals to add to the frozen U-Net for this condition [B, H, W, C] in [0, 1]. */
  controls(x: tf.Tensor4D, t: tf.Tensor1D, context: tf.Tensor3D, condition: tf.Tensor4D): ControlResiduals {
    return tf.tidy(() => {
      const { skips, middle } = this.controlsFromHint(x, t, context, this.hint(condition));
      return { skips, middle };
    });
  }

  /** As `controls`, from a hint computed once (generation: the same condition at every step). */
  controlsFromHint(
    x: tf.Tensor4D,
    t: tf.Tensor1D,
    context: tf.Tensor3D,
    hint: tf.Tensor4D,
  ): ControlResiduals {
    return tf.tidy(() => {
      const emb = this.copy.embedTime(t);
      const skips: tf.Tensor4D[] = [];
      let h = x;
      this.copy.inputBlocks.forEach((block, i) => {
        h = block.apply(h, emb, context);
        if (i === 0) h = tf.add(h, hint);
        skips.push(this.zeroConvs[i]!.apply(h));
      });
      const middle = this.middleOut.apply(this.copy.middleBlock.apply(h, emb, context));
      return { skips, middle };
    });
  }

  dispose(): void {
    for (const p of this.encoderParams()) p.value.dispose();
    this.extras.dispose();
  }
}

function buildExtras(root: ParamScope, base: UNet, config: ControlNetConfig) {
  // The reference input_hint_block: the CSC pre-hint cascade (16, 16, 32/2, …), then a zero conv to the model width.
  const plan = preHintPlan({
    layout: { skips: base.skipInfo },
    condition: '',
    latentFactor: config.latentFactor,
    conditionChannels: config.conditionChannels,
    hintChannels: 256,
    preHintRatio: 1,
    denseHintKernel: 3,
    downRatio: 1,
  });
  let ch = config.conditionChannels;
  const hintBlock = plan.map(({ width, stride }, n) => {
    const conv = new Conv2d(root.child(`input_hint_block.${2 * n}`), {
      inChannels: ch,
      outChannels: width,
      kernelSize: 3,
      stride,
      padding: 1,
      // As the CSC-Tuner's pre-hint: the map reaches the zero conv undiminished.
      init: 'he',
    });
    ch = width;
    return conv;
  });
  hintBlock.push(
    new Conv2d(root.child(`input_hint_block.${2 * plan.length}`), {
      inChannels: ch,
      outChannels: base.config.modelChannels,
      kernelSize: 3,
      padding: 1,
      zeroInit: true,
    }),
  );
  const zeroConvs = base.skipInfo.map(
    (s, i) =>
      new Conv2d(root.child(`zero_convs.${i}.0`), {
        inChannels: s.channels,
        outChannels: s.channels,
        kernelSize: 1,
        zeroInit: true,
      }),
  );
  const midCh = base.skipInfo.at(-1)!.channels;
  const middleOut = new Conv2d(root.child('middle_block_out.0'), {
    inChannels: midCh,
    outChannels: midCh,
    kernelSize: 1,
    zeroInit: true,
  });
  return { hintBlock, zeroConvs, middleOut };
}

/** The skip hook that adds ControlNet residuals (encoder order) to the frozen U-Net's skips. */
export function controlNetSkipHook(residuals: ControlResiduals): SkipHook {
  const n = residuals.skips.length;
  return (j, skip) => tf.add(skip, residuals.skips[n - 1 - j]!) as tf.Tensor4D;
}
