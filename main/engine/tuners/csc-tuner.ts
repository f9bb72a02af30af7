import * as tf from '@tensorflow/tfjs-core';
import { silu } from '../nn/activations.ts';
import { Conv2d } from '../nn/conv2d.ts';
import { ParamScope, ParamStore } from '../nn/params.ts';
import { ScAdapter } from './sc-adapter.ts';
import { decoderChannels, downsamplesAt, type SkipLayout } from './skip-layout.ts';

export interface CscTunerConfig {
  layout: SkipLayout;
  /** The condition kind this tuner reads (canny, depth, pose, scribble, …). */
  condition: string;
  /** Image pixels per latent pixel (the VAE factor): the pre-hint halves log2 of it times. */
  latentFactor: number;
  /** Channels of the condition image (3 for RGB maps). */
  conditionChannels: number;
  /** Width of the pre-hint output, the first dense hint's input (256 for SD). */
  hintChannels: number;
  /** Scales the pre-hint's inner widths 16/32/96 (SCEPTER's PRE_HINT_DIM_RATIO). */
  preHintRatio: number;
  /** Dense-hint kernel: 3 (padding 1) or 1. */
  denseHintKernel: 1 | 3;
  /**
   * The kernel of the dense hints that halve the hint (stride 2); absent: denseHintKernel. A 1x1
   * stride-2 conv reads one hint pixel in four, so a thin edge or limb can miss the coarser skips.
   */
  downsampleHintKernel?: 1 | 3;
  /**
   * Each dense hint's kernel, in encoder order (one per skip); where given it overrides
   * denseHintKernel and downsampleHintKernel, so a design can give 3x3 hints to the narrow skips
   * and keep a 1x1 one where a 3x3 would not fit the parameter budget.
   */
  hintKernels?: (1 | 3)[];
  /** Per-skip adapter hidden width L = C * downRatio. */
  downRatio: number;
}

/** The pre-hint cascade: (width, stride) per 3x3 conv, a SiLU between each. SD (factor 8):
 *  16, 16, 32/2, 32, 96/2, 96, hint/2 — as the reference; other factors drop or add stages. */
export function preHintPlan(config: CscTunerConfig): { width: number; stride: number }[] {
  const stages = Math.log2(config.latentFactor);
  if (!Number.isInteger(stages) || stages < 1) {
    throw new Error(`CSC-Tuner latentFactor must be a power of two >= 2, got ${config.latentFactor}`);
  }
  const r = config.preHintRatio;
  const inner = [32, 96, 192, 384];
  const plan = [
    { width: Math.round(16 * r), stride: 1 },
    { width: Math.round(16 * r), stride: 1 },
  ];
  for (let s = 0; s < stages; s++) {
    const last = s === stages - 1;
    const width = last ? config.hintChannels : Math.round(inner[Math.min(s, inner.length - 1)]! * r);
    plan.push({ width, stride: 2 });
    if (!last) plan.push({ width, stride: 1 });
  }
  return plan;
}

/**
 * CSC-Tuner: condition image -> pre-hint -> one dense hint per skip (zero-initialised convs,
 * stride 2 where the encoder downsamples) -> per-skip adapters applied on the hint:
 * control_j = h_j + T_j(skip_j + h_j). Names follow SCEPTER's `pre_hint_blocks.{n}`,
 * `dense_hint_blocks.{i}.1`, `lsc_tuner_blocks.{j}.tuner_op.ln1|ln2`.
 */
export class CscTuner {
  readonly params: ParamStore;
  readonly preHint: Conv2d[];
  readonly denseHint: Conv2d[];
  readonly adapters: ScAdapter[];

  constructor(
    readonly config: CscTunerConfig,
    options: { seed?: number; allocate?: boolean } = {},
  ) {
    if (!(config.downRatio > 0)) throw new Error(`CSC-Tuner downRatio must be > 0, got ${config.downRatio}`);
    if (config.hintKernels && config.hintKernels.length !== config.layout.skips.length) {
      throw new Error(
        `CSC-Tuner hintKernels has ${config.hintKernels.length} entries for ${config.layout.skips.length} skips`,
      );
    }
    this.params = new ParamStore({ allocate: options.allocate ?? true, seed: options.seed ?? 0 });
    const root = new ParamScope(this.params);
    let ch = config.conditionChannels;
    this.preHint = preHintPlan(config).map(({ width, stride }, n) => {
      // Convolutions sit at even indices of the reference nn.Sequential; SiLUs fill the odd ones.
      const conv = new Conv2d(root.child(`pre_hint_blocks.${2 * n}`), {
        inChannels: ch,
        outChannels: width,
        kernelSize: 3,
        stride,
        padding: 1,
        // The map must reach the zero-initialised hints undiminished, or training learns only biases.
        init: 'he',
      });
      ch = width;
      return conv;
    });
    const k = config.denseHintKernel;
    this.denseHint = config.layout.skips.map((skip, i) => {
      const halves = downsamplesAt(config.layout, i);
      const kernel = config.hintKernels?.[i] ?? (halves ? (config.downsampleHintKernel ?? k) : k);
      const conv = new Conv2d(root.child(`dense_hint_blocks.${i}.1`), {
        inChannels: ch,
        outChannels: skip.channels,
        kernelSize: kernel,
        stride: halves ? 2 : 1,
        padding: kernel === 3 ? 1 : 0,
        zeroInit: true,
      });
      ch = skip.channels;
      return conv;
    });
    this.adapters = config.layout.skips.map((_, j) => {
      const channels = decoderChannels(config.layout, j);
      return new ScAdapter(
        root.child(`lsc_tuner_blocks.${j}`),
        channels,
        Math.max(1, Math.round(channels * config.downRatio)),
      );
    });
  }

