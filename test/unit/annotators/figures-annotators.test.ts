// The shipped figure-world annotators (assets/annotators/figures-*) on nine held-out figure scenes
// committed as fixtures (picture, the renderer's exact depth, its OpenPose keypoints). The bounds
// sit a margin above (below, for PCK) what the shipped weights measured on these fixtures, so
// broken or swapped weights fail here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotate } from '../../../main/annotators/annotate.ts';
import { releasePoseDetectors } from '../../../main/annotators/pose/pose-annotator.ts';
import { initBackend } from '../../../main/engine/backend.ts';
import { depthRmse, planeFromRgba, posePck } from '../../../main/engine/eval/control-metrics.ts';
import { type RgbaImage, readImage } from '../../../main/engine/io/image.ts';
import { parseOpenPoseJson } from '../../../shared/pose/openpose-json.ts';

const dir = join(import.meta.dirname, 'fixtures', 'figures');
const NAMES = ['000002', '000017', '000019', '000029', '000033', '000056', '000076', '000094', '000159'];

// Measured on these nine pictures with the shipped weights: depth RMSE 12.99 levels (fitted
// grayscale 58.0), PCK@0.1 0.794 of 136 visible points (MoveNet 0.890). Held-out numbers:
// assets/annotators/README.md.
const MAX_FIGURES_DEPTH_RMSE = 16;
const MIN_FIGURES_PCK = 0.7;

interface Fixture {
  name: string;
  picture: RgbaImage;
  depth: RgbaImage;
  pose: ReturnType<typeof parseOpenPoseJson>['document'];
}

let fixtures: Fixture[] = [];

beforeAll(async () => {
  await initBackend();
  fixtures = await Promise.all(
    NAMES.map(async (name) => ({
      name,
      picture: await readImage(join(dir, `${name}.png`)),
      depth: await readImage(join(dir, `${name}.depth.png`)),
      pose: parseOpenPoseJson(readFileSync(join(dir, `${name}.pose.json`), 'utf8'), { name }).document,
    })),
  );
});

afterAll(async () => {
  await releasePoseDetectors();
});

/** RMSE over all fixtures' pixels, in 0..255 levels. */
async function pooledDepthRmse(estimator: string, fit: 'none' | 'affine'): Promise<number> {
  let sq = 0;
  let n = 0;
  for (const f of fixtures) {
    const { map } = await annotate('depth', f.picture, { estimator });
    const s = depthRmse(planeFromRgba(f.depth), planeFromRgba(map), { fit });
    sq += s.rmse ** 2 * s.pixels;
    n += s.pixels;
  }
  return Math.sqrt(sq / n);
}

describe('figures depth estimator (shipped)', () => {
  it('estimates the renderer depth in map levels, far better than the trivial estimators', async () => {
    const figures = await pooledDepthRmse('figures', 'none');
    const grayscale = await pooledDepthRmse('grayscale', 'affine');
    expect(figures).toBeLessThan(MAX_FIGURES_DEPTH_RMSE);
    expect(figures).toBeLessThan(grayscale / 3);
  });

  it('keeps no tensors across repeated estimates', async () => {
    const picture = fixtures[0]!.picture;
    await annotate('depth', picture, { estimator: 'figures' });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await annotate('depth', picture, { estimator: 'figures' });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('figures pose estimator (shipped)', () => {
  it('finds the keypoints of the figure: PCK@0.1 above the measured bound', async () => {
    let found = 0;
    let visible = 0;
    for (const f of fixtures) {
      const { pose, map } = await annotate('pose', f.picture, { estimator: 'figures' });
      expect(pose!.people.length).toBeLessThanOrEqual(1);
      expect([map.width, map.height]).toEqual([64, 64]);
      const s = posePck(f.pose, pose!);
      found += s.found;
      visible += s.visible;
    }
    expect(visible).toBeGreaterThan(100);
    expect(found / visible).toBeGreaterThanOrEqual(MIN_FIGURES_PCK);
  });

  it('places points in the map pixels when the map has another size', async () => {
    const f = fixtures[3]!;
    const small = (await annotate('pose', f.picture, { estimator: 'figures' })).pose!;
    const large = (await annotate('pose', f.picture, { estimator: 'figures', width: 128, height: 128 }))
      .pose!;
    expect(large.canvasWidth).toBe(128);
    const a = small.people[0]!.body.find((p) => p)!;
    const k = small.people[0]!.body.indexOf(a);
    expect(large.people[0]!.body[k]!.x).toBeCloseTo(a.x * 2, 3);
    expect(large.people[0]!.body[k]!.y).toBeCloseTo(a.y * 2, 3);
  });

  it('keeps no tensors across repeated detections', async () => {
    const picture = fixtures[0]!.picture;
    await annotate('pose', picture, { estimator: 'figures' });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await annotate('pose', picture, { estimator: 'figures' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
