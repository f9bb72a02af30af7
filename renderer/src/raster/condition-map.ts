import type { ConditionLayer } from '../scene/types.ts';
import type { Bitmap } from './bitmap.ts';
import { renderDepthMap } from './depth-map.ts';
import { renderEdgeMap } from './edge-map.ts';
import { renderPoseMap } from './pose-map.ts';

/**
 * The condition bitmap the engine receives for a layer, at the scene's size. `image` is the
 * layer's picture already decoded (decoding needs the DOM; this function does not).
 */
export function renderConditionMap(
  layer: ConditionLayer,
  width: number,
  height: number,
  image: Bitmap | null = null,
): Bitmap {
  switch (layer.kind) {
    case 'edge':
    case 'scribble':
      return renderEdgeMap(layer, width, height, image);
    case 'depth':
      return renderDepthMap(layer, width, height, image);
    case 'pose':
      return renderPoseMap(layer.people, width, height, image);
  }
}
