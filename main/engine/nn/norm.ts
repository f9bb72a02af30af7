import * as tf from '@tensorflow/tfjs-core';
import { fusedGroupNorm } from '../kernels/group-norm-op.ts';
import { layerNorm } from './layer-norm-op.ts';
import type { Param, ParamScope } from './params.ts';

export interface GroupNormConfig {
  groups: number;
  channels: number;
  /** LDM: 1e-5 in ResBlocks (GroupNorm32), 1e-6 in the SpatialTransformer and the VAE. */
  eps: number;
}

/** GroupNorm over NHWC input; `weight`/`bias` per channel, as nn.GroupNorm(affine=True). */
export class GroupNorm {
  readonly weight: Param;
  readonly bias: Param;

  constructor(
    scope: ParamScope,
    readonly config: GroupNormConfig,
  ) {
    if (config.channels % config.groups !== 0) {
      throw new Error(
        `GroupNorm ${scope.prefix}: ${config.channels} channels do not split into ${config.groups} groups.`,
      );
    }
    this.weight = scope.create('weight', [config.channels], 'plain', { kind: 'ones' });
    this.bias = scope.create('bias', [config.channels], 'plain', { kind: 'zeros' });
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const fused = fusedGroupNorm(x, this.weight.value, this.bias.value, {
        groups: this.config.groups,
        eps: this.config.eps,
      });
      if (fused) return fused;
      const [b, h, w, c] = x.shape;
      const g = this.config.groups;
      const grouped = tf.reshape(x, [b, h * w, g, c / g]);
      const { mean, variance } = tf.moments(grouped, [1, 3], true);
      // Fold the statistics and the affine into one per-channel scale and shift: x·scale + shift.
      const gamma = tf.reshape(this.weight.value, [1, 1, g, c / g]);
      const beta = tf.reshape(this.bias.value, [1, 1, g, c / g]);
      const scale = tf.mul(tf.rsqrt(tf.add(variance, this.config.eps)), gamma);
      const shift = tf.sub(beta, tf.mul(mean, scale));
      return tf.reshape(tf.add(tf.mul(grouped, scale), shift), [b, h, w, c]) as tf.Tensor4D;
    });
  }
}

export interface LayerNormConfig {
  features: number;
  eps?: number;
}

/** LayerNorm over the last axis (nn.LayerNorm, eps 1e-5 by default). */
export class LayerNorm {
  readonly weight: Param;
  readonly bias: Param;
  private readonly eps: number;

  constructor(
    scope: ParamScope,
    readonly config: LayerNormConfig,
  ) {
    this.weight = scope.create('weight', [config.features], 'plain', { kind: 'ones' });
    this.bias = scope.create('bias', [config.features], 'plain', { kind: 'zeros' });
    this.eps = config.eps ?? 1e-5;
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => layerNorm(x, this.weight.value, this.bias.value, this.eps));
  }
}
