import { describe, expect, it } from 'vitest';
import { displayPixels } from '../../../renderer/src/canvas/layer-display.ts';
import { renderConditionMap } from '../../../renderer/src/raster/condition-map.ts';
import { createLayer } from '../../../renderer/src/scene/scene-factory.ts';
import type { DepthLayer, EdgeLayer } from '../../../renderer/src/scene/types.ts';

describe('displayPixels', () => {
  it('makes black see-through on edge layers and fades them outside the region mask', () => {
    const layer: EdgeLayer = {
      ...(createLayer('edge') as EdgeLayer),
      strokes: [{ id: 's', tool: 'brush', points: [0, 4, 16, 4], width: 4 }],
      mask: { shape: 'rect', x: 0, y: 0, width: 8, height: 16, inverted: false },
    };
    const map = renderConditionMap(layer, 16, 16);
    const px = displayPixels(layer, map);
    const alpha = (x: number, y: number) => px[(y * 16 + x) * 4 + 3];
    expect(alpha(2, 4)).toBe(255);
    expect(alpha(12, 4)).toBe(Math.round(255 * 0.25));
    expect(alpha(2, 12)).toBe(0);
    // The engine's map itself is untouched.
    expect(map.data[(4 * 16 + 12) * 4 + 3]).toBe(255);
  });

  it('keeps depth opaque', () => {
    const layer = createLayer('depth') as DepthLayer;
    const px = displayPixels(layer, renderConditionMap(layer, 4, 4));
    expect(px[3]).toBe(255);
  });
});
