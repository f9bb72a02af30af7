// The skeleton map pose-conditioned models were trained on, drawn from an OpenPose document:
// black background; each limb a filled ellipse in its colour, in canonical order; the limb layer
// multiplied by 0.6; then each point a disc in its colour (../shared/FORMATS.md).

import {
  OPENPOSE_COLORS,
  OPENPOSE_LIMBS,
  SKELETON_LIMB_DIM,
  skeletonSizes,
} from '../../../shared/pose/openpose.ts';
import type { PoseDocument } from '../../../shared/pose/openpose-json.ts';
import type { RgbaImage } from '../../engine/io/image.ts';
import { AnnotatorError, checkOutputSide } from '../annotator-error.ts';
import { blackCanvas, canvasToRgba, fillDisc, fillEllipse, scaleCanvas } from './raster.ts';

/**
 * Draws `doc` at `width` × `height` (default: its canvas size; other sizes scale the
 * coordinates, and the stroke sizes follow the shorter side: 4 px at 512).
 */
export function renderSkeletonMap(
  doc: PoseDocument,
  width = doc.canvasWidth,
  height = doc.canvasHeight,
): RgbaImage {
  checkOutputSide(width, 'skeleton map width');
  checkOutputSide(height, 'skeleton map height');
  if (!(doc.canvasWidth > 0 && doc.canvasHeight > 0))
    throw new AnnotatorError(`pose canvas has no size (${doc.canvasWidth}x${doc.canvasHeight})`);
  const sx = width / doc.canvasWidth;
  const sy = height / doc.canvasHeight;
  const { limbHalfWidth, pointRadius } = skeletonSizes(width, height);
  const canvas = blackCanvas(width, height);
  for (const [i, [from, to]] of OPENPOSE_LIMBS.entries()) {
    for (const person of doc.people) {
      const a = person.body[from];
      const b = person.body[to];
      if (!a || !b) continue;
      const ax = a.x * sx;
      const ay = a.y * sy;
      const bx = b.x * sx;
      const by = b.y * sy;
      const length = Math.hypot(bx - ax, by - ay);
      fillEllipse(
        canvas,
        (ax + bx) / 2,
        (ay + by) / 2,
        length / 2,
        limbHalfWidth,
        Math.atan2(by - ay, bx - ax),
        OPENPOSE_COLORS[i]!,
      );
    }
  }
  scaleCanvas(canvas, SKELETON_LIMB_DIM);
  for (const person of doc.people) {
    person.body.forEach((p, j) => {
      if (p) fillDisc(canvas, p.x * sx, p.y * sy, pointRadius, OPENPOSE_COLORS[j]!);
    });
  }
  return canvasToRgba(canvas);
}
