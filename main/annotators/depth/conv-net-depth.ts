// A small convolutional depth network given as safetensors + config.json, for depth models that
// are not TF.js graphs. The config (our own format) lists the layers in order:
//   {"architecture": "scedit-depth-convnet",
//    "layers": [{"type": "conv2d", "name": "enc", "in_channels": 3, "out_channels": 8,
//                "kernel_size": 3, "stride": 2, "padding": 1, "activation": "relu"},
//               {"type": "upsample", "scale": 2},
//               {"type": "conv2d", "name": "head", "in_channels": 8, "out_channels": 1,
//                "kernel_size": 3, "padding": 1}],
//    "input_size": 256, "input_mean": [...], "input_std": [...], "output": "disparity"}
// Weights keep PyTorch's names and layouts: "<name>.weight" [out, in, kh, kw], "<name>.bias" [out].
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { RgbaImage } from '../../engine/io/image.ts';
import { openSafetensors } from '../../engine/io/safetensors.ts';
import { checkAnnotatorImage } from '../annotator-error.ts';
import { ModelFileError } from '../graph-model-file.ts';
import type { DepthEstimator, DepthMap } from './depth-estimator.ts';
import { depthIoConfigSchema, describeZodIssues } from './depth-model-config.ts';
import { depthModelInput, depthModelOutput } from './run-depth-model.ts';

export const CONV_NET_ARCHITECTURE = 'scedit-depth-convnet';

const conv2dLayerSchema = z.object({
  type: z.literal('conv2d'),
  name: z.string().regex(/^[A-Za-z0-9_.]+$/),
  in_channels: z.number().int().min(1).max(4096),
  out_channels: z.number().int().min(1).max(4096),
  kernel_size: z.number().int().min(1).max(15),
  stride: z.number().int().min(1).max(8).default(1),
  padding: z.number().int().min(0).max(15).default(0),
  activation: z.enum(['none', 'relu', 'sigmoid']).default('none'),
});

const upsampleLayerSchema = z.object({
  type: z.literal('upsample'),
  scale: z.number().int().min(2).max(8),
});

export const convNetConfigSchema = depthIoConfigSchema.extend({
  architecture: z.literal(CONV_NET_ARCHITECTURE),
  layers: z
    .array(z.discriminatedUnion('type', [conv2dLayerSchema, upsampleLayerSchema]))
    .min(1)
    .max(256),
});

export type ConvNetConfig = z.infer<typeof convNetConfigSchema>;

interface ConvWeights {
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export class ConvNetDepth implements DepthEstimator {
  readonly name = 'model';
  private constructor(
    private readonly config: ConvNetConfig,
    private readonly weights: Map<string, ConvWeights>,
    readonly path: string,
  ) {}

  /** `weightsPath` is the .safetensors file; config.json sits beside it. */
  static async load(weightsPath: string): Promise<ConvNetDepth> {
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
    let channels = 3;
    for (const [i, layer] of config.layers.entries()) {
      if (layer.type !== 'conv2d') continue;
      if (layer.in_channels !== channels)
        throw new ModelFileError(
          `${configPath}: layers.${i} (${layer.name}) takes ${layer.in_channels} channels but receives ${channels}`,
        );
      channels = layer.out_channels;
    }
    if (channels !== 1)
      throw new ModelFileError(
        `${configPath}: the last conv2d must output 1 channel (depth), not ${channels}`,
      );

    const file = await openSafetensors(weightsPath);
    const weights = new Map<string, ConvWeights>();
    try {
      for (const layer of config.layers) {
        if (layer.type !== 'conv2d') continue;
        const wName = `${layer.name}.weight`;
        const bName = `${layer.name}.bias`;
        const wShape = [layer.out_channels, layer.in_channels, layer.kernel_size, layer.kernel_size];
        for (const [name, shape] of [
          [wName, wShape],
          [bName, [layer.out_channels]],
        ] as const) {
          if (!file.has(name))
            throw new ModelFileError(`${weightsPath}: tensor "${name}" is missing (layer ${layer.name})`);
          const got = file.info(name).shape;
          if (got.length !== shape.length || got.some((d, k) => d !== shape[k]))
            throw new ModelFileError(
              `${weightsPath}: tensor "${name}" has shape [${got.join(', ')}], config.json needs [${shape.join(', ')}]`,
            );
        }
        const w = await file.read(wName);
        const b = await file.read(bName);
        // PyTorch [out, in, kh, kw] -> tfjs [kh, kw, in, out].
        const kernel = tf.tidy(
          () =>
            tf.transpose(
              tf.tensor4d(w, wShape as [number, number, number, number]),
              [2, 3, 1, 0],
            ) as tf.Tensor4D,
        );
        weights.set(layer.name, { kernel, bias: tf.tensor1d(b) });
      }
    } catch (err) {
      for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
      throw err;
    } finally {
      await file.close();
    }
    return new ConvNetDepth(config, weights, weightsPath);
  }

  private forward(x: tf.Tensor4D): tf.Tensor4D {
    let h = x;
    for (const layer of this.config.layers) {
      if (layer.type === 'upsample') {
        h = tf.image.resizeBilinear(h, [h.shape[1] * layer.scale, h.shape[2] * layer.scale], false, true);
        continue;
      }
      const { kernel, bias } = this.weights.get(layer.name)!;
      const p = layer.padding;
      const padded =
        p > 0
          ? tf.pad(h, [
              [0, 0],
              [p, p],
              [p, p],
              [0, 0],
            ])
          : h;
      h = tf.add(tf.conv2d(padded, kernel, layer.stride, 'valid'), bias);
      if (layer.activation === 'relu') h = tf.relu(h);
      else if (layer.activation === 'sigmoid') h = tf.sigmoid(h);
    }
    return h;
  }

  async estimate(image: RgbaImage): Promise<DepthMap> {
    checkAnnotatorImage(image);
    const s = this.config.input_size;
    const size: [number, number] =
      s === undefined ? [image.height, image.width] : typeof s === 'number' ? [s, s] : s;
    const output = tf.tidy(() => {
      const input = depthModelInput(image, size, this.config);
      return this.forward(input);
    });
    return depthModelOutput(output, image, this.config, this.path);
  }

  dispose(): void {
    for (const { kernel, bias } of this.weights.values()) tf.dispose([kernel, bias]);
    this.weights.clear();
  }
}
