// The quality bench's measures that are plain arithmetic: reconstruction PSNR, prompt accuracy
// against chance, and the contact sheet's layout.
import * as tf from '@tensorflow/tfjs-core';
import type { RgbaImage } from '../../../main/engine/io/image.ts';

/** What a picture becomes when saved as a PNG: clipped to [-1, 1] and rounded to 8 bits, still in [-1, 1]. */
export function as8bit(pictures: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() =>
    tf.sub(tf.div(tf.round(tf.mul(tf.add(tf.clipByValue(pictures, -1, 1), 1), 127.5)), 127.5), 1),
  );
}

/** Per-picture PSNR (dB) of two [B, H, W, 3] batches in [-1, 1], on 0..255 after rounding like a PNG. */
export function psnr8bit(a: tf.Tensor4D, b: tf.Tensor4D): Float32Array {
  return tf.tidy(() => {
    const q = (t: tf.Tensor4D) => tf.round(tf.mul(tf.add(tf.clipByValue(t, -1, 1), 1), 127.5));
    const mse = tf.maximum(tf.mean(tf.square(tf.sub(q(a), q(b))), [1, 2, 3]), 1e-10);
    return tf.mul(tf.log(tf.div(255 * 255, mse)), 10 / Math.LN10).dataSync() as Float32Array;
  });
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length ? s / values.length : Number.NaN;
}

export interface PromptAccuracy {
  /** Pictures whose prompt carries this label. */
  pictures: number;
  /** Share whose predicted class is the prompt's. */
  accuracy: number;
  /** 1 / number of classes. */
  chanceUniform: number;
  /** Expected accuracy if predictions ignored the prompt: sum over classes of P(label) P(prediction). */
  chanceIndependent: number;
  /** Prompt labels the classifier has no class for (counted as misses). */
  unknownLabels: number;
}

/** labels[i]: the prompt's class (null = not applicable, skipped); predicted[i]: the classifier's class. */
export function promptAccuracy(
  labels: readonly (string | null)[],
  predicted: readonly string[],
  classes: readonly string[],
): PromptAccuracy {
  if (labels.length !== predicted.length)
    throw new Error(`promptAccuracy: ${labels.length} labels but ${predicted.length} predictions`);
  const known = new Set(classes);
  const labelCounts = new Map<string, number>();
  const predCounts = new Map<string, number>();
  let pictures = 0;
  let hits = 0;
  let unknownLabels = 0;
  labels.forEach((label, i) => {
    if (label === null) return;
    pictures++;
    if (!known.has(label)) unknownLabels++;
    if (predicted[i] === label) hits++;
    labelCounts.set(label, (labelCounts.get(label) ?? 0) + 1);
    predCounts.set(predicted[i]!, (predCounts.get(predicted[i]!) ?? 0) + 1);
  });
  let chanceIndependent = 0;
  for (const [c, n] of labelCounts)
    chanceIndependent += (n / pictures) * ((predCounts.get(c) ?? 0) / pictures);
  return {
    pictures,
    accuracy: pictures ? hits / pictures : Number.NaN,
    chanceUniform: 1 / classes.length,
    chanceIndependent: pictures ? chanceIndependent : Number.NaN,
    unknownLabels,
  };
}

/** [B, H, W, 3] in [-1, 1] -> one RGBA picture, `columns` per row, `gap` px of dark grey between. */
export async function contactSheet(pictures: tf.Tensor4D, columns: number, gap = 2): Promise<RgbaImage> {
  const [count, h, w] = pictures.shape;
  const rows = Math.ceil(count / columns);
  const width = columns * w + (columns + 1) * gap;
  const height = rows * h + (rows + 1) * gap;
  const rgb = tf.tidy(() => tf.round(tf.mul(tf.add(tf.clipByValue(pictures, -1, 1), 1), 127.5)));
  const values = await rgb.data();
  rgb.dispose();
  const data = new Uint8ClampedArray(width * height * 4).fill(40);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  for (let b = 0; b < count; b++) {
    const x0 = gap + (b % columns) * (w + gap);
    const y0 = gap + Math.floor(b / columns) * (h + gap);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const src = ((b * h + y) * w + x) * 3;
        const dst = ((y0 + y) * width + x0 + x) * 4;
        data[dst] = values[src]!;
        data[dst + 1] = values[src + 1]!;
        data[dst + 2] = values[src + 2]!;
      }
  }
  return { width, height, data };
}
