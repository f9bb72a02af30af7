import {
  OPENPOSE_COLORS,
  OPENPOSE_LIMBS,
  SKELETON_LIMB_DIM,
  skeletonSizes,
} from '../../../shared/pose/openpose.ts';
import type { PosePerson } from '../scene/types.ts';
import { type Bitmap, createBitmap, resampleBitmap } from './bitmap.ts';

function fillEllipse(
  map: Bitmap,
  cx: number,
  cy: number,
  halfLength: number,
  halfWidth: number,
  angle: number,
  rgb: readonly [number, number, number],
): void {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const reach = Math.max(halfLength, halfWidth) + 1;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(map.width - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(map.height - 1, Math.ceil(cy + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      const u = (px * cos + py * sin) / halfLength;
      const v = (-px * sin + py * cos) / halfWidth;
      if (u * u + v * v <= 1) {
        const i = (y * map.width + x) * 4;
        map.data[i] = rgb[0];
        map.data[i + 1] = rgb[1];
        map.data[i + 2] = rgb[2];
      }
    }
  }
}

/**
 * The OpenPose skeleton map pose-conditioned models were trained on (../shared/FORMATS.md):
 * black, limbs as ellipses in canonical order and colours, dimmed by 0.6, then the points.
 */
export function renderPoseMap(
  people: readonly PosePerson[],
  width: number,
  height: number,
  image: Bitmap | null = null,
): Bitmap {
  const map = createBitmap(width, height);
  const { limbHalfWidth, pointRadius } = skeletonSizes(width, height);
  OPENPOSE_LIMBS.forEach(([a, b], limb) => {
    for (const person of people) {
      const p = person.keypoints[a];
      const q = person.keypoints[b];
      if (!p || !q) continue;
      const length = Math.hypot(q[0] - p[0], q[1] - p[1]);
      if (length === 0) continue;
      fillEllipse(
        map,
        (p[0] + q[0]) / 2,
        (p[1] + q[1]) / 2,
        length / 2,
        limbHalfWidth,
        Math.atan2(q[1] - p[1], q[0] - p[0]),
        OPENPOSE_COLORS[limb]!,
      );
    }
  });
  for (let i = 0; i < map.data.length; i += 4) {
    map.data[i] = Math.floor(map.data[i]! * SKELETON_LIMB_DIM);
    map.data[i + 1] = Math.floor(map.data[i + 1]! * SKELETON_LIMB_DIM);
    map.data[i + 2] = Math.floor(map.data[i + 2]! * SKELETON_LIMB_DIM);
  }
  if (image) {
    // A picture under the skeleton (a restored map): limbs go over it, undimmed picture elsewhere.
    const base = resampleBitmap(image, width, height);
    for (let i = 0; i < map.data.length; i += 4) {
      if (map.data[i] || map.data[i + 1] || map.data[i + 2]) continue;
      map.data[i] = base.data[i]!;
      map.data[i + 1] = base.data[i + 1]!;
      map.data[i + 2] = base.data[i + 2]!;
    }
  }
  for (const person of people) {
    person.keypoints.forEach((p, j) => {
      if (p) fillEllipse(map, p[0], p[1], pointRadius, pointRadius, 0, OPENPOSE_COLORS[j]!);
    });
  }
  return map;
}
