// A small convolutional network given as a list of layers (in a config.json) and PyTorch-layout
// weights (a .safetensors file): what the studio's own annotator networks are (depth:
// conv-net-depth.ts, pose: pose/heatmap-pose.ts). The layers run in order on an NHWC tensor:
//   {"type": "conv2d", "name": "enc", "in_channels": 3, "out_channels": 8, "kernel_size": 3,
//    "stride": 2, "padding": 1, "activation": "relu"}   zero padding on every side, then the conv
//   {"type": "upsample", "scale": 2}                     bilinear, half-pixel centres (PyTorch's
//                                                        align_corners=False)
//   {"type": "save", "name": "skip1"}                    remember the activation under a name
//   {"type": "concat", "name": "skip1"}                  append that activation's channels (U-Net
//                                                        skip connections)
// Weights keep PyTorch's names and layouts: "<name>.weight" [out, in, kh, kw], "<name>.bias" [out].
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { openSafetensors } from '../engine/io/safetensors.ts';
import { ModelFileError } from './graph-model-file.ts';

const layerName = z.string().regex(/^[A-Za-z0-9_.]+$/);

const conv2dLayerSchema = z.object({
  type: z.literal('conv2d'),
  name: layerName,
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

const saveLayerSchema = z.object({ type: z.literal('save'), name: layerName });
const concatLayerSchema = z.object({ type: z.literal('concat'), name: layerName });

export const layerListSchema = z
  .array(
    z.discriminatedUnion('type', [
      conv2dLayerSchema,
      upsampleLayerSchema,
      saveLayerSchema,
      concatLayerSchema,
    ]),
  )
  .min(1)
  .max(256);

export type NetLayer = z.infer<typeof layerListSchema>[number];

/** Follows the channels through `layers` from `inChannels`; returns the output's channel count. */
export function checkLayerChannels(layers: NetLayer[], inChannels: number, configPath: string): number {
  let channels = inChannels;
  const saved = new Map<string, number>();
  for (const [i, layer] of layers.entries()) {
    if (layer.type === 'conv2d') {
      if (layer.in_channels !== channels)
        throw new ModelFileError(
          `${configPath}: layers.${i} (${layer.name}) takes ${layer.in_channels} channels but receives ${channels}`,
        );
      channels = layer.out_channels;
    } else if (layer.type === 'save') {
      saved.set(layer.name, channels);
    } else if (layer.type === 'concat') {
      const more = saved.get(layer.name);
      if (more === undefined)
        throw new ModelFileError(
          `${configPath}: layers.${i} concatenates "${layer.name}", which no earlier "save" layer stored`,
        );
      channels += more;
    }
  }
  return channels;
}

interface ConvWeights {
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export class LayerNet {
  private constructor(
    private readonly layers: NetLayer[],
    private readonly weights: Map<string, ConvWeights>,
  ) {}

  /** Reads every conv2d layer's weight and bias from `weightsPath`, checking names and shapes. */
  static async load(weightsPath: string, layers: NetLayer[]): Promise<LayerNet> {
    const file = await openSafetensors(weightsPath);
    const weights = new Map<string, ConvWeights>();
    try {
      for (const layer of layers) {
        if (layer.type !== 'conv2d') continue;
        const wName = `${layer.name}.weight`;
        const bName = `${layer.name}.bias`;
        const wShape = [layer.out_channels, layer.in_channels, layer.kernel_size, layer.kernel_size] as [
          number,
          number,
          number,
          number,
        ];
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
        const kernel = tf.tidy(() => tf.transpose(tf.tensor4d(w, wShape), [2, 3, 1, 0]) as tf.Tensor4D);
        weights.set(layer.name, { kernel, bias: tf.tensor1d(b) });
      }
    } catch (err) {
      for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
      throw err;
    } finally {
      await file.close();
    }
    return new LayerNet(layers, weights);
  }

  /** Runs the layers on NHWC `x`; call inside tf.tidy (intermediates are not disposed here). */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    let h = x;
    const saved = new Map<string, tf.Tensor4D>();
    for (const layer of this.layers) {
      if (layer.type === 'upsample') {
        h = tf.image.resizeBilinear(h, [h.shape[1] * layer.scale, h.shape[2] * layer.scale], false, true);
      } else if (layer.type === 'save') {
        saved.set(layer.name, h);
      } else if (layer.type === 'concat') {
        const other = saved.get(layer.name)!;
        if (other.shape[1] !== h.shape[1] || other.shape[2] !== h.shape[2])
          throw new ModelFileError(
            `the network's "${layer.name}" skip is ${other.shape[2]}x${other.shape[1]} but meets a ${h.shape[2]}x${h.shape[1]} activation (its input size must be divisible by its total stride)`,
          );
        h = tf.concat([h, other], 3);
      } else {
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
    }
    return h;
  }

  dispose(): void {
    for (const { kernel, bias } of this.weights.values()) tf.dispose([kernel, bias]);
    this.weights.clear();
  }
}
