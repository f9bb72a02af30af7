import * as tf from '@tensorflow/tfjs-core';
import { silu } from '../../nn/activations.ts';
import { Conv2d } from '../../nn/conv2d.ts';
import { GroupNorm } from '../../nn/norm.ts';
import type { ParamScope } from '../../nn/params.ts';

/** LDM VAE ResnetBlock (no time embedding): norm1, conv1, norm2, conv2, nin_shortcut (1×1) when widths differ. */
export class VaeResnetBlock {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly shortcut: Conv2d | null;

  constructor(scope: ParamScope, config: { inChannels: number; outChannels: number; groups: number }) {
    const { inChannels, outChannels, groups } = config;
    this.norm1 = new GroupNorm(scope.child('norm1'), { groups, channels: inChannels, eps: 1e-6 });
    this.conv1 = new Conv2d(scope.child('conv1'), { inChannels, outChannels, kernelSize: 3, padding: 1 });
    this.norm2 = new GroupNorm(scope.child('norm2'), { groups, channels: outChannels, eps: 1e-6 });
    this.conv2 = new Conv2d(scope.child('conv2'), {
      inChannels: outChannels,
      outChannels,
      kernelSize: 3,
      padding: 1,
    });
    this.shortcut =
      inChannels === outChannels
        ? null
        : new Conv2d(scope.child('nin_shortcut'), { inChannels, outChannels, kernelSize: 1 });
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.conv2.apply(silu(this.norm2.apply(this.conv1.apply(silu(this.norm1.apply(x))))));
      return tf.add(this.shortcut ? this.shortcut.apply(x) : x, h);
    });
  }
}

/** LDM VAE AttnBlock: single-head attention over the H·W pixels with 1×1 conv q, k, v, proj_out. */
export class VaeAttnBlock {
  readonly norm: GroupNorm;
  readonly q: Conv2d;
  readonly k: Conv2d;
  readonly v: Conv2d;
  readonly projOut: Conv2d;

  constructor(scope: ParamScope, config: { channels: number; groups: number }) {
    const { channels, groups } = config;
    this.norm = new GroupNorm(scope.child('norm'), { groups, channels, eps: 1e-6 });
    const conv = (name: string) =>
      new Conv2d(scope.child(name), { inChannels: channels, outChannels: channels, kernelSize: 1 });
    this.q = conv('q');
    this.k = conv('k');
    this.v = conv('v');
    this.projOut = conv('proj_out');
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      const n = this.norm.apply(x);
      const tokens = (t: tf.Tensor4D) => tf.reshape(t, [b, h * w, c]) as tf.Tensor3D;
      const q = tokens(tf.mul(this.q.apply(n), 1 / Math.sqrt(c)));
      const scores = tf.softmax(tf.matMul(q, tokens(this.k.apply(n)), false, true));
      const out = tf.reshape(tf.matMul(scores, tokens(this.v.apply(n))), [b, h, w, c]) as tf.Tensor4D;
      return tf.add(x, this.projOut.apply(out));
    });
  }
}
