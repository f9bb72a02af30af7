import * as tf from '@tensorflow/tfjs-core';
import { fusedGeglu } from '../kernels/geglu-op.ts';
import { gelu } from './activations.ts';
import { Linear } from './linear.ts';
import type { ParamScope } from './params.ts';

/** GEGLU (LDM): one Linear to 2×inner, split into value and gate, value × GELU(gate). */
export class Geglu {
  readonly proj: Linear;

  constructor(
    scope: ParamScope,
    readonly config: { inFeatures: number; innerFeatures: number },
  ) {
    this.proj = new Linear(scope.child('proj'), {
      inFeatures: config.inFeatures,
      outFeatures: config.innerFeatures * 2,
    });
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const h = this.proj.apply(x);
      const fused = fusedGeglu(h);
      if (fused) return fused;
      const [value, gate] = tf.split(h, 2, -1);
      return tf.mul(value!, gelu(gate!)) as T;
    });
  }
}

/** LDM's transformer feed-forward: `net.0` GEGLU(dim -> 4·dim), `net.2` Linear(4·dim -> dim). */
export class GegluFeedForward {
  readonly geglu: Geglu;
  readonly out: Linear;

  constructor(
    scope: ParamScope,
    readonly config: { dim: number; mult?: number },
  ) {
    const inner = config.dim * (config.mult ?? 4);
    this.geglu = new Geglu(scope.child('net.0'), { inFeatures: config.dim, innerFeatures: inner });
    this.out = new Linear(scope.child('net.2'), { inFeatures: inner, outFeatures: config.dim });
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => this.out.apply(this.geglu.apply(x)));
  }
}
