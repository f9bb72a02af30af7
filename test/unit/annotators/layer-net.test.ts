import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { annotate } from '../../../main/annotators/annotate.ts';
import { loadDepthModel } from '../../../main/annotators/depth/model-depth.ts';
import { HeatmapPoseDetector } from '../../../main/annotators/pose/heatmap-pose.ts';
import { initBackend } from '../../../main/engine/backend.ts';
import { writeSafetensors } from '../../../main/engine/io/safetensors.ts';
import { blankImage } from './synthetic-images.ts';

const root = mkdtempSync(join(tmpdir(), 'scedit-layer-net-'));

beforeAll(async () => {
  await initBackend();
});

const conv1x1 = (name: string, cin: number, cout: number, activation = 'none') => ({
  type: 'conv2d',
  name,
  in_channels: cin,
  out_channels: cout,
  kernel_size: 1,
  activation,
});

describe('layer nets: skip connections and absolute depth levels', () => {
  // save the picture; 'red' keeps its red channel; concat the picture back (1 + 3 channels);
  // 'head' adds the kept red and the picture's red: 2 × red, × output_scale 100 = levels.
  async function writeSkipNet(dir: string, layers?: unknown[]): Promise<string> {
    mkdirSync(dir, { recursive: true });
    await writeSafetensors(join(dir, 'weights.safetensors'), [
      { name: 'red.weight', dtype: 'F32', shape: [1, 3, 1, 1], data: new Float32Array([1, 0, 0]) },
      { name: 'red.bias', dtype: 'F32', shape: [1], data: new Float32Array([0]) },
      { name: 'head.weight', dtype: 'F32', shape: [1, 4, 1, 1], data: new Float32Array([1, 1, 0, 0]) },
      { name: 'head.bias', dtype: 'F32', shape: [1], data: new Float32Array([0]) },
    ]);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        architecture: 'scedit-depth-convnet',
        output_scale: 100,
        layers: layers ?? [
          { type: 'save', name: 'picture' },
          conv1x1('red', 3, 1),
          { type: 'concat', name: 'picture' },
          conv1x1('head', 4, 1),
        ],
      }),
    );
    return dir;
  }

  it('concatenates a saved activation and keeps output × output_scale as map levels', async () => {
    const dir = await writeSkipNet(join(root, 'skip'));
    const img = blankImage(8, 4);
    for (let i = 0; i < 32; i++) img.data[i * 4] = i < 16 ? 51 : 102; // red 0.2 and 0.4
    const { map } = await annotate('depth', img, { estimator: 'model', model: dir });
    // 2 × 0.2 × 100 = 40 and 2 × 0.4 × 100 = 80: taken as they are, not stretched to 0..255.
    expect(map.data[0]).toBe(40);
    expect(map.data[31 * 4]).toBe(80);
    // Levels past 255 are clipped, not rescaled.
    for (let i = 0; i < 32; i++) img.data[i * 4] = 255;
    const bright = await annotate('depth', img, { estimator: 'model', model: dir });
    expect(bright.map.data[0]).toBe(200);
  });

  it('names a concat of an activation nobody saved, and a wrong channel count after concat', async () => {
    const unsaved = await writeSkipNet(join(root, 'unsaved'), [
      conv1x1('red', 3, 1),
      { type: 'concat', name: 'picture' },
      conv1x1('head', 4, 1),
    ]);
    await expect(loadDepthModel(unsaved)).rejects.toThrow(
      /layers\.1 concatenates "picture", which no earlier "save" layer stored/,
    );
    const wrong = await writeSkipNet(join(root, 'wrong'), [
      { type: 'save', name: 'picture' },
      conv1x1('red', 3, 1),
      { type: 'concat', name: 'picture' },
      conv1x1('head', 3, 1),
    ]);
    await expect(loadDepthModel(wrong)).rejects.toThrow(/layers\.3 \(head\) takes 3 channels but receives 4/);
  });
});

describe('heat-map pose network', () => {
  // Channel 0 (nose) lights up on red pixels, the other 17 stay dark: sigmoid(20 red - 10).
  async function writeNoseNet(dir: string, extra: Record<string, unknown> = {}): Promise<string> {
    mkdirSync(dir, { recursive: true });
    const w = new Float32Array(18 * 3);
    w[0] = 20;
    const b = new Float32Array(18).fill(-10);
    await writeSafetensors(join(dir, 'weights.safetensors'), [
      { name: 'head.weight', dtype: 'F32', shape: [18, 3, 1, 1], data: w },
      { name: 'head.bias', dtype: 'F32', shape: [18], data: b },
    ]);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        architecture: 'scedit-pose-heatmap',
        input_size: 16,
        keypoints: 'openpose-18',
        min_score: 0.5,
        layers: [conv1x1('head', 3, 18, 'sigmoid')],
        ...extra,
      }),
    );
    return join(dir, 'weights.safetensors');
  }

  it('places a point at its heat map peak, in the picture pixels, and leaves dark channels out', async () => {
    const detector = await HeatmapPoseDetector.load(await writeNoseNet(join(root, 'nose')));
    try {
      // A 2×2 red block at x 10..11, y 6..7 of a 32×32 picture: heat-map cell (5, 3) of 16×16.
      const img = blankImage(32, 32);
      for (const [x, y] of [
        [10, 6],
        [11, 6],
        [10, 7],
        [11, 7],
      ])
        img.data[(y! * 32 + x!) * 4] = 255;
      const points = await detector.detect(img);
      expect(points).toHaveLength(18);
      expect(points[0]!.x).toBeCloseTo(11, 3);
      expect(points[0]!.y).toBeCloseTo(7, 3);
      expect(points[0]!.confidence).toBeGreaterThan(0.99);
      expect(points.slice(1).every((p) => p === null)).toBe(true);
      expect((await detector.detect(img, { minKeypointScore: 1 }))[0]).toBeNull();

      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await detector.detect(img);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      detector.dispose();
    }
  });

  it('names a config that does not make 18 heat maps, and missing files', async () => {
    const dir = join(root, 'seventeen');
    await writeNoseNet(dir, { layers: [conv1x1('head', 3, 17, 'sigmoid')] });
    await expect(HeatmapPoseDetector.load(join(dir, 'weights.safetensors'))).rejects.toThrow(
      /must output 18 heat maps \(one per OpenPose point\), not 17/,
    );
    await expect(HeatmapPoseDetector.load(join(root, 'nowhere', 'weights.safetensors'))).rejects.toThrow(
      /nowhere\/weights\.safetensors: the pose network's weights are missing/,
    );
    const badKind = join(root, 'bad-kind');
    await writeNoseNet(badKind, { keypoints: 'coco-17' });
    await expect(HeatmapPoseDetector.load(join(badKind, 'weights.safetensors'))).rejects.toThrow(
      /config\.json: keypoints: /,
    );
  });
});
