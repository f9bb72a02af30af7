import type { RegionMask } from '../scene/types.ts';
import type { Bitmap } from './bitmap.ts';
import { greyToBitmap } from './bitmap.ts';

export function isInsideMask(mask: RegionMask, x: number, y: number): boolean {
  let inside: boolean;
  if (mask.shape === 'rect') {
    inside = x >= mask.x && x < mask.x + mask.width && y >= mask.y && y < mask.y + mask.height;
  } else {
    const rx = mask.width / 2;
    const ry = mask.height / 2;
    const u = (x - mask.x - rx) / rx;
    const v = (y - mask.y - ry) / ry;
    inside = rx > 0 && ry > 0 && u * u + v * v <= 1;
  }
  return inside !== mask.inverted;
}

/** White where the layer applies, black where it does not. */
export function renderMaskMap(mask: RegionMask, width: number, height: number): Bitmap {
  const values = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) values[y * width + x] = isInsideMask(mask, x + 0.5, y + 0.5) ? 1 : 0;
  }
  return greyToBitmap(values, width, height);
}
