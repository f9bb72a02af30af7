import { OPENPOSE_BODY_POINTS } from '../../../shared/pose/openpose.ts';
import { newId } from './ids.ts';
import type { Point, PosePerson } from './types.ts';

// A person standing, facing the viewer, in a box one unit tall (x centred on 0.5). Their right
// side is on the picture's left, as OpenPose labels it.
const STANDING: readonly Point[] = [
  [0.5, 0.12],
  [0.5, 0.22],
  [0.38, 0.22],
  [0.33, 0.38],
  [0.3, 0.52],
  [0.62, 0.22],
  [0.67, 0.38],
  [0.7, 0.52],
  [0.43, 0.52],
  [0.42, 0.72],
  [0.42, 0.92],
  [0.57, 0.52],
  [0.58, 0.72],
  [0.58, 0.92],
  [0.48, 0.1],
  [0.52, 0.1],
  [0.45, 0.11],
  [0.55, 0.11],
];

/** Left/right point pairs: mirroring a person swaps them so limbs keep their true sides. */
const LEFT_RIGHT_PAIRS: readonly (readonly [number, number])[] = [
  [2, 5],
  [3, 6],
  [4, 7],
  [8, 11],
  [9, 12],
  [10, 13],
  [14, 15],
  [16, 17],
];

/** A standing person `height` pixels tall whose box is centred on `center`. */
export function standingPerson(center: Point, height: number, id = newId('person')): PosePerson {
  const keypoints = STANDING.map(
    ([x, y]): Point => [center[0] + (x - 0.5) * height, center[1] + (y - 0.5) * height],
  );
  return { id, keypoints };
}

export function personBounds(
  person: PosePerson,
): { x: number; y: number; width: number; height: number } | null {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const p of person.keypoints) {
    if (!p) continue;
    minX = Math.min(minX, p[0]);
    minY = Math.min(minY, p[1]);
    maxX = Math.max(maxX, p[0]);
    maxY = Math.max(maxY, p[1]);
  }
  if (minX > maxX) return null;
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

function mapPoints(person: PosePerson, f: (p: Point) => Point): PosePerson {
  return { ...person, keypoints: person.keypoints.map((p) => (p ? f(p) : null)) };
}

export function translatePerson(person: PosePerson, dx: number, dy: number): PosePerson {
  return mapPoints(person, ([x, y]) => [x + dx, y + dy]);
}

/** Scales about the centre of the person's bounding box. */
export function scalePerson(person: PosePerson, factor: number): PosePerson {
  const b = personBounds(person);
  if (!b) return person;
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2;
  return mapPoints(person, ([x, y]) => [cx + (x - cx) * factor, cy + (y - cy) * factor]);
}

/** The person's mirror image about their vertical centre line, left and right swapped. */
export function mirrorPerson(person: PosePerson): PosePerson {
  const b = personBounds(person);
  if (!b) return person;
  const axis2 = 2 * b.x + b.width;
  const flipped = person.keypoints.map((p): Point | null => (p ? [axis2 - p[0], p[1]] : null));
  for (const [r, l] of LEFT_RIGHT_PAIRS) {
    const right = flipped[r] ?? null;
    flipped[r] = flipped[l] ?? null;
    flipped[l] = right;
  }
  return { ...person, keypoints: flipped };
}

export function moveJoint(person: PosePerson, joint: number, to: Point): PosePerson {
  if (!Number.isInteger(joint) || joint < 0 || joint >= OPENPOSE_BODY_POINTS) {
    throw new Error(`Joint ${joint} is not an OpenPose body point (0..${OPENPOSE_BODY_POINTS - 1})`);
  }
  const keypoints = [...person.keypoints];
  while (keypoints.length < OPENPOSE_BODY_POINTS) keypoints.push(null);
  keypoints[joint] = to;
  return { ...person, keypoints };
}
