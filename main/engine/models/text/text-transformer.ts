import * as tf from '@tensorflow/tfjs-core';
import { type ActivationName, activation } from '../../nn/activations.ts';
import { causalMask, MultiHeadAttention } from '../../nn/attention.ts';
import { Embedding } from '../../nn/embedding.ts';
import { Linear } from '../../nn/linear.ts';
import { LayerNorm } from '../../nn/norm.ts';
import { ParamScope, ParamStore } from '../../nn/params.ts';
import {
  parseTextTransformerConfig,
  type TextTransformerConfig,
  type TextTransformerConfigInput,
} from './config.ts';

class EncoderLayer {
  readonly attn: MultiHeadAttention;
  readonly norm1: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly norm2: LayerNorm;
  private readonly act: (x: tf.Tensor3D) => tf.Tensor3D;

  constructor(scope: ParamScope, c: TextTransformerConfig) {
    this.attn = new MultiHeadAttention(scope.child('self_attn'), {
      queryDim: c.width,
      heads: c.heads,
      headDim: c.width / c.heads,
      naming: 'clip',
    });
    this.norm1 = new LayerNorm(scope.child('layer_norm1'), { features: c.width });
    this.fc1 = new Linear(scope.child('mlp.fc1'), { inFeatures: c.width, outFeatures: c.ffnDim });
    this.fc2 = new Linear(scope.child('mlp.fc2'), { inFeatures: c.ffnDim, outFeatures: c.width });
    this.norm2 = new LayerNorm(scope.child('layer_norm2'), { features: c.width });
    this.act = activation(c.activation as ActivationName);
  }

  apply(x: tf.Tensor3D, mask: tf.Tensor2D | undefined): tf.Tensor3D {
    return tf.tidy(() => {
      const h = tf.add(x, this.attn.apply(this.norm1.apply(x), undefined, mask)) as tf.Tensor3D;
      return tf.add(h, this.fc2.apply(this.act(this.fc1.apply(this.norm2.apply(h)))));
    });
  }
}

export interface TextTransformerBuildOptions {
  allocate?: boolean;
  seed?: number;
  trainable?: boolean;
}

/** Token ids [B, T] -> context [B, T, width]. Names as HF CLIPTextModel (`text_model.…`). */
export class TextTransformer {
  readonly config: TextTransformerConfig;
  readonly params: ParamStore;
  private readonly tokenEmbedding: Embedding;
  private readonly positionEmbedding: Embedding;
  private readonly layers: EncoderLayer[] = [];
  private readonly finalNorm: LayerNorm;

  constructor(config: TextTransformerConfigInput, options: TextTransformerBuildOptions = {}) {
    this.config = parseTextTransformerConfig(config);
    const c = this.config;
    this.params = new ParamStore({
      allocate: options.allocate ?? true,
      seed: options.seed ?? 0,
      trainable: options.trainable ?? true,
    });
    const root = new ParamScope(this.params, 'text_model');
    this.tokenEmbedding = new Embedding(root.child('embeddings.token_embedding'), {
      count: c.vocabSize,
      dim: c.width,
    });
    this.positionEmbedding = new Embedding(root.child('embeddings.position_embedding'), {
      count: c.contextLength,
      dim: c.width,
      std: 0.01,
    });
    for (let i = 0; i < c.layers; i++)
      this.layers.push(new EncoderLayer(root.child(`encoder.layers.${i}`), c));
    this.finalNorm = new LayerNorm(root.child('final_layer_norm'), { features: c.width });
  }

  static describe(config: TextTransformerConfigInput): TextTransformer {
    return new TextTransformer(config, { allocate: false });
  }

  apply(ids: tf.Tensor2D): tf.Tensor3D {
    const [, t] = ids.shape;
    if (t > this.config.contextLength) {
      throw new Error(`Text encoder: ${t} tokens exceed the context length ${this.config.contextLength}.`);
    }
    return tf.tidy(() => {
      const positions = tf.range(0, t, 1, 'int32');
      let x = tf.add(this.tokenEmbedding.apply(ids), this.positionEmbedding.apply(positions)) as tf.Tensor3D;
      const mask = this.config.causal ? causalMask(t) : undefined;
      for (const layer of this.layers) x = layer.apply(x, mask);
      return this.finalNorm.apply(x);
    });
  }

  variables(): tf.Variable[] {
    return this.params.variables();
  }

  dispose(): void {
    this.params.dispose();
  }
}
