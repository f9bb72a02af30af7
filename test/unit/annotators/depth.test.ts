import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { annotate } from '../../../main/annotators/annotate.ts';
import { loadDepthModel } from '../../../main/annotators/depth/model-depth.ts';
import { initBackend } from '../../../main/engine/backend.ts';
import type { RgbaImage } from '../../../main/engine/io/image.ts';
import { writeSafetensors } from '../../../main/engine/io/safetensors.ts';
import { blankImage } from './synthetic-images.ts';

const root = mkdtempSync(join(tmpdir(), 'scedit-depth-'));

beforeAll(async () => {
  await initBackend();
});

/** Channel `c` ramps 0..255 left to right; the others are 0. */
function ramp(width: number, height: number, c: number): RgbaImage {
  const img = blankImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) img.data[(y * width + x) * 4 + c] = Math.round((x / (width - 1)) * 255);
  return img;
}

function row(img: RgbaImage, y: number): number[] {
  return Array.from({ length: img.width }, (_, x) => img.data[(y * img.width + x) * 4]!);
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A hand-built TF.js graph model: one 1x1 convolution that reads `weights` from RGB. */
function writeGraphModel(dir: string, weights: number[], extra: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  const dims = (d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
  const model = {
    format: 'graph-model',
    generatedBy: 'scedit test',
    convertedBy: 'by hand',
    modelTopology: {
      node: [
        {
          name: 'input',
          op: 'Placeholder',
          attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims([1, -1, -1, 3]) } },
        },
        {
          name: 'kernel',
          op: 'Const',
          attr: {
            dtype: { type: 'DT_FLOAT' },
            value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims([1, 1, 3, 1]) } },
          },
        },
        {
          name: 'conv',
          op: 'Conv2D',
          input: ['input', 'kernel'],
          attr: {
            T: { type: 'DT_FLOAT' },
            strides: { list: { i: ['1', '1', '1', '1'] } },
            dilations: { list: { i: ['1', '1', '1', '1'] } },
            padding: { s: b64('SAME') },
            data_format: { s: b64('NHWC') },
          },
        },
        { name: 'Identity', op: 'Identity', input: ['conv'], attr: { T: { type: 'DT_FLOAT' } } },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [{ name: 'kernel', shape: [1, 1, 3, 1], dtype: 'float32' }],
      },
    ],
    ...extra,
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  writeFileSync(join(dir, 'group1-shard1of1.bin'), new Uint8Array(Float32Array.from(weights).buffer));
  return dir;
}

describe('depth: grayscale picture taken as depth', () => {
  it('keeps the levels as they are (near = bright) and can invert them', async () => {
    const img = ramp(64, 16, 1);
    const { map } = await annotate('depth', img);
    const gray = row(img, 3).map((_, x) => (img.data[(3 * 64 + x) * 4 + 1]! * 9617 + 8192) >> 14);
    expect(row(map, 3)).toEqual(gray);
    const inverted = await annotate('depth', img, { invert: true });
    expect(row(inverted.map, 3)).toEqual(gray.map((v) => 255 - v));
  });

  it('comes out at the requested size', async () => {
    const { map } = await annotate('depth', ramp(300, 100, 0), { width: 96, height: 64, fit: 'fill' });
    expect([map.width, map.height]).toEqual([96, 64]);
    const r = row(map, 10);
    // Pure red is luminance 76: levels are kept, not stretched.
    expect(r[0]).toBeLessThan(5);
    expect(r[95]).toBeGreaterThan(70);
    expect(r[95]).toBeLessThan(80);
  });
});

