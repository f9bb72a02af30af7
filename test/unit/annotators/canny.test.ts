import { describe, expect, it } from 'vitest';
import { cannyEdges } from '../../../main/annotators/canny.ts';
import type { RgbaImage } from '../../../main/engine/io/image.ts';
import { loadOpenCv } from './opencv.ts';
import { blankImage, gradientImage, noiseImage, shapesImage, strokesImage } from './synthetic-images.ts';

async function opencvCanny(
  img: RgbaImage,
  opts: { low: number; high: number; l2?: boolean; blurSigma?: number; color: boolean },
): Promise<Uint8Array> {
  const { cv } = await loadOpenCv();
  const n = img.width * img.height;
  const channels = opts.color ? 3 : 1;
  const pixels = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    if (opts.color) for (let c = 0; c < 3; c++) pixels[i * 3 + c] = img.data[i * 4 + c]!;
    else
      pixels[i] =
        (img.data[i * 4]! * 4899 + img.data[i * 4 + 1]! * 9617 + img.data[i * 4 + 2]! * 1868 + 8192) >> 14;
  }
  const src = cv.matFromArray(img.height, img.width, opts.color ? cv.CV_8UC3 : cv.CV_8UC1, pixels);
  const dst = new cv.Mat();
  try {
    if (opts.blurSigma) {
      const blurred = new cv.Mat();
      cv.GaussianBlur(src, blurred, new cv.Size(0, 0), opts.blurSigma, opts.blurSigma, cv.BORDER_DEFAULT);
      cv.Canny(blurred, dst, opts.low, opts.high, 3, opts.l2 ?? false);
      blurred.delete();
    } else {
      cv.Canny(src, dst, opts.low, opts.high, 3, opts.l2 ?? false);
    }
    return new Uint8Array(dst.data);
  } finally {
    src.delete();
    dst.delete();
  }
}

function compare(ours: Uint8Array, theirs: Uint8Array): { agreement: number; edgeAgreement: number } {
  let same = 0;
  let union = 0;
  let both = 0;
  for (let i = 0; i < ours.length; i++) {
    if (ours[i] === theirs[i]) same++;
    if (ours[i] || theirs[i]) union++;
    if (ours[i] && theirs[i]) both++;
  }
  return { agreement: same / ours.length, edgeAgreement: union ? both / union : 1 };
}

const cases: [string, RgbaImage][] = [
  ['shapes', shapesImage(256, 1)],
  ['shapes (non-square)', shapesImage(200, 7)],
  ['gradients', gradientImage(256)],
  ['strokes', strokesImage(256, 3)],
  ['noise', noiseImage(256, 5)],
];

describe('cannyEdges against OpenCV', () => {
  for (const [name, img] of cases) {
    for (const color of [true, false]) {
      it(`${name}, ${color ? 'colour' : 'luminance'} gradients, 100/200`, async () => {
        const ours = cannyEdges(img, { color });
        const theirs = await opencvCanny(img, { low: 100, high: 200, color });
        const { agreement, edgeAgreement } = compare(ours, theirs);
        expect(agreement).toBeGreaterThanOrEqual(0.95);
        // Stricter than the pixel count, which a mostly-black map passes easily.
        expect(edgeAgreement).toBeGreaterThanOrEqual(0.95);
        // In fact it follows OpenCV to the pixel (same integer Sobel, bins and hysteresis).
        expect(agreement).toBe(1);
      });
    }
  }

  it('other thresholds and L2 magnitude', async () => {
    const img = noiseImage(192, 11);
    for (const [low, high, l2] of [
      [50, 150, false],
      [20, 60, true],
      [200, 100, false],
    ] as const) {
      const ours = cannyEdges(img, { low, high, l2Gradient: l2 });
      const theirs = await opencvCanny(img, { low, high, l2, color: true });
      expect(compare(ours, theirs).edgeAgreement).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('with a Gaussian blur first', async () => {
    const img = noiseImage(256, 21);
    const ours = cannyEdges(img, { blurSigma: 1.4, low: 50, high: 120 });
    const theirs = await opencvCanny(img, { low: 50, high: 120, blurSigma: 1.4, color: true });
    const { agreement, edgeAgreement } = compare(ours, theirs);
    expect(agreement).toBeGreaterThanOrEqual(0.95);
    expect(edgeAgreement).toBeGreaterThanOrEqual(0.9);
  });
});

describe('cannyEdges', () => {
  it('finds nothing in a flat image and the outline of a square', () => {
    expect(cannyEdges(blankImage(32, 32, [90, 90, 90])).every((v) => v === 0)).toBe(true);
    const img = blankImage(32, 32);
    for (let y = 8; y < 24; y++)
      for (let x = 8; x < 24; x++) img.data.set([255, 255, 255, 255], (y * 32 + x) * 4);
    const edges = cannyEdges(img);
    expect(edges[16 * 32 + 16]).toBe(0);
    expect(edges[16 * 32 + 7] || edges[16 * 32 + 8]).toBe(255);
    expect(edges[2 * 32 + 2]).toBe(0);
  });

  it('is deterministic and refuses bad input by name', () => {
    const img = shapesImage(64, 2);
    expect(cannyEdges(img)).toEqual(cannyEdges(img));
    expect(() => cannyEdges({ width: 0, height: 4, data: new Uint8ClampedArray(0) })).toThrow(/zero size/);
    expect(() => cannyEdges(img, { low: -1 })).toThrow(/low threshold/);
    expect(() => cannyEdges(img, { high: Number.NaN })).toThrow(/high threshold/);
  });
});