  /** Hint maps, one per skip in DECODER order, from a condition image [B, H, W, C] in [0, 1]. */
  hints(condition: tf.Tensor4D): tf.Tensor4D[] {
    const expectH = condition.shape[1];
    const expectC = condition.shape[3];
    if (expectC !== this.config.conditionChannels) {
      throw new Error(
        `CSC-Tuner (${this.config.condition}) expects ${this.config.conditionChannels}-channel condition images, got ${expectC}.`,
      );
    }
    if (expectH % this.config.latentFactor !== 0 || condition.shape[2] % this.config.latentFactor !== 0) {
      throw new Error(
        `Condition image ${condition.shape[2]}x${expectH} is not a multiple of the latent factor ${this.config.latentFactor}.`,
      );
    }
    return tf.tidy(() => {
      let h = condition;
      this.preHint.forEach((conv, n) => {
        h = conv.apply(h);
        if (n < this.preHint.length - 1) h = silu(h);
      });
      const encoderOrder: tf.Tensor4D[] = [];
      for (const conv of this.denseHint) {
        h = conv.apply(silu(h));
        encoderOrder.push(h);
      }
      return encoderOrder.reverse();
    });
  }

  /** The control added for decoder skip j: h_j + T_j(skip + h_j). */
  control(j: number, skip: tf.Tensor4D, hint: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(hint, this.adapters[j]!.residual(tf.add(skip, hint))));
  }

  dispose(): void {
    this.params.dispose();
  }
}

/**
 * The studio's default CSC-Tuner for a U-Net. Widths follow the U-Net's (its first skip, the model
 * width: SD 1.5's 320): the pre-hint output is 0.8 of it (SD: 256) and the pre-hint's inner widths
 * scale by width / 320 (at least a quarter), so on SD the pre-hint is exactly SCEPTER's.
 *
 * Dense hints: SCEPTER's SD configs use 3x3 ones, which hold 27 % of a ControlNet's parameters on SD
 * 1.5 and 10.5 % on the embedded model, against the paper's reported 7.9 %. Ours are 1x1 where the
 * hint keeps its size and 3x3 where it halves (a 1x1 stride-2 conv reads one hint pixel in four, so
 * thin edges and limbs can miss the coarser skips) when that fits `maxParameters`; otherwise 1x1
 * everywhere. On the embedded model the 3x3 halving hints fit (5.7 % of a ControlNet) and at 800
 * steps took depth RMSE from 30.1 to 27.2 and pose PCK from 0.46 to 0.49; on SD 1.5 they would take
 * ~13 %, so SD gets 1x1 hints (7.9-8.4 %). The rest of the method (cascade, zero-init hints,
 * full-width adapters on the hint) is unchanged. The pre-hint runs at image resolution, so narrow
 * inner widths also keep its activations from dominating training memory.
 */
export function defaultCscTunerConfig(
  layout: SkipLayout,
  condition: string,
  latentFactor: number,
  options: { downRatio?: number; maxParameters?: number } = {},
): CscTunerConfig {
  const width = layout.skips[0]!.channels;
  const plain: CscTunerConfig = {
    layout,
    condition,
    latentFactor,
    conditionChannels: 3,
    hintChannels: Math.max(16, Math.round((width * 0.8) / 8) * 8),
    preHintRatio: Math.max(0.25, Math.min(1, width / 320)),
    denseHintKernel: 1,
    downRatio: options.downRatio ?? 1,
  };
  if (options.maxParameters === undefined) return plain;
  const halving3x3: CscTunerConfig = { ...plain, downsampleHintKernel: 3 };
  const count = new CscTuner(halving3x3, { allocate: false }).params.count();
  return count <= options.maxParameters ? halving3x3 : plain;
}
