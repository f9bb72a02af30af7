// A keypoint heat-map network for the 18 OpenPose body points (the figure world's pose estimator,
// scripts/annotators/train_figure_pose.py): safetensors + config.json beside it, the layers as in
// ../layer-net.ts, 18 sigmoid output channels, one per OpenPose slot. A point is where its
// channel peaks (refined by the 3×3 centroid around the peak) and is kept when the peak reaches
// min_score: the network was trained to leave hidden points' channels at zero. One person.
//   {"architecture": "scedit-pose-heatmap", "input_size": 64, "input_mean": [0, 0, 0],
//    "input_std": [1, 1, 1], "keypoints": "openpose-18", "min_score": 0.3, "layers": [...]}
// The picture is stretched to the input size, so points map back per axis.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { OPENPOSE_BODY_POINTS } from '../../../shared/pose/openpose.ts';
import type { PoseKeypoint } from '../../../shared/pose/openpose-json.ts';
import type { RgbaImage } from '../../engine/io/image.ts';
import { checkAnnotatorImage } from '../annotator-error.ts';
import { describeZodIssues } from '../depth/depth-model-config.ts';
import { depthModelInput } from '../depth/run-depth-model.ts';
import { ModelFileError } from '../graph-model-file.ts';
import { checkLayerChannels, LayerNet, layerListSchema } from '../layer-net.ts';

export const HEATMAP_POSE_ARCHITECTURE = 'scedit-pose-heatmap';

const side = z.number().int().min(8).max(4096);

export const heatmapPoseConfigSchema = z.object({
  architecture: z.literal(HEATMAP_POSE_ARCHITECTURE),
  input_size: z.union([side, z.tuple([side, side])]),
  input_mean: z.tuple([z.number(), z.number(), z.number()]).default([0, 0, 0]),
  input_std: z
    .tuple([z.number().positive(), z.number().positive(), z.number().positive()])
    .default([1, 1, 1]),
  keypoints: z.literal('openpose-18'),
  min_score: z.number().min(0).max(1).default(0.3),
  layers: layerListSchema,
});

export type HeatmapPoseConfig = z.infer<typeof heatmapPoseConfigSchema>;

export interface HeatmapPoseOptions {
  /** Points whose heat-map peak is below this are left out (default: the config's min_score). */
  minKeypointScore?: number;
}

export class HeatmapPoseDetector {
  private constructor(
    private readonly config: HeatmapPoseConfig,
    private readonly net: LayerNet,
    readonly path: string,
  ) {}

  /** `weightsPath` is the .safetensors file; config.json sits beside it. */
  static async load(weightsPath: string): Promise<HeatmapPoseDetector> {
    const configPath = join(dirname(weightsPath), 'config.json');
    if (!existsSync(weightsPath))
      throw new ModelFileError(`${weightsPath}: the pose network's weights are missing`);
    if (!existsSync(configPath))
      throw new ModelFileError(`${configPath}: missing (a heat-map pose model needs its config.json)`);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (err) {
      throw new ModelFileError(
        `${configPath}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const parsed = heatmapPoseConfigSchema.safeParse(json);
    if (!parsed.success) throw new ModelFileError(`${configPath}: ${describeZodIssues(parsed.error)}`);
    const config = parsed.data;
    const channels = checkLayerChannels(config.layers, 3, configPath);
    if (channels !== OPENPOSE_BODY_POINTS)
      throw new ModelFileError(
        `${configPath}: the network must output ${OPENPOSE_BODY_POINTS} heat maps (one per OpenPose point), not ${channels}`,
      );
    const net = await LayerNet.load(weightsPath, config.layers);
    return new HeatmapPoseDetector(config, net, weightsPath);
  }

  /** The 18 OpenPose points of the one figure in `image`, in its pixels; null where not found. */
  async detect(image: RgbaImage, options: HeatmapPoseOptions = {}): Promise<(PoseKeypoint | null)[]> {
    checkAnnotatorImage(image);
    const s = this.config.input_size;
    const [inH, inW] = typeof s === 'number' ? [s, s] : s;
    const heat = tf.tidy(() => {
      const out = this.net.forward(depthModelInput(image, [inH, inW], this.config));
      return tf.squeeze(out, [0]) as tf.Tensor3D;
    });
    const [h, w, k] = heat.shape;
    let values: Float32Array;
    try {
      values = (await heat.data()) as Float32Array;
    } finally {
      heat.dispose();
    }
    const minScore = options.minKeypointScore ?? this.config.min_score;
    const toX = (inW / w) * (image.width / inW);
    const toY = (inH / h) * (image.height / inH);
    const at = (y: number, x: number, c: number) =>
      y < 0 || x < 0 || y >= h || x >= w ? 0 : values[(y * w + x) * k + c]!;
    const points: (PoseKeypoint | null)[] = [];
    for (let c = 0; c < k; c++) {
      let best = -1;
      let bx = 0;
      let by = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const v = values[(y * w + x) * k + c]!;
          if (v > best) {
            best = v;
            bx = x;
            by = y;
          }
        }
      if (!(best >= minScore)) {
        points.push(null);
        continue;
      }
      let total = 0;
      let sx = 0;
      let sy = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const v = at(by + dy, bx + dx, c);
          total += v;
          sx += v * dx;
          sy += v * dy;
        }
      const cx = bx + (total > 0 ? sx / total : 0);
      const cy = by + (total > 0 ? sy / total : 0);
      points.push({ x: (cx + 0.5) * toX, y: (cy + 0.5) * toY, confidence: best });
    }
    return points;
  }

  dispose(): void {
    this.net.dispose();
  }
}
