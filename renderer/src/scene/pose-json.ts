import {
  type PoseDocument,
  type PoseKeypoint,
  parseOpenPoseJson,
  serializeOpenPoseJson,
} from '../../../shared/pose/openpose-json.ts';
import { newId } from './ids.ts';
import type { Point, PosePerson } from './types.ts';

/** The layer's people as OpenPose JSON for a canvas of this size (pixel coordinates). */
export function peopleToOpenPoseJson(people: readonly PosePerson[], width: number, height: number): string {
  const doc: PoseDocument = {
    canvasWidth: width,
    canvasHeight: height,
    people: people.map((p) => ({
      body: Array.from({ length: 18 }, (_, i): PoseKeypoint | null => {
        const point = p.keypoints[i];
        return point ? { x: point[0], y: point[1], confidence: 1 } : null;
      }),
    })),
  };
  return serializeOpenPoseJson(doc);
}

/**
 * People from OpenPose JSON, scaled from the file's canvas to ours. Hands and faces are not
 * edited by the studio and are dropped; `droppedParts` says how many were.
 */
export function peopleFromOpenPoseJson(
  text: string,
  width: number,
  height: number,
  name = 'pose JSON',
): { people: PosePerson[]; droppedParts: number } {
  const { document } = parseOpenPoseJson(text, { name, defaultCanvas: { width, height } });
  const sx = width / document.canvasWidth;
  const sy = height / document.canvasHeight;
  let droppedParts = 0;
  const people = document.people.map((p): PosePerson => {
    droppedParts += [p.handLeft, p.handRight, p.face].filter(Boolean).length;
    return {
      id: newId('person'),
      keypoints: p.body.map((k): Point | null => (k ? [k.x * sx, k.y * sy] : null)),
    };
  });
  return { people, droppedParts };
}
