import * as tf from '@tensorflow/tfjs-core';
import type { RgbaImage } from '../io/image.ts';

/** [1, H, W, 3] in [-1, 1] (what the VAE decodes to) -> 8-bit RGBA. */
export async function tensorToRgba(image: tf.Tensor4D): Promise<RgbaImage> {
  const [, height, width, channels] = image.shape;
  if (channels !== 3) throw new Error(`expected an RGB tensor, got ${channels} channels`);
  const rgb = tf.tidy(() => tf.round(tf.mul(tf.add(tf.clipByValue(image, -1, 1), 1), 127.5)));
  const values = await rgb.data();
  rgb.dispose();
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, o = 0; i < values.length; i += 3, o += 4) {
    data[o] = values[i]!;
    data[o + 1] = values[i + 1]!;
    data[o + 2] = values[i + 2]!;
    data[o + 3] = 255;
  }
  return { width, height, data };
}

/** 8-bit RGBA -> [1, H, W, 3] in [0, 1] (condition maps) or [-1, 1] (VAE input). */
export function rgbaToTensor(image: RgbaImage, range: '0,1' | '-1,1' = '0,1'): tf.Tensor4D {
  const { width, height, data } = image;
  const rgb = new Float32Array(width * height * 3);
  const [scale, shift] = range === '0,1' ? [1 / 255, 0] : [2 / 255, -1];
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    rgb[o] = data[i]! * scale + shift;
    rgb[o + 1] = data[i + 1]! * scale + shift;
    rgb[o + 2] = data[i + 2]! * scale + shift;
  }
  return tf.tensor4d(rgb, [1, height, width, 3]);
}
