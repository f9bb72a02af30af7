// Reading and writing the OpenPose JSON that pose editors exchange:
//   {"canvas_width": W, "canvas_height": H,
//    "people": [{"pose_keypoints_2d": [x0, y0, c0, ...], "hand_left_keypoints_2d": null, ...}]}
// In memory every coordinate is in pixels of the canvas and a missing point is `null`.
// Pure TypeScript: the renderer, the annotators and the dataset code all import this.
import {
  OPENPOSE_BODY_POINTS,
  OPENPOSE_FACE_POINTS,
  OPENPOSE_HAND_POINTS,
  OPENPOSE_MISSING_CONFIDENCE,
} from './openpose.ts';

export interface PoseKeypoint {
  /** Pixels from the canvas's left edge. */
  x: number;
  /** Pixels from the canvas's top edge. */
  y: number;
  confidence: number;
}

/** One point per slot; `null` where the point is missing (never guessed). */
export type PoseKeypoints = (PoseKeypoint | null)[];

export interface PosePerson {
  /** Exactly 18 slots in OpenPose order (see OPENPOSE_KEYPOINT_NAMES). */
  body: PoseKeypoints;
  /** 21 slots each when present. */
  handLeft?: PoseKeypoints | null;
  handRight?: PoseKeypoints | null;
  /** 70 slots when present. */
  face?: PoseKeypoints | null;
}

export interface PoseDocument {
  canvasWidth: number;
  canvasHeight: number;
  people: PosePerson[];
}

export type PoseCoordinates = 'pixels' | 'normalised';

/** The JSON object as it is written to disk. */
export interface OpenPoseJson {
  canvas_width: number;
  canvas_height: number;
  people: {
    pose_keypoints_2d: number[];
    hand_left_keypoints_2d: number[] | null;
    hand_right_keypoints_2d: number[] | null;
    face_keypoints_2d: number[] | null;
  }[];
}

export class PoseFormatError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(`${source}: ${message}`);
  }
}

export interface ParseOpenPoseOptions {
  /** How to name the input in errors (default "pose JSON"). */
  name?: string;
  /**
   * Canvas size to assume when the JSON has none (OpenPose's own output has no canvas fields):
   * usually the size of the image the pose belongs to.
   */
  defaultCanvas?: { width: number; height: number };
}

// OpenPose's BODY_25 model adds a mid-hip (8) and six foot points (19..24); the other 18 map
// onto the COCO-18 layout this way.
const BODY25_TO_OPENPOSE18 = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkCanvasSide(value: unknown, field: string, source: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 1 << 16)
    throw new PoseFormatError(
      `${field} must be a whole number of pixels from 1 to 65536, got ${JSON.stringify(value)}`,
      source,
    );
  return value;
}

/** Checks one flat `[x, y, c, ...]` array and returns it, or null when the field is absent/null. */
function readTriplets(
  value: unknown,
  field: string,
  points: readonly number[],
  source: string,
): number[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value))
    throw new PoseFormatError(`${field} must be an array of numbers or null`, source);
  // Some tools write an empty array for "no hand" / "no face".
  if (value.length === 0) return null;
  if (!points.some((n) => value.length === n * 3)) {
    const expected = points.map((n) => `${n * 3} (${n} points × x, y, confidence)`).join(' or ');
    throw new PoseFormatError(`${field} must hold ${expected} numbers, got ${value.length}`, source);
  }
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new PoseFormatError(`${field}[${i}] must be a finite number, got ${JSON.stringify(v)}`, source);
  }
  return value as number[];
}

function isMissing(x: number, y: number, c: number): boolean {
  return (x === -1 && y === -1) || c <= OPENPOSE_MISSING_CONFIDENCE;
}

function toKeypoints(
  triplets: number[],
  scaleX: number,
  scaleY: number,
  pick?: readonly number[],
): PoseKeypoints {
  const count = pick ? pick.length : triplets.length / 3;
  const out: PoseKeypoints = [];
  for (let k = 0; k < count; k++) {
    const i = pick ? pick[k]! : k;
    const x = triplets[3 * i]!;
    const y = triplets[3 * i + 1]!;
    const c = triplets[3 * i + 2]!;
    out.push(isMissing(x, y, c) ? null : { x: x * scaleX, y: y * scaleY, confidence: c });
  }
  return out;
}

function allPresentWithinUnit(arrays: (number[] | null)[]): boolean {
  let anyPresent = false;
  for (const a of arrays) {
    if (!a) continue;
    for (let i = 0; i < a.length; i += 3) {
      const x = a[i]!;
      const y = a[i + 1]!;
      if (isMissing(x, y, a[i + 2]!)) continue;
      anyPresent = true;
      if (Math.abs(x) > 1 || Math.abs(y) > 1) return false;
    }
  }
  return anyPresent;
}

export interface ParsedPose {
  document: PoseDocument;
  /** Which coordinates the file used (normalised when every present value was within ±1). */
  coordinates: PoseCoordinates;
}

/**
 * Parses OpenPose JSON text or an already-parsed value. Accepts pixel or normalised
 * coordinates, 18-point (COCO) or 25-point (BODY_25) bodies, and optional hands and face.
 */
