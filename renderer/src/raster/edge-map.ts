import type { EdgeLayer } from '../scene/types.ts';
import { type Bitmap, bitmapToGrey, greyToBitmap, resampleBitmap } from './bitmap.ts';
import { forEachPixelNearPolyline } from './geometry.ts';

/** White strokes on black: the map canny- and scribble-conditioned tuners expect. */
export function renderEdgeMap(
  layer: EdgeLayer,
  width: number,
  height: number,
  image: Bitmap | null = null,
): Bitmap {
  const values = image
    ? bitmapToGrey(resampleBitmap(image, width, height))
    : new Float32Array(width * height);
  for (const stroke of layer.strokes) {
    const value = stroke.tool === 'brush' ? 1 : 0;
    forEachPixelNearPolyline(stroke.points, stroke.width / 2, width, height, (i) => {
      values[i] = value;
    });
  }
  return greyToBitmap(values, width, height);
}
