import { describe, expect, it } from 'vitest';
import { dilate, otsuThreshold, scribbleStrokes, zhangSuenThin } from '../../../main/annotators/scribble.ts';
import { readImage } from '../../../main/engine/io/image.ts';
import { skimagePhoto } from './skimage-photos.ts';
import { blankImage, noiseImage, strokeSegment, strokesImage } from './synthetic-images.ts';

function count(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) if (v) n++;
  return n;
}

/** 2x2 blocks fully on: a 1-pixel-wide skeleton has (almost) none. */
function solidBlocks(mask: Uint8Array, width: number, height: number): number {
  let n = 0;
  for (let y = 0; y + 1 < height; y++)
    for (let x = 0; x + 1 < width; x++)
      if (
        mask[y * width + x] &&
        mask[y * width + x + 1] &&
        mask[(y + 1) * width + x] &&
        mask[(y + 1) * width + x + 1]
      )
        n++;
  return n;
}

describe('zhangSuenThin', () => {
  it('thins a thick bar to a one-pixel line along its middle', () => {
    const w = 40;
    const h = 11;
    const mask = new Uint8Array(w * h);
    for (let y = 3; y <= 7; y++) for (let x = 5; x < 35; x++) mask[y * w + x] = 1;
    zhangSuenThin(mask, w, h);
    for (let x = 8; x < 32; x++) {
      const column = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((y) => mask[y * w + x]);
      expect(column).toEqual([5]);
    }
  });

  it('keeps a line that is already thin', () => {
    const w = 20;
    const mask = new Uint8Array(w * w);
    for (let i = 2; i < 18; i++) mask[i * w + i] = 1;
    const before = Uint8Array.from(mask);
    zhangSuenThin(mask, w, w);
    expect(count(mask)).toBeGreaterThanOrEqual(count(before) - 2);
  });
});

describe('dilate', () => {
  it('grows a point to a disc of the stroke width', () => {
    const mask = new Uint8Array(81);
    mask[4 * 9 + 4] = 1;
    expect(count(dilate(mask, 9, 9, 3))).toBe(9);
    expect(count(dilate(mask, 9, 9, 5))).toBe(21);
    expect(count(dilate(mask, 9, 9, 1))).toBe(1);
  });
});

describe('scribbleStrokes', () => {
  it('turns a pen sketch into thin strokes that lie on the pen lines', () => {
    const sketch = strokesImage(192, 4);
    const { strokes, source } = scribbleStrokes(sketch, { strokeWidth: 1 });
    expect(source).toBe('sketch');
    expect(count(strokes)).toBeGreaterThan(300);
    expect(solidBlocks(strokes, 192, 192)).toBeLessThan(count(strokes) * 0.01);
    // Every stroke pixel sits on ink (dark in the sketch).
    let onInk = 0;
    for (let i = 0; i < strokes.length; i++) if (strokes[i] && sketch.data[i * 4]! < 200) onInk++;
    expect(onInk / count(strokes)).toBeGreaterThan(0.98);
  });

  it('works for light strokes on a dark board too, and with a given threshold', () => {
    const board = blankImage(64, 64, [10, 10, 10]);
    strokeSegment(board, [250, 250, 250], [5, 32], [58, 32], 5);
    const { strokes } = scribbleStrokes(board, { source: 'sketch', strokeWidth: 1, threshold: 128 });
    const column = Array.from({ length: 64 }, (_, y) => y).filter((y) => strokes[y * 64 + 30]);
    expect(column).toHaveLength(1);
    expect(column[0]).toBeGreaterThanOrEqual(30);
    expect(column[0]).toBeLessThanOrEqual(33);
  });

  it('takes edges first from a photo, then thins them', async () => {
    const photo = await readImage(skimagePhoto('camera.png'));
    const { strokes, source } = scribbleStrokes(photo);
    expect(source).toBe('photo');
    const share = count(strokes) / strokes.length;
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.35);
    const thin = scribbleStrokes(noiseImage(128, 3), { source: 'photo', strokeWidth: 1 }).strokes;
    expect(solidBlocks(thin, 128, 128)).toBeLessThan(count(thin) * 0.01);
  });

  it('is deterministic and refuses bad options', () => {
    const img = strokesImage(64, 9);
    expect(scribbleStrokes(img).strokes).toEqual(scribbleStrokes(img).strokes);
    expect(() => scribbleStrokes(img, { strokeWidth: 0 })).toThrow(/strokeWidth/);
    expect(() => scribbleStrokes(img, { threshold: 300 })).toThrow(/threshold/);
  });

  it("Otsu's threshold splits two levels between them", () => {
    const g = new Uint8Array(100).fill(40);
    g.fill(200, 60);
    const t = otsuThreshold(g);
    expect(t).toBeGreaterThanOrEqual(40);
    expect(t).toBeLessThan(200);
  });
});
