import type { Bitmap } from '../raster/bitmap.ts';
import { renderConditionMap } from '../raster/condition-map.ts';
import { isInsideMask } from '../raster/mask-map.ts';
import type { ConditionLayer } from '../scene/types.ts';

/**
 * What the artist sees of a layer is its condition map itself (so the screen never disagrees
 * with what the engine gets); only black is made see-through on edge and pose layers so the
 * picture underneath shows.
 */
export function displayPixels(layer: ConditionLayer, map: Bitmap): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(map.data);
  if (layer.kind !== 'depth') {
    for (let i = 0; i < out.length; i += 4) out[i + 3] = Math.max(out[i]!, out[i + 1]!, out[i + 2]!);
  }
  const mask = layer.mask;
  if (mask) {
    // Outside its region the layer has no effect: show it faint there.
    for (let y = 0; y < map.height; y++) {
      for (let x = 0; x < map.width; x++) {
        if (!isInsideMask(mask, x + 0.5, y + 0.5)) {
          const i = (y * map.width + x) * 4 + 3;
          out[i] = out[i]! * OUTSIDE_MASK_ALPHA;
        }
      }
    }
  }
  return out;
}

const OUTSIDE_MASK_ALPHA = 0.25;

interface Cached {
  readonly width: number;
  readonly height: number;
  readonly image: Bitmap | null;
  readonly canvas: HTMLCanvasElement;
}

const cache = new WeakMap<ConditionLayer, Cached>();

/** A canvas of the layer's display pixels; layers are immutable, so the layer object is the cache key. */
export function layerDisplayCanvas(
  layer: ConditionLayer,
  width: number,
  height: number,
  image: Bitmap | null,
): HTMLCanvasElement {
  const hit = cache.get(layer);
  if (hit && hit.width === width && hit.height === height && hit.image === image) return hit.canvas;
  const map = renderConditionMap(layer, width, height, image);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw on a 2D canvas');
  ctx.putImageData(new ImageData(displayPixels(layer, map), width, height), 0, 0);
  cache.set(layer, { width, height, image, canvas });
  return canvas;
}
