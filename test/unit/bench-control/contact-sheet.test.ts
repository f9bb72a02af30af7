import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../../main/engine/io/image.ts';
import { drawContactSheet, shadeOutsideMask, sheetLayout } from '../../bench/control/contact-sheet.ts';

function solid(width: number, height: number, rgb: [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([...rgb, 255], i);
  return { width, height, data };
}

function pixel(img: RgbaImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 4;
  return Array.from(img.data.subarray(i, i + 4));
}

describe('contact sheet layout', () => {
  it('places cells with gaps around and between them, scaled', () => {
    const l = sheetLayout(2, 4, 64, 64, { scale: 2, gap: 4 });
    expect([l.width, l.height]).toEqual([4 * 128 + 5 * 4, 2 * 128 + 3 * 4]);
    expect(l.origin(0, 0)).toEqual({ x: 4, y: 4 });
    expect(l.origin(1, 3)).toEqual({ x: 4 + 3 * 132, y: 4 + 132 });
  });

  it('refuses empty grids and fractional scales', () => {
    expect(() => sheetLayout(0, 4, 8, 8, { scale: 1, gap: 0 })).toThrow(/at least 1 row/);
    expect(() => sheetLayout(1, 1, 8, 8, { scale: 1.5, gap: 0 })).toThrow(/scale must be a whole number/);
  });
});

describe('drawContactSheet', () => {
  it('draws each picture scaled by nearest neighbour in its cell; empty cells stay background', () => {
    const a: RgbaImage = {
      width: 2,
      height: 1,
      data: new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 255, 255]),
    };
    const b = solid(2, 1, [0, 255, 0]);
    const sheet = drawContactSheet(
      [
        [a, null],
        [null, b],
      ],
      { scale: 2, gap: 1, background: [9, 9, 9] },
    );
    expect([sheet.width, sheet.height]).toEqual([2 * 4 + 3, 2 * 2 + 3]);
    expect(pixel(sheet, 0, 0)).toEqual([9, 9, 9, 255]);
    // a's red pixel covers x 1..2, its blue one x 3..4, rows 1..2.
    expect(pixel(sheet, 1, 1)).toEqual([255, 0, 0, 255]);
    expect(pixel(sheet, 2, 2)).toEqual([255, 0, 0, 255]);
    expect(pixel(sheet, 3, 1)).toEqual([0, 0, 255, 255]);
    // Empty cell [0, 1] and [1, 0].
    expect(pixel(sheet, 6, 1)).toEqual([9, 9, 9, 255]);
    expect(pixel(sheet, 1, 4)).toEqual([9, 9, 9, 255]);
    expect(pixel(sheet, 6, 4)).toEqual([0, 255, 0, 255]);
    expect(pixel(sheet, 9, 5)).toEqual([0, 255, 0, 255]);
  });

  it('refuses pictures of different sizes, naming the cell, and a grid with no picture', () => {
    expect(() => drawContactSheet([[solid(4, 4, [0, 0, 0]), solid(2, 2, [0, 0, 0])]])).toThrow(
      /cell \[0, 1\] is 2x2/,
    );
    expect(() => drawContactSheet([[null]])).toThrow(/no pictures/);
  });

  it('darkens what lies outside a mask', () => {
    const img = solid(2, 1, [90, 90, 90]);
    const shaded = shadeOutsideMask(img, { values: [255, 0] });
    expect(pixel(shaded, 0, 0)).toEqual([90, 90, 90, 255]);
    expect(pixel(shaded, 1, 0)).toEqual([30, 30, 30, 255]);
    expect(pixel(img, 1, 0)).toEqual([90, 90, 90, 255]);
    expect(() => shadeOutsideMask(img, { values: [1] })).toThrow(/1 values, the picture 2 pixels/);
  });
});
