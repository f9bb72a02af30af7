import * as tf from '@tensorflow/tfjs-core';
import { Linear } from './linear.ts';
import type { ParamScope } from './params.ts';

export interface AttentionConfig {
  /** Width of the query input (and of the output). */
  queryDim: number;
  /** Width of the key/value input: the text context for cross-attention; queryDim for self. */
  contextDim?: number;
  heads: number;
  headDim: number;
  /** Parameter names: 'ldm' (to_q, to_k, to_v without bias, to_out.0) or 'clip' (q_proj… out_proj, all with bias). */
  naming?: 'ldm' | 'clip';
}

/**
 * Multi-head scaled dot-product attention, self or cross. Inputs are [B, N, D] token sequences;
 * an optional additive mask [N, M] (e.g. causal) is added to the scores before the softmax.
 */
export class MultiHeadAttention {
  readonly toQ: Linear;
  readonly toK: Linear;
  readonly toV: Linear;
  readonly toOut: Linear;
  private readonly inner: number;

  constructor(
    scope: ParamScope,
    readonly config: AttentionConfig,
  ) {
    const { queryDim, heads, headDim } = config;
    const contextDim = config.contextDim ?? queryDim;
    this.inner = heads * headDim;
    const clip = config.naming === 'clip';
    const qkvBias = clip;
    this.toQ = new Linear(scope.child(clip ? 'q_proj' : 'to_q'), {
      inFeatures: queryDim,
      outFeatures: this.inner,
      bias: qkvBias,
    });
    this.toK = new Linear(scope.child(clip ? 'k_proj' : 'to_k'), {
      inFeatures: contextDim,
      outFeatures: this.inner,
      bias: qkvBias,
    });
    this.toV = new Linear(scope.child(clip ? 'v_proj' : 'to_v'), {
      inFeatures: contextDim,
      outFeatures: this.inner,
      bias: qkvBias,
    });
    this.toOut = new Linear(scope.child(clip ? 'out_proj' : 'to_out.0'), {
      inFeatures: this.inner,
      outFeatures: queryDim,
    });
  }

  apply(x: tf.Tensor3D, context?: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const ctx = context ?? x;
      const [b, n] = x.shape;
      const m = ctx.shape[1];
      const { heads, headDim } = this.config;
      const q = this.splitHeads(tf.mul(this.toQ.apply(x), 1 / Math.sqrt(headDim)), b, n);
      const k = this.splitHeads(this.toK.apply(ctx), b, m);
      const v = this.splitHeads(this.toV.apply(ctx), b, m);
      let scores = tf.matMul(q, k, false, true);
      if (mask) scores = tf.add(scores, mask);
      const out = tf.matMul(tf.softmax(scores), v);
      const merged = tf.reshape(tf.transpose(tf.reshape(out, [b, heads, n, headDim]), [0, 2, 1, 3]), [
        b,
        n,
        this.inner,
      ]) as tf.Tensor3D;
      return this.toOut.apply(merged);
    });
  }

  private splitHeads(t: tf.Tensor3D, b: number, n: number): tf.Tensor3D {
    const { heads, headDim } = this.config;
    return tf.reshape(tf.transpose(tf.reshape(t, [b, n, heads, headDim]), [0, 2, 1, 3]), [
      b * heads,
      n,
      headDim,
    ]) as tf.Tensor3D;
  }
}

/** Additive causal mask [n, n]: 0 on and below the diagonal, a large negative value above. */
export function causalMask(n: number): tf.Tensor2D {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) values[i * n + j] = -1e9;
  return tf.tensor2d(values, [n, n]);
}
