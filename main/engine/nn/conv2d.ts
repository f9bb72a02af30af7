import * as tf from '@tensorflow/tfjs-core';
import type { Param, ParamScope } from './params.ts';

export interface Conv2dConfig {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride?: number;
  /** Symmetric zero padding (PyTorch `padding=`), or explicit [top, bottom, left, right]. */
  padding?: number | [number, number, number, number];
  bias?: boolean;
  /** Start with zero weights and bias (LDM's zero_module). */
  zeroInit?: boolean;
}

/** 2-D convolution over NHWC input; weight HWIO in the engine, OIHW (`weight`) in files. */
export class Conv2d {
  readonly weight: Param;
  readonly bias: Param | null;
  private readonly stride: number;
  private readonly pad: [[number, number], [number, number], [number, number], [number, number]];

  constructor(
    scope: ParamScope,
    readonly config: Conv2dConfig,
  ) {
    const { inChannels, outChannels, kernelSize: k } = config;
    const bound = 1 / Math.sqrt(inChannels * k * k);
    const init = config.zeroInit ? ({ kind: 'zeros' } as const) : ({ kind: 'uniform', bound } as const);
    this.weight = scope.create('weight', [k, k, inChannels, outChannels], 'conv2d', init);
    this.bias = config.bias === false ? null : scope.create('bias', [outChannels], 'plain', init);
    this.stride = config.stride ?? 1;
    const p = config.padding ?? 0;
    const [t, b, l, r] = typeof p === 'number' ? [p, p, p, p] : p;
    this.pad = [
      [0, 0],
      [t, b],
      [l, r],
      [0, 0],
    ];
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    // Plain conv + add: measured faster here than tf.fused.conv2d, forward and training.
    return tf.tidy(() => {
      const noPad = this.pad.every(([a, b]) => a === 0 && b === 0);
      const y = tf.conv2d(x, this.weight.value as tf.Tensor4D, this.stride, noPad ? 'valid' : this.pad);
      return this.bias ? tf.add(y, this.bias.value) : y;
    });
  }
}