describe('depth: a TF.js graph model from a folder', () => {
  it('runs the model and normalises its output, near = bright', async () => {
    const dir = writeGraphModel(join(root, 'graph-green'), [0, 1, 0]);
    const { map, notes } = await annotate('depth', ramp(80, 20, 1), { estimator: 'model', model: dir });
    expect(notes).toEqual(['depth estimator: model']);
    const r = row(map, 5);
    expect(r[0]).toBe(0);
    expect(r[79]).toBe(255);
    for (let x = 1; x < 80; x++) expect(r[x]!).toBeGreaterThanOrEqual(r[x - 1]! - 1);
    // The red channel is ignored by this model: a red ramp gives a flat (black) map.
    const flat = await annotate('depth', ramp(80, 20, 0), { estimator: 'model', model: dir });
    expect(row(flat.map, 5).every((v) => v === 0)).toBe(true);
  });

  it('reads depth.json: input size and "depth" output (larger = farther) flips the map', async () => {
    const dir = writeGraphModel(join(root, 'graph-depth'), [0, 1, 0]);
    writeFileSync(join(dir, 'depth.json'), JSON.stringify({ input_size: 32, output: 'depth' }));
    const { map } = await annotate('depth', ramp(80, 20, 1), {
      estimator: 'model',
      model: join(dir, 'model.json'),
    });
    const r = row(map, 5);
    expect(r[0]).toBe(255);
    expect(r[79]).toBe(0);
    writeFileSync(join(dir, 'depth.json'), JSON.stringify({ input_size: 'big' }));
    await expect(loadDepthModel(dir)).rejects.toThrow(/depth\.json: input_size: /);
  });

  it('names the missing or malformed file', async () => {
    await expect(loadDepthModel(join(root, 'nope'))).rejects.toThrow(/nope: no such depth model/);
    mkdirSync(join(root, 'empty'));
    await expect(loadDepthModel(join(root, 'empty'))).rejects.toThrow(
      /empty: no depth model here \(expected model\.json/,
    );

    const shardless = writeGraphModel(join(root, 'shardless'), [0, 1, 0]);
    writeFileSync(join(shardless, 'group1-shard1of1.bin'), new Uint8Array(8));
    await expect(loadDepthModel(shardless)).rejects.toThrow(
      /weight group 0 \(group1-shard1of1\.bin\) holds 8 bytes, its weights need 12/,
    );

    const layers = join(root, 'layers');
    mkdirSync(layers);
    writeFileSync(join(layers, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: {} }));
    await expect(loadDepthModel(layers)).rejects.toThrow(/is a TensorFlow\.js Layers model/);

    const broken = join(root, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.json'), '{"modelTopology": ');
    await expect(loadDepthModel(broken)).rejects.toThrow(/broken\/model\.json: not valid JSON/);

    const missing = writeGraphModel(join(root, 'missing-shard'), [0, 1, 0]);
    writeFileSync(
      join(missing, 'model.json'),
      JSON.stringify({
        format: 'graph-model',
        modelTopology: { node: [] },
        weightsManifest: [{ paths: ['other.bin'], weights: [] }],
      }),
    );
    await expect(loadDepthModel(missing)).rejects.toThrow(/other\.bin: weight shard missing/);

    await expect(annotate('depth', ramp(8, 8, 0), { estimator: 'model' })).rejects.toThrow(
      /needs the model folder/,
    );
    await expect(annotate('depth', ramp(8, 8, 0), { estimator: 'midas' })).rejects.toThrow(
      /unknown depth estimator "midas"; available: grayscale, figures, model/,
    );
  });
});

describe('depth: safetensors + config.json convolutional net', () => {
  // One 3x3 conv reading green one pixel to the right (PyTorch layout [out, in, kh, kw]):
  // out(x) = green(x + 1). A vertical green line at column 10 shows up at column 9.
  async function writeShiftNet(dir: string, config: Record<string, unknown> = {}): Promise<string> {
    mkdirSync(dir, { recursive: true });
    const w = new Float32Array(1 * 3 * 3 * 3);
    w[1 * 9 + 1 * 3 + 2] = 1; // in channel 1 (green), row 1, column 2
    await writeSafetensors(join(dir, 'model.safetensors'), [
      { name: 'shift.weight', dtype: 'F32', shape: [1, 3, 3, 3], data: w },
      { name: 'shift.bias', dtype: 'F32', shape: [1], data: new Float32Array([0]) },
    ]);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        architecture: 'scedit-depth-convnet',
        layers: [
          { type: 'conv2d', name: 'shift', in_channels: 3, out_channels: 1, kernel_size: 3, padding: 1 },
        ],
        ...config,
      }),
    );
    return dir;
  }

  it('loads PyTorch-layout weights and runs the layers', async () => {
    const dir = await writeShiftNet(join(root, 'shift'));
    const img = blankImage(24, 12);
    for (let y = 0; y < 12; y++) img.data[(y * 24 + 10) * 4 + 1] = 255;
    const { map } = await annotate('depth', img, { estimator: 'model', model: dir });
    const r = row(map, 6);
    expect(r[9]).toBe(255);
    expect(r[10]).toBe(0);
    expect(r.filter((v) => v > 0)).toHaveLength(1);
  });

  it('runs strided convolutions, upsampling and activations', async () => {
    const dir = join(root, 'encdec');
    mkdirSync(dir);
    const enc = new Float32Array(2 * 3 * 3 * 3);
    enc[0 * 27 + 0 * 9 + 4] = 1; // out 0 <- red centre
    enc[1 * 27 + 0 * 9 + 4] = -1; // out 1 <- -red centre (relu'd to 0)
    await writeSafetensors(join(dir, 'weights.safetensors'), [
      { name: 'enc.weight', dtype: 'F32', shape: [2, 3, 3, 3], data: enc },
      { name: 'enc.bias', dtype: 'F32', shape: [2], data: new Float32Array(2) },
      { name: 'head.weight', dtype: 'F16', shape: [1, 2, 1, 1], data: new Float32Array([1, 1]) },
      { name: 'head.bias', dtype: 'F32', shape: [1], data: new Float32Array([0]) },
    ]);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        architecture: 'scedit-depth-convnet',
        input_size: 32,
        layers: [
          {
            type: 'conv2d',
            name: 'enc',
            in_channels: 3,
            out_channels: 2,
            kernel_size: 3,
            stride: 2,
            padding: 1,
            activation: 'relu',
          },
          { type: 'upsample', scale: 2 },
          {
            type: 'conv2d',
            name: 'head',
            in_channels: 2,
            out_channels: 1,
            kernel_size: 1,
            activation: 'sigmoid',
          },
        ],
      }),
    );
    const { map } = await annotate('depth', ramp(64, 16, 0), { estimator: 'model', model: dir });
    const r = row(map, 8);
    expect(r[2]!).toBeLessThan(30);
    expect(r[61]!).toBeGreaterThan(225);
    expect(r[40]!).toBeGreaterThan(r[20]!);
    const again = await annotate('depth', ramp(64, 16, 0), { estimator: 'model', model: dir });
    expect(Buffer.from(again.map.data).equals(Buffer.from(map.data))).toBe(true);
  });

  it('names what is wrong in config.json or the weights', async () => {
    const noConfig = join(root, 'no-config');
    mkdirSync(noConfig);
    await writeSafetensors(join(noConfig, 'm.safetensors'), [
      { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) },
    ]);
    await expect(loadDepthModel(noConfig)).rejects.toThrow(
      /config\.json: missing \(a safetensors depth model needs a config\.json/,
    );

    const badKernel = await writeShiftNet(join(root, 'bad-kernel'), {
      layers: [{ type: 'conv2d', name: 'shift', in_channels: 3, out_channels: 1, kernel_size: 0 }],
    });
    await expect(loadDepthModel(badKernel)).rejects.toThrow(/config\.json: layers\.0\.kernel_size: /);

    const chain = await writeShiftNet(join(root, 'chain'), {
      layers: [{ type: 'conv2d', name: 'shift', in_channels: 4, out_channels: 1, kernel_size: 3 }],
    });
    await expect(loadDepthModel(chain)).rejects.toThrow(
      /layers\.0 \(shift\) takes 4 channels but receives 3/,
    );

    const twoOut = await writeShiftNet(join(root, 'two-out'), {
      layers: [{ type: 'conv2d', name: 'shift', in_channels: 3, out_channels: 2, kernel_size: 3 }],
    });
    await expect(loadDepthModel(twoOut)).rejects.toThrow(/the last conv2d must output 1 channel/);

    const wrongShape = await writeShiftNet(join(root, 'wrong-shape'), {
      layers: [{ type: 'conv2d', name: 'shift', in_channels: 3, out_channels: 1, kernel_size: 5 }],
    });
    await expect(loadDepthModel(wrongShape)).rejects.toThrow(
      /tensor "shift\.weight" has shape \[1, 3, 3, 3\], config\.json needs \[1, 3, 5, 5\]/,
    );

    const missingTensor = await writeShiftNet(join(root, 'missing-tensor'), {
      layers: [{ type: 'conv2d', name: 'head', in_channels: 3, out_channels: 1, kernel_size: 3 }],
    });
    await expect(loadDepthModel(missingTensor)).rejects.toThrow(
      /tensor "head\.weight" is missing \(layer head\)/,
    );
  });

  it('keeps no tensors across repeated estimates', async () => {
    const shift = await writeShiftNet(join(root, 'leak'));
    const graph = writeGraphModel(join(root, 'leak-graph'), [1, 0, 0]);
    const img = ramp(40, 30, 1);
    await annotate('depth', img, { estimator: 'model', model: shift });
    await annotate('depth', img, { estimator: 'model', model: graph });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await annotate('depth', img, { estimator: 'model', model: shift });
      await annotate('depth', img, { estimator: 'model', model: graph });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
