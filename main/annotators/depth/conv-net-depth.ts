// A small convolutional depth network given as safetensors + config.json, for depth models that
// are not TF.js graphs. The config (our own format) lists the layers in order (../layer-net.ts:
// conv2d, upsample, and save/concat for skip connections):
//   {"architecture": "scedit-depth-convnet",
//    "layers": [{"type": "conv2d", "name": "enc", "in_channels": 3, "out_channels": 8,
//                "kernel_size": 3, "stride": 2, "padding": 1, "activation": "relu"},
//               {"type": "upsample", "scale": 2},
//               {"type": "conv2d", "name": "head", "in_channels": 8, "out_channels": 1,
//                "kernel_size": 3, "padding": 1}],
//    "input_size": 256, "input_mean": [...], "input_std": [...], "output": "disparity",
//    "output_scale": 255}
// Weights keep PyTorch's names and layouts: "<name>.weight" [out, in, kh, kw], "<name>.bias" [out].
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { RgbaImage } from '../../engine/io/image.ts';
import { checkAnnotatorImage } from '../annotator-error.ts';
import { ModelFileError } from '../graph-model-file.ts';
import { checkLayerChannels, LayerNet, layerListSchema } from '../layer-net.ts';
import type { DepthEstimator, DepthMap } from './depth-estimator.ts';
import { depthIoConfigSchema, describeZodIssues } from './depth-model-config.ts';
import { depthModelInput, depthModelOutput } from './run-depth-model.ts';

export const CONV_NET_ARCHITECTURE = 'scedit-depth-convnet';

export const convNetConfigSchema = depthIoConfigSchema.extend({
  architecture: z.literal(CONV_NET_ARCHITECTURE),
  layers: layerListSchema,
});

export type ConvNetConfig = z.infer<typeof convNetConfigSchema>;

export class ConvNetDepth implements DepthEstimator {
  private constructor(
    private readonly config: ConvNetConfig,
    private readonly net: LayerNet,
    readonly path: string,
    readonly name: string,
  ) {}

  /** `weightsPath` is the .safetensors file; config.json sits beside it. */
  static async load(weightsPath: string, name = 'model'): Promise<ConvNetDepth> {
    const configPath = join(dirname(weightsPath), 'config.json');
    if (!existsSync(configPath))
      throw new ModelFileError(
        `${configPath}: missing (a safetensors depth model needs a config.json describing its layers)`,
      );
    let json: unknown;
    try {
      json = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (err) {
      throw new ModelFileError(
        `${configPath}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const parsed = convNetConfigSchema.safeParse(json);
    if (!parsed.success) throw new ModelFileError(`${configPath}: ${describeZodIssues(parsed.error)}`);
    const config = parsed.data;
    const channels = checkLayerChannels(config.layers, 3, configPath);
    if (channels !== 1)
      throw new ModelFileError(
        `${configPath}: the last conv2d must output 1 channel (depth), not ${channels}`,
      );
    const net = await LayerNet.load(weightsPath, config.layers);
    return new ConvNetDepth(config, net, weightsPath, name);
  }

  async estimate(image: RgbaImage): Promise<DepthMap> {
    checkAnnotatorImage(image);
    const s = this.config.input_size;
    const size: [number, number] =
      s === undefined ? [image.height, image.width] : typeof s === 'number' ? [s, s] : s;
    const output = tf.tidy(() => this.net.forward(depthModelInput(image, size, this.config)));
    return depthModelOutput(output, image, this.config, this.path);
  }

  dispose(): void {
    this.net.dispose();
  }
}
