// controlFidelity on held-out figure scenes (the annotator fixtures): the rendered picture itself
// follows its own conditions; a blank picture follows none.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotate } from '../../../main/annotators/annotate.ts';
import { releasePoseDetectors } from '../../../main/annotators/pose/pose-annotator.ts';
import { initBackend } from '../../../main/engine/backend.ts';
import { controlFidelity } from '../../../main/engine/eval/control-fidelity.ts';
import { type RgbaImage, readImage } from '../../../main/engine/io/image.ts';
import { parseOpenPoseJson } from '../../../shared/pose/openpose-json.ts';

const dir = join(import.meta.dirname, '..', 'annotators', 'fixtures', 'figures');
let picture: RgbaImage;
let blank: RgbaImage;

beforeAll(async () => {
  await initBackend();
  picture = await readImage(join(dir, '000029.png'));
  blank = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(128) };
});

afterAll(async () => {
  await releasePoseDetectors();
});

describe('control fidelity of one picture', () => {
  it('canny: the picture scores F1 1 against its own edges, a blank one 0; inside/outside a region', async () => {
    const { map } = await annotate('canny', picture, { low: 100, high: 200 });
    const self = await controlFidelity({ kind: 'canny', map }, picture);
    expect(self.metric).toBe('edge-f1');
    expect(self.value).toBe(1);
    expect((await controlFidelity({ kind: 'canny', map }, blank)).value).toBe(0);
    // Left half of the picture kept, right half blank: control inside the left-half region only.
    const half: RgbaImage = { width: 64, height: 64, data: new Uint8ClampedArray(blank.data) };
    const region: RgbaImage = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4) };
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++) {
        const i = (y * 64 + x) * 4;
        if (x < 32) for (let c = 0; c < 4; c++) half.data[i + c] = picture.data[i + c]!;
        if (x < 28) region.data.fill(255, i, i + 4);
      }
    const split = await controlFidelity({ kind: 'canny', map }, half, { region });
    expect(split.inside!.f1).toBeGreaterThan(0.95);
    expect(split.outside!.f1).toBeLessThan(split.inside!.f1);
  });

  it('depth: the rendered picture is close to its exact depth, a blank picture is not', async () => {
    const map = await readImage(join(dir, '000029.depth.png'));
    const self = await controlFidelity({ kind: 'depth', map }, picture);
    expect(self.metric).toBe('depth-rmse');
    expect(self.value).toBeLessThan(20);
    expect((await controlFidelity({ kind: 'depth', map }, blank)).value).toBeGreaterThan(40);
  });

  it('pose: the rendered figure is found in its pose, a blank picture has none', async () => {
    const pose = parseOpenPoseJson(readFileSync(join(dir, '000029.pose.json'), 'utf8'), {
      name: 'fixture',
    }).document;
    const map = await readImage(join(dir, '000029.png'));
    const self = await controlFidelity({ kind: 'pose', map, pose }, picture);
    expect(self.metric).toBe('pck');
    expect(self.value).toBeGreaterThan(0.8);
    expect((await controlFidelity({ kind: 'pose', map, pose }, blank)).value).toBe(0);
    const figures = await controlFidelity({ kind: 'pose', map, pose }, picture, { poseEstimator: 'figures' });
    expect(figures.value).toBeGreaterThan(0.8);
    await expect(controlFidelity({ kind: 'pose', map }, picture)).rejects.toThrow(
      /needs the condition keypoints/,
    );
  });
});
