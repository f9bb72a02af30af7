import * as tf from '@tensorflow/tfjs-core';
import { silu } from '../../nn/activations.ts';
import { Conv2d } from '../../nn/conv2d.ts';
import { Linear } from '../../nn/linear.ts';
import { GroupNorm } from '../../nn/norm.ts';
import type { ParamScope } from '../../nn/params.ts';

export interface ResBlockConfig {
  channels: number;
  outChannels: number;
  embDim: number;
  groups: number;
}

/**
 * LDM ResBlock with time embedding: in_layers (GN, SiLU, conv3×3), emb_layers (SiLU, Linear)
 * added per channel, out_layers (GN, SiLU, dropout, zero-init conv3×3), 1×1 skip_connection
 * when the width changes.
 */
export class ResBlock {
  readonly inNorm: GroupNorm;
  readonly inConv: Conv2d;
  readonly embProj: Linear;
  readonly outNorm: GroupNorm;
  readonly outConv: Conv2d;
  readonly skip: Conv2d | null;

  constructor(
    scope: ParamScope,
    readonly config: ResBlockConfig,
  ) {
    const { channels, outChannels, embDim, groups } = config;
    this.inNorm = new GroupNorm(scope.child('in_layers.0'), { groups, channels, eps: 1e-5 });
    this.inConv = new Conv2d(scope.child('in_layers.2'), {
      inChannels: channels,
      outChannels,
      kernelSize: 3,
      padding: 1,
    });
    this.embProj = new Linear(scope.child('emb_layers.1'), { inFeatures: embDim, outFeatures: outChannels });
    this.outNorm = new GroupNorm(scope.child('out_layers.0'), { groups, channels: outChannels, eps: 1e-5 });
    this.outConv = new Conv2d(scope.child('out_layers.3'), {
      inChannels: outChannels,
      outChannels,
      kernelSize: 3,
      padding: 1,
      zeroInit: true,
    });
    this.skip =
      channels === outChannels
        ? null
        : new Conv2d(scope.child('skip_connection'), { inChannels: channels, outChannels, kernelSize: 1 });
  }

  apply(x: tf.Tensor4D, emb: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.inConv.apply(silu(this.inNorm.apply(x)));
      const e = this.embProj.apply(silu(emb));
      h = tf.add(h, tf.reshape(e, [e.shape[0], 1, 1, e.shape[1]]));
      h = this.outConv.apply(silu(this.outNorm.apply(h)));
      return tf.add(this.skip ? this.skip.apply(x) : x, h);
    });
  }
}
