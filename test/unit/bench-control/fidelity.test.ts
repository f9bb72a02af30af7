import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerBuiltinDepthEstimators } from '../../../main/annotators/depth/builtin-depth-estimators.ts';
import { createDepthEstimator, depthMapToLevels } from '../../../main/annotators/depth/depth-estimator.ts';
import { grayToRgba } from '../../../main/annotators/gray.ts';
import { initBackend } from '../../../main/engine/backend.ts';
import { type RgbaImage, writePng } from '../../../main/engine/io/image.ts';
import { createJudge, visibleKeypoints } from '../../bench/control/fidelity.ts';
import { blankImage, paint } from '../annotators/synthetic-images.ts';

beforeAll(async () => {
  await initBackend();
});

/** A figure-world-like picture: sky, ground, and a box standing on it. */
function scene(shift: number): RgbaImage {
  const img = blankImage(64, 64, [120, 160, 220]);
  paint(img, [110, 90, 60], (_x, y) => y > 40);
  paint(img, [200, 40, 40], (x, y) => x > 20 + shift && x < 34 + shift && y > 22 && y < 44);
  return img;
}

async function sampleWith(picture: RgbaImage, depthMap?: RgbaImage) {
  const dir = mkdtempSync(join(tmpdir(), 'control-fidelity-'));
  const file = join(dir, 'p.png');
  await writePng(file, picture);
  const conditions: Record<string, string> = {};
  if (depthMap) {
    mkdirSync(join(dir, 'conditions', 'depth'), { recursive: true });
    conditions.depth = join(dir, 'conditions', 'depth', 'p.png');
    await writePng(conditions.depth, depthMap);
  }
  return { file, caption: 'a red box', conditions };
}

describe('control bench fidelity judges', () => {
  it('canny: a picture scores F1 1 against its own edges, a blank one 0', async () => {
    const judge = await createJudge('canny', 64);
    const picture = scene(0);
    const condition = await judge.load(await sampleWith(picture));
    expect(await judge.score(condition, picture)).toMatchObject({ metric: 'edgeF1', f1: 1 });
    const blank = await judge.score(condition, blankImage(64, 64, [90, 90, 90]));
    expect(blank).toMatchObject({ metric: 'edgeF1', recall: 0, f1: 0 });
    const moved = await judge.score(condition, scene(8));
    const f1 = (moved as { f1: number }).f1;
    expect(f1).toBeGreaterThan(0);
    expect(f1).toBeLessThan(1);
    await judge.dispose();
    // A model of another size gets maps at its size.
    const small = await createJudge('canny', 32);
    expect((await small.load(await sampleWith(picture))).map.width).toBe(32);
  });

  it('depth: the paired map is read, the generated picture estimated by the figure-world network', async () => {
    registerBuiltinDepthEstimators();
    const estimator = await createDepthEstimator('figures');
    const picture = scene(0);
    const depth = await estimator.estimate(picture);
    estimator.dispose?.();
    const ownDepth = grayToRgba(depthMapToLevels(depth), depth.width, depth.height);
    const judge = await createJudge('depth', 64);
    const condition = await judge.load(await sampleWith(picture, ownDepth));
    expect(condition.map.data).toEqual(ownDepth.data);
    const before = tf.memory().numTensors;
    const same = await judge.score(condition, picture);
    const other = await judge.score(condition, blankImage(64, 64, [30, 200, 30]));
    expect(tf.memory().numTensors).toBe(before);
    expect(same.metric).toBe('depthRmse');
    expect((same as { rmse: number }).rmse).toBeLessThan(1);
    expect((other as { rmse: number }).rmse).toBeGreaterThan(5);
    await judge.dispose();
    await expect(judge.load(await sampleWith(picture))).rejects.toThrow(/lists no depth map/);
  });

  it('pose: counts the condition keypoints PCK divides by, over every person', () => {
    const k = { x: 1, y: 2, confidence: 1 };
    const body = (n: number) => Array.from({ length: 18 }, (_, i) => (i < n ? k : null));
    expect(
      visibleKeypoints({
        canvasWidth: 64,
        canvasHeight: 64,
        people: [{ body: body(13) }, { body: body(2) }],
      }),
    ).toBe(15);
    expect(visibleKeypoints({ canvasWidth: 64, canvasHeight: 64, people: [] })).toBe(0);
  });
});
