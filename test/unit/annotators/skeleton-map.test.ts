import { describe, expect, it } from 'vitest';
import { cocoToOpenPose } from '../../../main/annotators/pose/coco-to-openpose.ts';
import { renderSkeletonMap } from '../../../main/annotators/pose/skeleton-map.ts';
import type { RgbaImage } from '../../../main/engine/io/image.ts';
import { OPENPOSE_COLORS } from '../../../shared/pose/openpose.ts';
import type { PoseDocument, PoseKeypoint } from '../../../shared/pose/openpose-json.ts';

function pixel(img: RgbaImage, x: number, y: number): number[] {
  const o = (Math.round(y) * img.width + Math.round(x)) * 4;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

const dim = (c: readonly number[]) => c.map((v) => Math.floor(v * 0.6));

function body(points: Record<number, [number, number]>): (PoseKeypoint | null)[] {
  return Array.from({ length: 18 }, (_, i) =>
    points[i] ? { x: points[i]![0], y: points[i]![1], confidence: 1 } : null,
  );
}

describe('renderSkeletonMap', () => {
  // Neck (1) at the centre, right shoulder (2) left of it, right elbow (3) below that, nose (0) above.
  const doc: PoseDocument = {
    canvasWidth: 512,
    canvasHeight: 512,
    people: [{ body: body({ 0: [256, 150], 1: [256, 250], 2: [156, 250], 3: [156, 400] }) }],
  };
  const map = renderSkeletonMap(doc);

  it('draws limbs at 0.6 of their colour, in canonical order and colours', () => {
    expect(map.width).toBe(512);
    // Limb 0 is (1,2): neck -> right shoulder, colour 0.
    expect(pixel(map, 206, 250)).toEqual(dim(OPENPOSE_COLORS[0]!));
    // Limb 2 is (2,3): right shoulder -> right elbow, colour 2.
    expect(pixel(map, 156, 325)).toEqual(dim(OPENPOSE_COLORS[2]!));
    // Limb 12 is (1,0): neck -> nose, colour 12.
    expect(pixel(map, 256, 200)).toEqual(dim(OPENPOSE_COLORS[12]!));
    // Half-width 4 at 512: 3 px off the axis is inside, 6 px is not.
    expect(pixel(map, 156 + 3, 325)).toEqual(dim(OPENPOSE_COLORS[2]!));
    expect(pixel(map, 156 + 6, 325)).toEqual([0, 0, 0]);
  });

  it('draws each point as a full-colour disc of radius 4 over the limbs', () => {
    for (const j of [0, 1, 2, 3]) {
      const p = doc.people[0]!.body[j]!;
      expect(pixel(map, p.x, p.y)).toEqual([...OPENPOSE_COLORS[j]!]);
      expect(pixel(map, p.x + 4, p.y)).toEqual([...OPENPOSE_COLORS[j]!]);
    }
    // Off the disc but on the limb: dimmed limb colour again.
    expect(pixel(map, 256 - 8, 250)).toEqual(dim(OPENPOSE_COLORS[0]!));
  });

  it('leaves missing points and limbs to missing points out; background is black', () => {
    // Left shoulder (5) is missing: nothing where limb (1,5) would go.
    expect(pixel(map, 306, 250)).toEqual([0, 0, 0]);
    expect(pixel(map, 10, 10)).toEqual([0, 0, 0]);
    expect(pixel(map, 10, 10)).toEqual([0, 0, 0]);
    expect(Array.from(map.data.filter((_, i) => i % 4 === 3)).every((a) => a === 255)).toBe(true);
  });

  it('scales coordinates and sizes to another map size', () => {
    const big = renderSkeletonMap(doc, 1024, 1024);
    expect(pixel(big, 312, 650)).toEqual(dim(OPENPOSE_COLORS[2]!)); // limb (2,3), axis x = 312
    expect(pixel(big, 312 + 7, 650)).toEqual(dim(OPENPOSE_COLORS[2]!)); // half-width 8 now
    expect(pixel(big, 512 + 8, 300)).toEqual([...OPENPOSE_COLORS[0]!]); // nose disc radius 8
  });

  it('draws several people', () => {
    const two: PoseDocument = {
      canvasWidth: 256,
      canvasHeight: 128,
      people: [
        { body: body({ 1: [50, 60], 8: [50, 110] }) },
        { body: body({ 1: [200, 60], 11: [200, 110] }) },
      ],
    };
    const m = renderSkeletonMap(two);
    expect(pixel(m, 50, 85)).toEqual(dim(OPENPOSE_COLORS[6]!)); // limb 6 = (1,8)
    expect(pixel(m, 200, 85)).toEqual(dim(OPENPOSE_COLORS[9]!)); // limb 9 = (1,11)
  });
});

describe('cocoToOpenPose', () => {
  const k = (x: number, y: number, c = 0.9): PoseKeypoint => ({ x, y, confidence: c });
  it('reorders the points and builds the neck from both shoulders', () => {
    const coco = Array.from({ length: 17 }, (_, i) => k(i, 100 + i));
    coco[5] = k(10, 20, 0.8);
    coco[6] = k(30, 40, 0.6);
    const op = cocoToOpenPose(coco);
    expect(op).toHaveLength(18);
    expect(op[0]).toEqual(coco[0]);
    expect(op[1]).toEqual({ x: 20, y: 30, confidence: 0.6 });
    expect(op[2]).toEqual(coco[6]); // right shoulder
    expect(op[5]).toEqual(coco[5]); // left shoulder
    expect(op[4]).toEqual(coco[10]); // right wrist
    expect(op[8]).toEqual(coco[12]); // right hip
    expect(op[13]).toEqual(coco[15]); // left ankle
    expect(op[14]).toEqual(coco[2]); // right eye
    expect(op[17]).toEqual(coco[3]); // left ear
  });

  it('leaves the neck out unless both shoulders are there', () => {
    const coco: (PoseKeypoint | null)[] = Array.from({ length: 17 }, () => null);
    coco[5] = k(1, 1);
    expect(cocoToOpenPose(coco)[1]).toBeNull();
    expect(cocoToOpenPose(coco).filter((p) => p)).toHaveLength(1);
  });
});
