import * as tf from '@tensorflow/tfjs-core';
import type { Param, ParamScope } from './params.ts';

export interface LinearConfig {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  zeroInit?: boolean;
}

/** y = x W + b over the last axis; weight [in, out] in the engine, [out, in] in files. */
export class Linear {
  readonly weight: Param;
  readonly bias: Param | null;

  constructor(
    scope: ParamScope,
    readonly config: LinearConfig,
  ) {
    const bound = 1 / Math.sqrt(config.inFeatures);
    const init = config.zeroInit ? ({ kind: 'zeros' } as const) : ({ kind: 'uniform', bound } as const);
    this.weight = scope.create('weight', [config.inFeatures, config.outFeatures], 'linear', init);
    this.bias = config.bias === false ? null : scope.create('bias', [config.outFeatures], 'plain', init);
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const shape = x.shape;
      const flat = tf.reshape(x, [-1, this.config.inFeatures]) as tf.Tensor2D;
      const w = this.weight.value as tf.Tensor2D;
      const y = this.bias ? tf.add(tf.matMul(flat, w), this.bias.value) : tf.matMul(flat, w);
      return tf.reshape(y, [...shape.slice(0, -1), this.config.outFeatures]) as T;
    });
  }
}
