import * as tf from '@tensorflow/tfjs-core';
import { gelu } from '../nn/activations.ts';
import { Linear } from '../nn/linear.ts';
import type { ParamScope } from '../nn/params.ts';

/**
 * SCEdit's channel-wise adapter on one skip: T(x) = ln2(GELU(ln1(x))) per pixel, C -> L -> C.
 * ln2 starts at zero, so a new adapter adds nothing. Names follow SCEPTER's `tuner_op.ln1|ln2`.
 */
export class ScAdapter {
  readonly ln1: Linear;
  readonly ln2: Linear;

  constructor(
    scope: ParamScope,
    readonly channels: number,
    readonly hidden: number,
  ) {
    const op = scope.child('tuner_op');
    this.ln1 = new Linear(op.child('ln1'), { inFeatures: channels, outFeatures: hidden });
    this.ln2 = new Linear(op.child('ln2'), { inFeatures: hidden, outFeatures: channels, zeroInit: true });
  }

  /** T(x) for NHWC `x` with `channels` channels (the residual only, without x). */
  residual(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.ln2.apply(gelu(this.ln1.apply(x))));
  }
}
