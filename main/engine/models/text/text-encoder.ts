import * as tf from '@tensorflow/tfjs-core';
import type { TextTransformerConfigInput } from './config.ts';
import { TextTransformer, type TextTransformerBuildOptions } from './text-transformer.ts';
import type { WordTokenizer } from './tokenizer.ts';

/** Prompts -> the context the U-Net cross-attends to. The CLIP encoder of SD 1.5 fits this too. */
export interface TextEncoder {
  /** Tokens per prompt (T). */
  readonly contextLength: number;
  /** Width of each context vector (D), the U-Net's contextDim. */
  readonly contextDim: number;
  /** [B, T, D] for B prompts. */
  encode(prompts: string[]): tf.Tensor3D;
  /** The empty prompt's context [batch, T, D]: the unconditional half of classifier-free guidance. */
  emptyContext(batch?: number): tf.Tensor3D;
  dispose(): void;
}

/** The embedded model's encoder: the project's word tokenizer + a small CLIP-like transformer. */
export class EmbeddedTextEncoder implements TextEncoder {
  readonly transformer: TextTransformer;

  constructor(
    readonly tokenizer: WordTokenizer,
    config: TextTransformerConfigInput,
    options: TextTransformerBuildOptions = {},
  ) {
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new Error(
        `The tokenizer has ${tokenizer.vocabSize} tokens but the text encoder config's vocabSize is ${config.vocabSize}.`,
      );
    }
    if (config.contextLength !== tokenizer.contextLength) {
      throw new Error(
        `Text encoder config contextLength ${config.contextLength} does not match the tokenizer's ${tokenizer.contextLength}.`,
      );
    }
    this.transformer = new TextTransformer(config, options);
  }

  get contextLength(): number {
    return this.transformer.config.contextLength;
  }

  get contextDim(): number {
    return this.transformer.config.width;
  }

  tokenize(prompts: string[]): tf.Tensor2D {
    const ids = prompts.map((p) => this.tokenizer.encode(p));
    return tf.tensor2d(ids, [prompts.length, this.contextLength], 'int32');
  }

  encode(prompts: string[]): tf.Tensor3D {
    return tf.tidy(() => this.transformer.apply(this.tokenize(prompts)));
  }

  emptyContext(batch = 1): tf.Tensor3D {
    return tf.tidy(() => {
      const one = this.encode(['']);
      return batch === 1 ? one : tf.tile(one, [batch, 1, 1]);
    });
  }

  dispose(): void {
    this.transformer.dispose();
  }
}
