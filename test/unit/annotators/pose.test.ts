import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { annotate } from '../../../main/annotators/annotate.ts';
import { cocoToOpenPose } from '../../../main/annotators/pose/coco-to-openpose.ts';
import { MoveNetPoseDetector } from '../../../main/annotators/pose/movenet.ts';
import { poseDetector } from '../../../main/annotators/pose/pose-annotator.ts';
import { initBackend } from '../../../main/engine/backend.ts';
import type { RgbaImage } from '../../../main/engine/io/image.ts';
import { readImage, resizeImage } from '../../../main/engine/io/image.ts';
import { OPENPOSE_INDEX as P } from '../../../shared/pose/openpose.ts';
import type { PoseKeypoints } from '../../../shared/pose/openpose-json.ts';
import { parseOpenPoseJson, serializeOpenPoseJson } from '../../../shared/pose/openpose-json.ts';
import { skimagePhoto } from './skimage-photos.ts';
import { blankImage } from './synthetic-images.ts';

let astronaut: RgbaImage;
let camera: RgbaImage;

beforeAll(async () => {
  await initBackend();
  astronaut = await readImage(skimagePhoto('astronaut.png'));
  camera = await readImage(skimagePhoto('camera.png'));
});

function inBox(p: { x: number; y: number } | null, [x0, y0, x1, y1]: number[]): boolean {
  return !!p && p.x >= x0! && p.x <= x1! && p.y >= y0! && p.y <= y1!;
}

// The faces' boxes in the 512x512 photos, measured by eye with a margin.
const ASTRONAUT_FACE = [170, 60, 285, 195];
const CAMERAMAN_FACE = [170, 80, 270, 210];

function checkAstronaut(body: PoseKeypoints, scale = 1, dx = 0, dy = 0) {
  const face = [
    ASTRONAUT_FACE[0]! * scale + dx,
    ASTRONAUT_FACE[1]! * scale + dy,
    ASTRONAUT_FACE[2]! * scale + dx,
    ASTRONAUT_FACE[3]! * scale + dy,
  ];
  const nose = body[P.nose]!;
  expect(inBox(nose, face)).toBe(true);
  expect(inBox(body[P.right_eye]!, face)).toBe(true);
  expect(inBox(body[P.left_eye]!, face)).toBe(true);
  expect(body[P.right_eye]!.y).toBeLessThan(nose.y);
  // She faces the camera: her right is on the picture's left.
  expect(body[P.right_eye]!.x).toBeLessThan(body[P.left_eye]!.x);
  const rs = body[P.right_shoulder]!;
  const ls = body[P.left_shoulder]!;
  expect(rs.y).toBeGreaterThan(nose.y + 60 * scale);
  expect(ls.y).toBeGreaterThan(nose.y + 60 * scale);
  expect(rs.x).toBeLessThan(nose.x);
  expect(ls.x).toBeGreaterThan(nose.x);
  const neck = body[P.neck]!;
  expect(neck.x).toBeCloseTo((rs.x + ls.x) / 2, 6);
}

describe('pose from real photographs (MoveNet, shipped model)', () => {
  it('finds the astronaut with her face and shoulders where they are', async () => {
    const { pose, map } = await annotate('pose', astronaut);
    expect(pose!.canvasWidth).toBe(512);
    expect(pose!.people.length).toBeGreaterThanOrEqual(1);
    checkAstronaut(pose!.people[0]!.body);
    // Points below the threshold are left out, not guessed: her hidden knees and ankles.
    expect(pose!.people[0]!.body[P.left_ankle]).toBeNull();
    for (const p of pose!.people[0]!.body) if (p) expect(p.confidence).toBeGreaterThanOrEqual(0.3);
    // The skeleton map has the nose's colour at the nose.
    const nose = pose!.people[0]!.body[P.nose]!;
    const o = (Math.round(nose.y) * 512 + Math.round(nose.x)) * 4;
    expect([map.data[o], map.data[o + 1], map.data[o + 2]]).toEqual([255, 0, 0]);
  });

  it('finds the cameraman', async () => {
    const { pose } = await annotate('pose', camera);
    expect(pose!.people.length).toBeGreaterThanOrEqual(1);
    const body = pose!.people[0]!.body;
    expect(inBox(body[P.nose]!, CAMERAMAN_FACE)).toBe(true);
    const shoulder = body[P.left_shoulder] ?? body[P.right_shoulder];
    expect(shoulder!.y).toBeGreaterThan(body[P.nose]!.y);
  });

  it('maps back from any size and aspect, and onto the requested canvas', async () => {
    // Letterboxed into a wide canvas: the photo sits in the middle third.
    const wide = blankImage(1536, 512);
    for (let y = 0; y < 512; y++)
      wide.data.set(astronaut.data.subarray(y * 512 * 4, (y + 1) * 512 * 4), (y * 1536 + 512) * 4);
    const { pose } = await annotate('pose', wide);
    checkAstronaut(pose!.people[0]!.body, 1, 512, 0);
    // A large photo (shrunk before detection) comes back in its own pixels.
    const big = await resizeImage(astronaut, 2048, 2048, 'fill');
    const found = await annotate('pose', big, { width: 512, height: 512 });
    checkAstronaut(found.pose!.people[0]!.body);
    const direct = await (await poseDetector()).detect(big);
    checkAstronaut(cocoToOpenPose(direct[0]!.keypoints), 4);
    // Asked for 256x384 with cover: scale 0.75, then 64 px cropped off each side.
    const small = await annotate('pose', astronaut, { width: 256, height: 384 });
    expect(small.map.width).toBe(256);
    expect(small.map.height).toBe(384);
    expect(small.pose!.canvasHeight).toBe(384);
    const nose = small.pose!.people[0]!.body[P.nose]!;
    expect(inBox(nose, [170 * 0.75 - 64, 60 * 0.75, 285 * 0.75 - 64, 195 * 0.75])).toBe(true);
  });

  it('writes OpenPose JSON that reads back the same', async () => {
    const { pose } = await annotate('pose', astronaut);
    const back = parseOpenPoseJson(serializeOpenPoseJson(pose!)).document;
    expect(back).toEqual(pose);
    const json = JSON.parse(serializeOpenPoseJson(pose!, { coordinates: 'normalised' }));
    expect(json.people[0].pose_keypoints_2d[0]).toBeCloseTo(pose!.people[0]!.body[0]!.x / 512, 9);
  });

  it('finds nobody in a blank picture and keeps no tensors across calls', async () => {
    const blank = blankImage(300, 200, [128, 128, 128]);
    expect((await annotate('pose', blank)).pose!.people).toHaveLength(0);
    await annotate('pose', astronaut);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await annotate('pose', camera);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic', async () => {
    const a = await annotate('pose', camera);
    const b = await annotate('pose', camera);
    expect(b.pose).toEqual(a.pose);
    expect(Buffer.from(b.map.data).equals(Buffer.from(a.map.data))).toBe(true);
  });

  it('runs the single-person model too', async () => {
    const detector = await poseDetector(undefined, 'singlepose');
    expect(detector.variant).toBe('singlepose');
    const people = await detector.detect(astronaut);
    expect(people).toHaveLength(1);
    expect(inBox(people[0]!.keypoints[0]!, ASTRONAUT_FACE)).toBe(true);
  });

  it('says which model files are missing', async () => {
    await expect(MoveNetPoseDetector.load('/nonexistent/models')).rejects.toThrow(
      /\/nonexistent\/models: no MoveNet pose model \(looked for movenet-multipose\.json, movenet-lightning\.json\)/,
    );
  });
});
