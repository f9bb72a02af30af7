import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from './conv2d.ts';
import type { ParamScope } from './params.ts';

/** Nearest-neighbour ×2 upsampling of NHWC input (PyTorch `F.interpolate(scale_factor=2, mode="nearest")`). */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.image.resizeNearestNeighbor(x, [h * 2, w * 2], false, false);
}

/** LDM `Upsample`: nearest ×2 then a 3×3 conv (`conv`). */
export class Upsample {
  readonly conv: Conv2d;

  constructor(scope: ParamScope, config: { channels: number; outChannels?: number }) {
    this.conv = new Conv2d(scope.child('conv'), {
      inChannels: config.channels,
      outChannels: config.outChannels ?? config.channels,
      kernelSize: 3,
      padding: 1,
    });
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.conv.apply(upsampleNearest2x(x)));
  }
}

export interface DownsampleConfig {
  channels: number;
  outChannels?: number;
  /** Parameter name of the conv: 'op' in the LDM UNet, 'conv' in the VAE. */
  convName?: string;
  /**
   * 'symmetric': conv stride 2 padding 1 (UNet). 'asymmetric': pad right and bottom by 1,
   * then conv stride 2 padding 0 (the LDM VAE encoder).
   */
  padding?: 'symmetric' | 'asymmetric';
}

/** Stride-2 3×3 conv downsample. */
export class Downsample {
  readonly conv: Conv2d;

  constructor(scope: ParamScope, config: DownsampleConfig) {
    this.conv = new Conv2d(scope.child(config.convName ?? 'op'), {
      inChannels: config.channels,
      outChannels: config.outChannels ?? config.channels,
      kernelSize: 3,
      stride: 2,
      padding: config.padding === 'asymmetric' ? [0, 1, 0, 1] : 1,
    });
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.apply(x);
  }
}
