// A set of pictures as the eval classifier sees them: the feature rows the Fréchet distance is
// measured on, and each head's predicted class per picture, gathered batch by batch.
import * as tf from '@tensorflow/tfjs-core';
import type { EvalClassifier } from '../quality/classifier.ts';
import { type GaussianStats, gaussianStats } from '../quality/frechet.ts';

export class ClassifiedSet {
  private readonly rows: Float32Array[] = [];
  readonly predicted: Record<string, string[]> = {};
  count = 0;

  constructor(private readonly classifier: EvalClassifier) {}

  /** pictures: [B, H, W, 3] in [-1, 1], resized to the classifier's input where they differ. */
  async add(pictures: tf.Tensor4D): Promise<void> {
    const size = this.classifier.config.input.size;
    const { features, logits } = tf.tidy(() => {
      const input =
        pictures.shape[1] === size && pictures.shape[2] === size
          ? pictures
          : tf.image.resizeBilinear(pictures, [size, size], true);
      const out = this.classifier.forward(input);
      const argmax: Record<string, tf.Tensor1D> = {};
      for (const name of this.classifier.headNames) argmax[name] = tf.argMax(out.logits[name]!, 1);
      return { features: out.features, logits: argmax };
    });
    this.rows.push((await features.data()) as Float32Array);
    for (const name of this.classifier.headNames) {
      const classes = this.classifier.head(name).classes;
      const list = this.predicted[name] ?? [];
      for (const i of await logits[name]!.data()) list.push(classes[i]!);
      this.predicted[name] = list;
    }
    tf.dispose([features, ...Object.values(logits)]);
    this.count += pictures.shape[0];
  }

  stats(): GaussianStats {
    const dim = this.classifier.config.architecture.features;
    const all = new Float32Array(this.count * dim);
    let offset = 0;
    for (const r of this.rows) {
      all.set(r, offset);
      offset += r.length;
    }
    return gaussianStats(all, this.count, dim);
  }
}
