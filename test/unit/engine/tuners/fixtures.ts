import * as tf from '@tensorflow/tfjs-core';
import type { UNetConfigInput } from '../../../../main/engine/models/unet/config.ts';
import { UNet } from '../../../../main/engine/models/unet/unet.ts';
import type { ParamStore } from '../../../../main/engine/nn/params.ts';
import type { CscTunerConfig } from '../../../../main/engine/tuners/csc-tuner.ts';

export const tinyUNetConfig: UNetConfigInput = {
  inChannels: 4,
  outChannels: 4,
  modelChannels: 16,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionLevels: [1],
  headDim: 8,
  contextDim: 12,
  transformerDepth: 1,
  useLinearProjection: false,
  normGroups: 8,
};

/** A tiny U-Net whose every weight is non-zero (LDM zero-initialises its output layers). */
export function tinyUNet(seed = 1): UNet {
  const unet = new UNet(tinyUNetConfig, { seed });
  randomize(unet.params, seed);
  return unet;
}

export function randomize(store: ParamStore, seed: number, scale = 0.2): void {
  store.list().forEach((param, i) => {
    tf.tidy(() => {
      const noise = tf.randomUniform(param.value.shape, -scale, scale, 'float32', seed * 7919 + i);
      const base = /norm\d?\.weight$/.test(param.name) ? 1 : 0;
      param.value.assign(tf.add(noise, base));
    });
  });
}

export function inputs(batch = 2, size = 8) {
  return {
    x: tf.randomNormal([batch, size, size, 4], 0, 1, 'float32', 3) as tf.Tensor4D,
    t: tf.tensor1d(Array.from({ length: batch }, (_, i) => 10 + 300 * i)),
    context: tf.randomNormal([batch, 5, 12], 0, 1, 'float32', 4) as tf.Tensor3D,
  };
}

/** Latents are 8x8 here and images 32x32: a VAE factor of 4. */
export function cscConfig(unet: UNet, condition = 'canny'): CscTunerConfig {
  return {
    layout: { skips: unet.skipInfo },
    condition,
    latentFactor: 4,
    conditionChannels: 3,
    hintChannels: 16,
    preHintRatio: 0.5,
    denseHintKernel: 3,
    downRatio: 1,
  };
}

export function conditionImage(seed = 9): tf.Tensor4D {
  return tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}
