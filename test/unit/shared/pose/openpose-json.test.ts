import { describe, expect, it } from 'vitest';
import {
  OPENPOSE_COLORS,
  OPENPOSE_INDEX,
  OPENPOSE_LIMBS,
  skeletonSizes,
} from '../../../../shared/pose/openpose.ts';
import type { PoseDocument } from '../../../../shared/pose/openpose-json.ts';
import {
  PoseFormatError,
  parseOpenPoseJson,
  serializeOpenPoseJson,
  toOpenPoseJson,
} from '../../../../shared/pose/openpose-json.ts';

function bodyWith(points: Record<number, [number, number, number]>): number[] {
  const out: number[] = [];
  for (let i = 0; i < 18; i++) out.push(...(points[i] ?? [-1, -1, 0]));
  return out;
}

describe('OpenPose constants', () => {
  it('has the canonical 17 limbs, 18 colours and sizes of 4 px at 512', () => {
    expect(OPENPOSE_LIMBS).toHaveLength(17);
    expect(OPENPOSE_LIMBS[0]).toEqual([1, 2]);
    expect(OPENPOSE_LIMBS[12]).toEqual([1, 0]);
    expect(OPENPOSE_LIMBS[16]).toEqual([15, 17]);
    expect(OPENPOSE_COLORS).toHaveLength(18);
    expect(OPENPOSE_COLORS[1]).toEqual([255, 85, 0]);
    expect(OPENPOSE_COLORS[17]).toEqual([255, 0, 85]);
    expect(OPENPOSE_INDEX.left_wrist).toBe(7);
    expect(OPENPOSE_INDEX.right_ear).toBe(16);
    expect(skeletonSizes(512, 768)).toEqual({ limbHalfWidth: 4, pointRadius: 4 });
    expect(skeletonSizes(1024, 1024).pointRadius).toBe(8);
  });
});

