import * as tf from '@tensorflow/tfjs-core';
import type { Param, ParamScope } from './params.ts';

/** A lookup table [count, dim] (`weight`), as nn.Embedding. */
export class Embedding {
  readonly weight: Param;

  constructor(
    scope: ParamScope,
    readonly config: { count: number; dim: number; std?: number },
  ) {
    this.weight = scope.create('weight', [config.count, config.dim], 'plain', {
      kind: 'normal',
      std: config.std ?? 0.02,
    });
  }

  apply(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.gather(this.weight.value, tf.cast(ids, 'int32')));
  }
}
