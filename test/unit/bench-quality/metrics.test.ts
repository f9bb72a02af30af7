import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend.ts';
import { seededNoise } from '../../../main/engine/diffusion/noise.ts';
import { writePng } from '../../../main/engine/io/image.ts';
import { perPictureNoise } from '../../../test/bench/quality/generate-batch.ts';
import { loadPictures, readHeldout, seededPermutation } from '../../../test/bench/quality/heldout.ts';
import { as8bit, contactSheet, promptAccuracy, psnr8bit } from '../../../test/bench/quality/metrics.ts';

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = mkdtempSync(join(tmpdir(), 'bench-quality-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quality bench arithmetic', () => {
  it('PSNR on the 8-bit scale: one level off everywhere is 48.13 dB, identical pictures are capped', () => {
    const a = tf.fill([2, 4, 4, 3], -1) as tf.Tensor4D;
    const b = tf.concat([tf.fill([1, 4, 4, 3], -1 + 2 / 255), tf.fill([1, 4, 4, 3], -1)]) as tf.Tensor4D;
    const [off, same] = psnr8bit(a, b);
    expect(off).toBeCloseTo(20 * Math.log10(255), 3);
    expect(same).toBeGreaterThan(140);
    tf.dispose([a, b]);
  });

  it('turns a picture into what its PNG holds: clipped, 8-bit levels', () => {
    const x = tf.tensor4d([-1.5, -1, 0.001, 0.5, 2, 1 - 0.3 / 127.5], [1, 1, 2, 3]);
    const levels = tf.tidy(() => tf.round(tf.mul(tf.add(as8bit(x), 1), 127.5)).dataSync());
    expect([...levels]).toEqual([0, 0, 128, 191, 255, 255]);
    x.dispose();
  });

  it('prompt accuracy counts hits among the labelled pictures, beside both chances', () => {
    const r = promptAccuracy(['a', 'a', 'b', null, 'z'], ['a', 'b', 'b', 'a', 'a'], ['a', 'b', 'c', 'd']);
    expect(r.pictures).toBe(4);
    expect(r.accuracy).toBe(0.5);
    expect(r.chanceUniform).toBe(0.25);
    // labels a:2/4 b:1/4 z:1/4; predictions a:2/4 b:2/4 -> 0.5*0.5 + 0.25*0.5
    expect(r.chanceIndependent).toBeCloseTo(0.375, 12);
    expect(r.unknownLabels).toBe(1);
    expect(() => promptAccuracy(['a'], [], ['a', 'b'])).toThrow(/1 labels but 0 predictions/);
  });

  it('lays the contact sheet out in rows with gaps, each cell the picture itself', async () => {
    const pictures = tf.tidy(() =>
      tf.concat([tf.fill([1, 2, 3, 3], -1), tf.fill([1, 2, 3, 3], 1), tf.fill([1, 2, 3, 3], 0)]),
    ) as tf.Tensor4D;
    const sheet = await contactSheet(pictures, 2, 1);
    pictures.dispose();
    expect([sheet.width, sheet.height]).toEqual([2 * 3 + 3, 2 * 2 + 3]);
    const px = (x: number, y: number) => [
      ...sheet.data.slice((y * sheet.width + x) * 4, (y * sheet.width + x) * 4 + 4),
    ];
    expect(px(1, 1)).toEqual([0, 0, 0, 255]);
    expect(px(5, 2)).toEqual([255, 255, 255, 255]);
    expect(px(1, 4)).toEqual([128, 128, 128, 255]);
    expect(px(0, 0)).toEqual([40, 40, 40, 255]);
    expect(px(5, 4)).toEqual([40, 40, 40, 255]);
  });

  it('gives every picture of a batch its own seed stream, as a lone generation would draw it', () => {
    const source = perPictureNoise([7, 9]);
    const first = source.normal(8);
    const second = source.normal(4);
    const seven = seededNoise(7);
    const nine = seededNoise(9);
    expect([...first]).toEqual([...seven.normal(4), ...nine.normal(4)]);
    expect([...second]).toEqual([...seven.normal(2), ...nine.normal(2)]);
    expect(() => source.normal(3)).toThrow(/does not split over 2 pictures/);
  });

  it('draws a reproducible permutation', () => {
    const p = seededPermutation(50, 3);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(seededPermutation(50, 3)).toEqual(p);
    expect(seededPermutation(50, 4)).not.toEqual(p);
  });
});

describe('held-out pictures from the recipe datasets', () => {
  it('names the build command of every dataset that is missing', () => {
    const recipe = join(dir, 'recipe-missing.json');
    writeFileSync(
      recipe,
      JSON.stringify({
        datasets: [
          {
            name: 'figures',
            dir: 'nowhere/figures',
            command: 'npx scedit dataset build figures --out nowhere/figures',
          },
        ],
      }),
    );
    expect(() => readHeldout(recipe, dir)).toThrow(/npx scedit dataset build figures --out nowhere\/figures/);
  });

  it('reads captions, labels and pixels in [-1, 1]', async () => {
    const held = join(dir, 'ds', 'heldout');
    mkdirSync(held, { recursive: true });
    const data = new Uint8ClampedArray(4 * 4 * 4).fill(255);
    data[0] = 0;
    await writePng(join(held, 'a.png'), { width: 4, height: 4, data });
    writeFileSync(
      join(held, 'metadata.jsonl'),
      `${JSON.stringify({ file_name: 'a.png', text: 'a red figure', pose: 'standing' })}\n`,
    );
    const recipe = join(dir, 'recipe.json');
    writeFileSync(recipe, JSON.stringify({ datasets: [{ name: 'figures', dir: 'ds', command: 'x' }] }));
    const samples = readHeldout(recipe, dir);
    expect(samples).toEqual([
      { source: 'figures', file: join(held, 'a.png'), caption: 'a red figure', labels: { pose: 'standing' } },
    ]);
    const pictures = await loadPictures(samples, 4);
    expect(pictures.shape).toEqual([1, 4, 4, 3]);
    expect([...pictures.dataSync().slice(0, 4)]).toEqual([-1, 1, 1, 1]);
    pictures.dispose();
    await expect(loadPictures(samples, 8)).rejects.toThrow(/a\.png: 4x4, expected 8x8/);
  });
});