export function parseOpenPoseJson(input: string | unknown, options: ParseOpenPoseOptions = {}): ParsedPose {
  const source = options.name ?? 'pose JSON';
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new PoseFormatError(
        `not valid JSON (${err instanceof Error ? err.message : String(err)})`,
        source,
      );
    }
  }
  if (!isRecord(value)) throw new PoseFormatError('must be a JSON object with a "people" array', source);

  let canvasWidth: number;
  let canvasHeight: number;
  if (value.canvas_width === undefined && value.canvas_height === undefined) {
    if (!options.defaultCanvas)
      throw new PoseFormatError(
        'canvas_width and canvas_height are missing and no image size was given',
        source,
      );
    canvasWidth = checkCanvasSide(options.defaultCanvas.width, 'the given canvas width', source);
    canvasHeight = checkCanvasSide(options.defaultCanvas.height, 'the given canvas height', source);
  } else {
    canvasWidth = checkCanvasSide(value.canvas_width, 'canvas_width', source);
    canvasHeight = checkCanvasSide(value.canvas_height, 'canvas_height', source);
  }

  if (!Array.isArray(value.people)) throw new PoseFormatError('"people" must be an array', source);
  const raw = value.people.map((person: unknown, p: number) => {
    const at = `people[${p}]`;
    if (!isRecord(person)) throw new PoseFormatError(`${at} must be an object`, source);
    const body = readTriplets(
      person.pose_keypoints_2d,
      `${at}.pose_keypoints_2d`,
      [OPENPOSE_BODY_POINTS, 25],
      source,
    );
    if (!body) throw new PoseFormatError(`${at}.pose_keypoints_2d is missing`, source);
    return {
      body,
      handLeft: readTriplets(
        person.hand_left_keypoints_2d,
        `${at}.hand_left_keypoints_2d`,
        [OPENPOSE_HAND_POINTS],
        source,
      ),
      handRight: readTriplets(
        person.hand_right_keypoints_2d,
        `${at}.hand_right_keypoints_2d`,
        [OPENPOSE_HAND_POINTS],
        source,
      ),
      face: readTriplets(person.face_keypoints_2d, `${at}.face_keypoints_2d`, [OPENPOSE_FACE_POINTS], source),
    };
  });

  const normalised = allPresentWithinUnit(raw.flatMap((r) => [r.body, r.handLeft, r.handRight, r.face]));
  const sx = normalised ? canvasWidth : 1;
  const sy = normalised ? canvasHeight : 1;
  const people: PosePerson[] = raw.map((r) => {
    const person: PosePerson = {
      body: toKeypoints(r.body, sx, sy, r.body.length === 75 ? BODY25_TO_OPENPOSE18 : undefined),
    };
    if (r.handLeft) person.handLeft = toKeypoints(r.handLeft, sx, sy);
    if (r.handRight) person.handRight = toKeypoints(r.handRight, sx, sy);
    if (r.face) person.face = toKeypoints(r.face, sx, sy);
    return person;
  });
  return {
    document: { canvasWidth, canvasHeight, people },
    coordinates: normalised ? 'normalised' : 'pixels',
  };
}

function fromKeypoints(
  points: PoseKeypoints,
  count: number,
  field: string,
  sx: number,
  sy: number,
): number[] {
  if (points.length !== count)
    throw new PoseFormatError(`${field} must have ${count} points, has ${points.length}`, 'pose');
  const out: number[] = [];
  for (const p of points) {
    if (p === null) out.push(-1, -1, 0);
    else out.push(p.x * sx, p.y * sy, p.confidence);
  }
  return out;
}

export interface SerializeOpenPoseOptions {
  /** Write pixels (default) or coordinates divided by the canvas size. */
  coordinates?: PoseCoordinates;
}

/** The OpenPose JSON object for a pose document; missing points become (-1, -1, 0). */
export function toOpenPoseJson(doc: PoseDocument, options: SerializeOpenPoseOptions = {}): OpenPoseJson {
  checkCanvasSide(doc.canvasWidth, 'canvasWidth', 'pose');
  checkCanvasSide(doc.canvasHeight, 'canvasHeight', 'pose');
  const normalised = options.coordinates === 'normalised';
  const sx = normalised ? 1 / doc.canvasWidth : 1;
  const sy = normalised ? 1 / doc.canvasHeight : 1;
  return {
    canvas_width: doc.canvasWidth,
    canvas_height: doc.canvasHeight,
    people: doc.people.map((person, p) => ({
      pose_keypoints_2d: fromKeypoints(person.body, OPENPOSE_BODY_POINTS, `people[${p}].body`, sx, sy),
      hand_left_keypoints_2d: person.handLeft
        ? fromKeypoints(person.handLeft, OPENPOSE_HAND_POINTS, `people[${p}].handLeft`, sx, sy)
        : null,
      hand_right_keypoints_2d: person.handRight
        ? fromKeypoints(person.handRight, OPENPOSE_HAND_POINTS, `people[${p}].handRight`, sx, sy)
        : null,
      face_keypoints_2d: person.face
        ? fromKeypoints(person.face, OPENPOSE_FACE_POINTS, `people[${p}].face`, sx, sy)
        : null,
    })),
  };
}

/** OpenPose JSON text for a pose document. */
export function serializeOpenPoseJson(doc: PoseDocument, options: SerializeOpenPoseOptions = {}): string {
  return JSON.stringify(toOpenPoseJson(doc, options));
}
