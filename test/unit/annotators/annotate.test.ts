import { describe, expect, it } from 'vitest';
import type { AnnotatorKind } from '../../../main/annotators/annotate.ts';
import { annotate } from '../../../main/annotators/annotate.ts';
import { AnnotatorError } from '../../../main/annotators/annotator-error.ts';
import { shapesImage, strokesImage } from './synthetic-images.ts';

describe('annotate', () => {
  const photo = shapesImage(120, 3);

  it('makes each map at the requested size, any input aspect', async () => {
    const wide = shapesImage(90, 4);
    const tall = { width: 30, height: 90, data: wide.data.slice(0, 30 * 90 * 4) };
    for (const kind of ['canny', 'scribble', 'depth'] as AnnotatorKind[]) {
      for (const img of [wide, tall]) {
        for (const fit of ['cover', 'contain', 'fill'] as const) {
          const { map } = await annotate(kind, img, { width: 64, height: 48, fit });
          expect([kind, map.width, map.height]).toEqual([kind, 64, 48]);
          expect(map.data.length).toBe(64 * 48 * 4);
        }
      }
    }
    // One side given: the other follows the picture's aspect.
    expect((await annotate('canny', tall, { width: 20 })).map.height).toBe(60);
    expect((await annotate('canny', tall, { height: 30 })).map.width).toBe(10);
    // None: the picture's own size.
    expect((await annotate('canny', photo)).map.width).toBe(120);
  });

  it('maps are white-on-black and opaque', async () => {
    const { map } = await annotate('canny', photo);
    const values = new Set<number>();
    for (let i = 0; i < map.data.length; i += 4) {
      values.add(map.data[i]!);
      expect(map.data[i + 3]).toBe(255);
    }
    expect([...values].sort((a, b) => a - b)).toEqual([0, 255]);
  });

  it('passes canny thresholds through', async () => {
    const count = (m: Uint8ClampedArray) => m.filter((v, i) => i % 4 === 0 && v === 255).length;
    const strict = await annotate('canny', strokesImage(96, 1), { low: 300, high: 600 });
    const loose = await annotate('canny', strokesImage(96, 1), { low: 20, high: 40 });
    expect(count(loose.map.data)).toBeGreaterThan(count(strict.map.data));
  });

  it('is deterministic', async () => {
    for (const kind of ['canny', 'scribble', 'depth'] as AnnotatorKind[]) {
      const a = await annotate(kind, photo, { width: 64, height: 64 });
      const b = await annotate(kind, photo, { width: 64, height: 64 });
      expect(Buffer.from(a.map.data).equals(Buffer.from(b.map.data))).toBe(true);
    }
  });

  it('refuses bad input with an error that names the problem', async () => {
    const bad = (kind: string, image: unknown, options?: unknown) =>
      annotate(kind as AnnotatorKind, image as never, options as never);
    await expect(bad('canny', 'a.png')).rejects.toThrow(AnnotatorError);
    await expect(bad('canny', 'a.png')).rejects.toThrow(/image is not an image/);
    await expect(bad('canny', null)).rejects.toThrow(/image is not an image/);
    await expect(bad('canny', { width: 0, height: 10, data: new Uint8ClampedArray(0) })).rejects.toThrow(
      /zero size \(0x10\)/,
    );
    await expect(bad('canny', { width: 2.5, height: 10, data: new Uint8ClampedArray(0) })).rejects.toThrow(
      /whole-number/,
    );
    await expect(bad('canny', { width: 4, height: 4, data: new Uint8ClampedArray(10) })).rejects.toThrow(
      /has 10 bytes of pixels, expected 64/,
    );
    await expect(bad('canny', { width: 4, height: 4, data: [1, 2, 3] })).rejects.toThrow(
      /no RGBA pixel data/,
    );
    // Refused from the header fields alone, before anything is allocated.
    await expect(
      bad('depth', { width: 100_000, height: 100_000, data: new Uint8ClampedArray(0) }),
    ).rejects.toThrow(/too large \(100000x100000\)/);
    await expect(bad('edges', photo)).rejects.toThrow(
      /unknown annotator "edges"; use one of: canny, pose, depth, scribble/,
    );
    await expect(bad('canny', photo, { low: -5 })).rejects.toThrow(/canny options: low: /);
    await expect(bad('canny', photo, { width: 0 })).rejects.toThrow(/canny options: width: /);
    await expect(bad('canny', photo, { width: 100_000 })).rejects.toThrow(/canny options: width: /);
    await expect(bad('canny', photo, { lowThreshold: 5 })).rejects.toThrow(/canny options: .*lowThreshold/);
    await expect(bad('scribble', photo, { source: 'painting' })).rejects.toThrow(
      /scribble options: source: /,
    );
    await expect(bad('pose', photo, { minKeypointScore: 2 })).rejects.toThrow(
      /pose options: minKeypointScore: /,
    );
    await expect(bad('depth', photo, { fit: 'stretch' })).rejects.toThrow(/depth options: fit: /);
  });
});
