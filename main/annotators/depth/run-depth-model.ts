// Shared by the model-backed estimators: picture -> model input (resize, normalise), model
// output -> relative depth at the picture's size, larger = nearer.
import * as tf from '@tensorflow/tfjs-core';
import type { RgbaImage } from '../../engine/io/image.ts';
import { AnnotatorError } from '../annotator-error.ts';
import type { DepthMap } from './depth-estimator.ts';
import type { DepthIoConfig } from './depth-model-config.ts';

/** [batch 1, h, w, 3] float input, normalised as the config says. */
export function depthModelInput(
  image: RgbaImage,
  size: [number, number],
  io: Pick<DepthIoConfig, 'input_mean' | 'input_std'>,
): tf.Tensor4D {
  return tf.tidy(() => {
    const rgb = new Float32Array(image.width * image.height * 3);
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgb[i] = image.data[j]! / 255;
      rgb[i + 1] = image.data[j + 1]! / 255;
      rgb[i + 2] = image.data[j + 2]! / 255;
    }
    const photo = tf.tensor3d(rgb, [image.height, image.width, 3]);
    const resized = tf.image.resizeBilinear(photo, size, false, true);
    const normalised = tf.div(tf.sub(resized, tf.tensor1d(io.input_mean)), tf.tensor1d(io.input_std));
    return tf.expandDims(normalised, 0) as tf.Tensor4D;
  });
}

/**
 * Reads a model's single-channel output ([1,h,w], [1,h,w,1], [1,1,h,w] or [h,w]) back at the
 * picture's size. Disposes `output`.
 */
export async function depthModelOutput(
  output: tf.Tensor,
  image: RgbaImage,
  io: DepthIoConfig,
  source: string,
): Promise<DepthMap> {
  const resized = tf.tidy(() => {
    const s = output.shape;
    let hw: tf.Tensor2D;
    if (s.length === 2) hw = output as tf.Tensor2D;
    else if (s.length === 3 && s[0] === 1) hw = tf.squeeze(output, [0]) as tf.Tensor2D;
    else if (s.length === 4 && s[0] === 1 && s[3] === 1) hw = tf.squeeze(output, [0, 3]) as tf.Tensor2D;
    else if (s.length === 4 && s[0] === 1 && s[1] === 1) hw = tf.squeeze(output, [0, 1]) as tf.Tensor2D;
    else
      throw new AnnotatorError(
        `${source}: the model's output has shape [${s.join(', ')}]; a depth model must output one channel ([1, h, w], [1, h, w, 1] or [1, 1, h, w])`,
      );
    const up = tf.image.resizeBilinear(
      tf.expandDims(tf.cast(hw, 'float32'), 2) as tf.Tensor3D,
      [image.height, image.width],
      false,
      true,
    );
    const flat = tf.reshape(up, [image.height * image.width]);
    if (io.output_scale !== undefined) {
      const levels = tf.mul(flat, io.output_scale);
      return io.output === 'depth' ? tf.sub(255, levels) : levels;
    }
    return io.output === 'depth' ? tf.neg(flat) : flat;
  });
  try {
    output.dispose();
    const values = Float32Array.from((await resized.data()) as Float32Array);
    if (io.output_scale !== undefined)
      return { width: image.width, height: image.height, values, levels: true };
    return { width: image.width, height: image.height, values };
  } finally {
    resized.dispose();
  }
}
