import { describe, expect, it } from 'vitest';
import {
  containRect,
  fitScene,
  MAX_ZOOM,
  screenToScene,
  zoomAt,
} from '../../../renderer/src/canvas/viewport.ts';

describe('viewport', () => {
  it('fits the scene centred with a margin', () => {
    const v = fitScene({ width: 512, height: 256 }, { width: 1000, height: 1000 }, 20);
    expect(v.zoom).toBeCloseTo(960 / 512, 9);
    expect(v.x).toBeCloseTo(20, 9);
    expect(v.y).toBeCloseTo((1000 - 256 * v.zoom) / 2, 9);
  });

  it('zooms about the pointer, keeping the scene point under it, within limits', () => {
    const v = { zoom: 1, x: 10, y: 20 };
    const pointer = { x: 300, y: 200 };
    const before = screenToScene(v, pointer);
    const z = zoomAt(v, 2, pointer);
    expect(z.zoom).toBe(2);
    const after = screenToScene(z, pointer);
    expect(after[0]).toBeCloseTo(before[0], 9);
    expect(after[1]).toBeCloseTo(before[1], 9);
    expect(zoomAt(v, 1000, pointer).zoom).toBe(MAX_ZOOM);
  });
});

describe('containRect', () => {
  it('keeps a picture’s proportions inside a canvas of another shape', () => {
    expect(containRect({ width: 64, height: 64 }, { width: 128, height: 64 })).toEqual({
      x: 32,
      y: 0,
      width: 64,
      height: 64,
    });
    expect(containRect({ width: 64, height: 64 }, { width: 64, height: 64 })).toEqual({
      x: 0,
      y: 0,
      width: 64,
      height: 64,
    });
    expect(containRect({ width: 0, height: 0 }, { width: 64, height: 32 })).toEqual({
      x: 0,
      y: 0,
      width: 64,
      height: 32,
    });
  });
});