describe('parseOpenPoseJson', () => {
  it('reads pixel coordinates, several people, and treats (-1,-1) and confidence <= 0.1 as missing', () => {
    const json = {
      canvas_width: 512,
      canvas_height: 768,
      people: [
        { pose_keypoints_2d: bodyWith({ 0: [100, 50, 0.9], 1: [100, 120, 1], 2: [70, 120, 0.05] }) },
        { pose_keypoints_2d: bodyWith({ 0: [400, 60, 0.8] }), hand_left_keypoints_2d: null },
      ],
    };
    const { document, coordinates } = parseOpenPoseJson(JSON.stringify(json));
    expect(coordinates).toBe('pixels');
    expect(document.canvasWidth).toBe(512);
    expect(document.canvasHeight).toBe(768);
    expect(document.people).toHaveLength(2);
    expect(document.people[0]!.body[0]).toEqual({ x: 100, y: 50, confidence: 0.9 });
    expect(document.people[0]!.body[2]).toBeNull();
    expect(document.people[0]!.body[5]).toBeNull();
    expect(document.people[1]!.body[0]).toEqual({ x: 400, y: 60, confidence: 0.8 });
    expect(document.people[1]!.handLeft).toBeUndefined();
  });

  it('scales normalised coordinates by the canvas', () => {
    const json = {
      canvas_width: 200,
      canvas_height: 400,
      people: [{ pose_keypoints_2d: bodyWith({ 0: [0.5, 0.25, 1], 1: [0.5, 0.5, 1] }) }],
    };
    const { document, coordinates } = parseOpenPoseJson(json);
    expect(coordinates).toBe('normalised');
    expect(document.people[0]!.body[0]).toEqual({ x: 100, y: 100, confidence: 1 });
    expect(document.people[0]!.body[1]).toEqual({ x: 100, y: 200, confidence: 1 });
  });

  it('maps a BODY_25 body onto the 18-point layout', () => {
    const body25: number[] = [];
    for (let i = 0; i < 25; i++) body25.push(10 + i, 20 + i, 1);
    const { document } = parseOpenPoseJson({
      canvas_width: 64,
      canvas_height: 64,
      people: [{ pose_keypoints_2d: body25 }],
    });
    const xs = document.people[0]!.body.map((p) => p!.x - 10);
    expect(xs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
  });

  it('uses the given canvas when the file has none (OpenPose output), else says what is missing', () => {
    const json = { version: 1.3, people: [{ pose_keypoints_2d: bodyWith({ 0: [10, 10, 1] }) }] };
    expect(parseOpenPoseJson(json, { defaultCanvas: { width: 32, height: 48 } }).document.canvasHeight).toBe(
      48,
    );
    expect(() => parseOpenPoseJson(json, { name: 'a.json' })).toThrow(
      /a\.json: canvas_width and canvas_height are missing/,
    );
  });

  it('names the field that is wrong', () => {
    const bad = (v: unknown) => () => parseOpenPoseJson(v, { name: 'p.json' });
    expect(bad('{nope')).toThrow(PoseFormatError);
    expect(bad('{nope')).toThrow(/p\.json: not valid JSON/);
    expect(bad([])).toThrow(/must be a JSON object/);
    expect(bad({ canvas_width: 0, canvas_height: 5, people: [] })).toThrow(
      /canvas_width must be a whole number/,
    );
    expect(bad({ canvas_width: 5, canvas_height: 5 })).toThrow(/"people" must be an array/);
    expect(bad({ canvas_width: 5, canvas_height: 5, people: [{}] })).toThrow(
      /people\[0\]\.pose_keypoints_2d is missing/,
    );
    expect(bad({ canvas_width: 5, canvas_height: 5, people: [{ pose_keypoints_2d: [1, 2, 3] }] })).toThrow(
      /people\[0\]\.pose_keypoints_2d must hold 54 .* got 3/,
    );
    const withNaN = bodyWith({});
    withNaN[4] = Number.NaN;
    expect(bad({ canvas_width: 5, canvas_height: 5, people: [{ pose_keypoints_2d: withNaN }] })).toThrow(
      /pose_keypoints_2d\[4\] must be a finite number/,
    );
    expect(
      bad({
        canvas_width: 5,
        canvas_height: 5,
        people: [{ pose_keypoints_2d: bodyWith({}), face_keypoints_2d: [1] }],
      }),
    ).toThrow(/face_keypoints_2d must hold 210/);
  });
});

describe('serializeOpenPoseJson', () => {
  const hand = Array.from({ length: 21 }, (_, i) =>
    i === 3 ? null : { x: 10 + i, y: 30 + i, confidence: 0.7 },
  );
  const doc: PoseDocument = {
    canvasWidth: 640,
    canvasHeight: 480,
    people: [
      {
        body: Array.from({ length: 18 }, (_, i) =>
          i % 4 === 3 ? null : { x: 5 * i + 1, y: 7 * i + 2, confidence: 0.5 },
        ),
        handRight: hand,
      },
      { body: Array.from({ length: 18 }, (_, i) => (i === 0 ? { x: 320, y: 100, confidence: 1 } : null)) },
    ],
  };

  it('round-trips through pixel JSON, keeping hands and writing missing points as (-1,-1,0)', () => {
    const text = serializeOpenPoseJson(doc);
    const json = JSON.parse(text);
    expect(json.canvas_width).toBe(640);
    expect(json.people[0].pose_keypoints_2d.slice(9, 12)).toEqual([-1, -1, 0]);
    expect(json.people[0].hand_left_keypoints_2d).toBeNull();
    expect(json.people[0].face_keypoints_2d).toBeNull();
    expect(json.people[0].hand_right_keypoints_2d).toHaveLength(63);
    const back = parseOpenPoseJson(text).document;
    expect(back.people[0]!.body).toEqual(doc.people[0]!.body);
    expect(back.people[0]!.handRight).toEqual(hand);
    expect(back.people[1]!.body).toEqual(doc.people[1]!.body);
  });

  it('round-trips through normalised JSON', () => {
    const json = toOpenPoseJson(doc, { coordinates: 'normalised' });
    expect(json.people[1]!.pose_keypoints_2d.slice(0, 3)).toEqual([0.5, 100 / 480, 1]);
    const { document, coordinates } = parseOpenPoseJson(json);
    expect(coordinates).toBe('normalised');
    for (let i = 0; i < 18; i++) {
      const a = doc.people[0]!.body[i];
      const b = document.people[0]!.body[i];
      if (a === null) expect(b).toBeNull();
      else {
        expect(b!.x).toBeCloseTo(a!.x, 9);
        expect(b!.y).toBeCloseTo(a!.y, 9);
      }
    }
  });

  it('refuses a body that is not 18 points', () => {
    expect(() => toOpenPoseJson({ canvasWidth: 8, canvasHeight: 8, people: [{ body: [null] }] })).toThrow(
      /people\[0\]\.body must have 18 points, has 1/,
    );
  });
});
