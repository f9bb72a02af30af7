// Writes what the PyTorch peer (unet_peer.py) needs: configs, weights in PyTorch names and
// layouts, and one pass of each network (inputs and our outputs, NCHW) for the parity checks.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../../../main/engine/io/atomic-write.ts';
import { saveParamFile } from '../../../main/engine/io/param-file.ts';
import { writeSafetensors } from '../../../main/engine/io/safetensors.ts';
import type { EmbeddedTextEncoder } from '../../../main/engine/models/text/text-encoder.ts';
import type { UNet } from '../../../main/engine/models/unet/unet.ts';
import type { AutoencoderKL } from '../../../main/engine/models/vae/vae.ts';
import type { ParamStore } from '../../../main/engine/nn/params.ts';

/**
 * Non-trivial deterministic weights everywhere, including LDM's zero-initialised output layers
 * (with those at zero the output would be zero in both engines and prove nothing).
 */
export function parityWeights(store: ParamStore, seed = 17): void {
  store.list().forEach((param, i) => {
    const { shape, layout } = param.spec;
    const isNorm = /norm/.test(param.name) || /\.(in|out)_layers\.0\./.test(param.name);
    const fanIn =
      layout === 'conv2d' ? shape[0]! * shape[1]! * shape[2]! : layout === 'linear' ? shape[0]! : 0;
    tf.tidy(() => {
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0.1;
      let value = tf.randomUniform(shape, -bound, bound, 'float32', seed * 1009 + i);
      if (isNorm && param.name.endsWith('weight')) value = tf.add(value, 1);
      param.value.assign(value);
    });
  });
}

const toNchw = (t: tf.Tensor4D) => tf.transpose(t, [0, 3, 1, 2]);

async function entry(name: string, tensor: tf.Tensor) {
  return { name, dtype: 'F32' as const, shape: tensor.shape, data: (await tensor.data()) as Float32Array };
}

export async function exportPeerFiles(unet: UNet, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(unet.config, null, 2)}\n`);
  await saveParamFile(join(dir, 'unet.safetensors'), unet.params.list());
  const x = tf.randomNormal([2, 16, 16, unet.config.inChannels], 0, 1, 'float32', 5) as tf.Tensor4D;
  const t = tf.tensor1d([37, 801]);
  const context = tf.randomNormal([2, 24, unet.config.contextDim], 0, 1, 'float32', 6) as tf.Tensor3D;
  const y = unet.forward(x, t, context);
  const xs = toNchw(x);
  const ys = toNchw(y);
  await writeSafetensors(join(dir, 'io.safetensors'), [
    await entry('x', xs),
    await entry('t', t),
    await entry('context', context),
    await entry('y', ys),
  ]);
  tf.dispose([x, t, context, y, xs, ys]);
}

/** The VAE: weights, a 64×64 image, its latent mean/logvar and the decode of the mean. */
export async function exportVaePeerFiles(vae: AutoencoderKL, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'vae-config.json'), `${JSON.stringify(vae.config, null, 2)}\n`);
  await saveParamFile(join(dir, 'vae.safetensors'), vae.params.list());
  const image = tf.randomUniform([1, 64, 64, vae.config.inChannels], -1, 1, 'float32', 8) as tf.Tensor4D;
  const { mean, logvar } = vae.encode(image);
  const decoded = vae.decode(mean);
  const nchw = [image, mean, logvar, decoded].map(toNchw);
  await writeSafetensors(
    join(dir, 'vae-io.safetensors'),
    await Promise.all(['image', 'mean', 'logvar', 'decoded'].map((name, i) => entry(name, nchw[i]!))),
  );
  tf.dispose([image, mean, logvar, decoded, ...nchw]);
}

/** The text transformer: weights, token ids (as F32) of two prompts and their context. */
export async function exportTextPeerFiles(text: EmbeddedTextEncoder, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await writeFileAtomic(
    join(dir, 'text-config.json'),
    `${JSON.stringify(text.transformer.config, null, 2)}\n`,
  );
  await saveParamFile(join(dir, 'text.safetensors'), text.transformer.params.list());
  const prompts = ['a red apple', 'grinning face with big eyes'];
  const ids = text.tokenize(prompts);
  const idsF32 = tf.cast(ids, 'float32');
  const context = text.encode(prompts);
  await writeSafetensors(join(dir, 'text-io.safetensors'), [
    await entry('ids', idsF32),
    await entry('context', context),
  ]);
  tf.dispose([ids, idsF32, context]);
}
