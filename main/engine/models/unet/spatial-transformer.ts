import * as tf from '@tensorflow/tfjs-core';
import { MultiHeadAttention } from '../../nn/attention.ts';
import { Conv2d } from '../../nn/conv2d.ts';
import { GegluFeedForward } from '../../nn/feed-forward.ts';
import { Linear } from '../../nn/linear.ts';
import { GroupNorm, LayerNorm } from '../../nn/norm.ts';
import type { ParamScope } from '../../nn/params.ts';

export interface TransformerBlockConfig {
  dim: number;
  heads: number;
  headDim: number;
  contextDim: number;
}

/** LDM BasicTransformerBlock: pre-LN self-attention, cross-attention to the context, GEGLU FF. */
export class BasicTransformerBlock {
  readonly attn1: MultiHeadAttention;
  readonly attn2: MultiHeadAttention;
  readonly ff: GegluFeedForward;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;

  constructor(scope: ParamScope, config: TransformerBlockConfig) {
    const { dim, heads, headDim, contextDim } = config;
    this.attn1 = new MultiHeadAttention(scope.child('attn1'), { queryDim: dim, heads, headDim });
    this.ff = new GegluFeedForward(scope.child('ff'), { dim });
    this.attn2 = new MultiHeadAttention(scope.child('attn2'), { queryDim: dim, contextDim, heads, headDim });
    this.norm1 = new LayerNorm(scope.child('norm1'), { features: dim });
    this.norm2 = new LayerNorm(scope.child('norm2'), { features: dim });
    this.norm3 = new LayerNorm(scope.child('norm3'), { features: dim });
  }

  apply(x: tf.Tensor3D, context: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      let h = tf.add(this.attn1.apply(this.norm1.apply(x)), x) as tf.Tensor3D;
      h = tf.add(this.attn2.apply(this.norm2.apply(h), context), h);
      return tf.add(this.ff.apply(this.norm3.apply(h)), h);
    });
  }
}

export interface SpatialTransformerConfig {
  channels: number;
  heads: number;
  headDim: number;
  depth: number;
  contextDim: number;
  useLinearProjection: boolean;
  groups: number;
}

/**
 * LDM SpatialTransformer: GroupNorm (eps 1e-6), proj_in (1×1 conv or Linear, the same map in
 * NHWC), `depth` transformer blocks over the H·W tokens, zero-init proj_out, residual.
 */
export class SpatialTransformer {
  readonly norm: GroupNorm;
  readonly projIn: Conv2d | Linear;
  readonly blocks: BasicTransformerBlock[];
  readonly projOut: Conv2d | Linear;
  private readonly inner: number;

  constructor(
    scope: ParamScope,
    readonly config: SpatialTransformerConfig,
  ) {
    const { channels, heads, headDim, depth, contextDim, useLinearProjection, groups } = config;
    const inner = heads * headDim;
    this.inner = inner;
    this.norm = new GroupNorm(scope.child('norm'), { groups, channels, eps: 1e-6 });
    this.projIn = useLinearProjection
      ? new Linear(scope.child('proj_in'), { inFeatures: channels, outFeatures: inner })
      : new Conv2d(scope.child('proj_in'), { inChannels: channels, outChannels: inner, kernelSize: 1 });
    this.blocks = [];
    for (let d = 0; d < depth; d++) {
      this.blocks.push(
        new BasicTransformerBlock(scope.child(`transformer_blocks.${d}`), {
          dim: inner,
          heads,
          headDim,
          contextDim,
        }),
      );
    }
    this.projOut = useLinearProjection
      ? new Linear(scope.child('proj_out'), { inFeatures: inner, outFeatures: channels, zeroInit: true })
      : new Conv2d(scope.child('proj_out'), {
          inChannels: inner,
          outChannels: channels,
          kernelSize: 1,
          zeroInit: true,
        });
  }

  apply(x: tf.Tensor4D, context: tf.Tensor3D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w] = x.shape;
      let t = this.projIn.apply(this.norm.apply(x)) as tf.Tensor4D;
      let tokens = tf.reshape(t, [b, h * w, this.inner]) as tf.Tensor3D;
      for (const block of this.blocks) tokens = block.apply(tokens, context);
      t = tf.reshape(tokens, [b, h, w, this.inner]);
      return tf.add(this.projOut.apply(t), x);
    });
  }
}
