import { describe, expect, it } from 'vitest';
import {
  bodyPck,
  depthRmse,
  edgeF1,
  edgeF1InsideOutside,
  keypointBoxSize,
  type PlaneMap,
  planeFromRgba,
  posePck,
} from '../../../main/engine/eval/control-metrics.ts';
import type { PoseDocument, PoseKeypoints } from '../../../shared/pose/openpose-json.ts';

function plane(width: number, height: number, at: (x: number, y: number) => number): PlaneMap {
  const values = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) values[y * width + x] = at(x, y);
  return { width, height, values };
}

/** A vertical edge line at column `col`. */
const line = (col: number) => plane(32, 32, (x) => (x === col ? 255 : 0));

describe('edge F1', () => {
  it('is 1 for identical maps and for a shift within the tolerance, 0 beyond it', () => {
    expect(edgeF1(line(10), line(10)).f1).toBe(1);
    expect(edgeF1(line(10), line(11)).f1).toBe(1);
    expect(edgeF1(line(10), line(12)).f1).toBe(0);
    expect(edgeF1(line(10), line(12), { tolerance: 2 }).f1).toBe(1);
    expect(edgeF1(line(10), line(11), { tolerance: 0 }).f1).toBe(0);
  });

  it('separates precision from recall', () => {
    const both = plane(32, 32, (x) => (x === 10 || x === 20 ? 255 : 0));
    // Generated draws the condition's line and one more: every condition edge found, half precise.
    const s = edgeF1(line(10), both);
    expect(s.recall).toBe(1);
    expect(s.precision).toBe(0.5);
    expect(s.f1).toBeCloseTo(2 / 3, 10);
    expect(s.conditionEdges).toBe(32);
    expect(s.generatedEdges).toBe(64);
    // Generated misses half the condition's edges.
    const r = edgeF1(both, line(10));
    expect(r.precision).toBe(1);
    expect(r.recall).toBe(0.5);
  });

  it('scores an empty generated map 0 against edges, and two empty maps 1', () => {
    const empty = plane(32, 32, () => 0);
    expect(edgeF1(line(5), empty).f1).toBe(0);
    expect(edgeF1(empty, line(5)).f1).toBe(0);
    expect(edgeF1(empty, empty).f1).toBe(1);
  });

  it('measures inside and outside a region mask separately', () => {
    // Condition: lines at 8 and 24. Generated follows only the left half (x < 16), the mask's region.
    const condition = plane(32, 32, (x) => (x === 8 || x === 24 ? 255 : 0));
    const generated = plane(32, 32, (x) => (x === 8 || x === 28 ? 255 : 0));
    const mask = plane(32, 32, (x) => (x < 16 ? 255 : 0));
    const { inside, outside } = edgeF1InsideOutside(condition, generated, mask);
    expect(inside.f1).toBe(1);
    expect(inside.conditionEdges).toBe(32);
    expect(outside.f1).toBe(0);
    expect(outside.generatedEdges).toBe(32);
  });

  it('lets a match reach across the region border by the tolerance', () => {
    const mask = plane(32, 32, (x) => (x <= 10 ? 255 : 0));
    const s = edgeF1(line(10), line(11), { region: mask });
    expect(s.recall).toBe(1);
    expect(s.generatedEdges).toBe(0);
  });

  it('reads grey and coloured RGBA maps by their brightest channel', () => {
    const data = new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30, 255]);
    expect(Array.from(planeFromRgba({ width: 3, height: 1, data }).values)).toEqual([255, 0, 200]);
  });

  it('names a size mismatch or a bad tolerance', () => {
    expect(() =>
      edgeF1(
        line(1),
        plane(16, 32, () => 0),
      ),
    ).toThrow(/differ in size \(32x32 vs 16x32\)/);
    expect(() => edgeF1(line(1), line(1), { tolerance: 1.5 })).toThrow(/tolerance must be a whole number/);
  });
});

describe('depth RMSE', () => {
  const ramp = plane(16, 16, (x) => x * 16);

  it('is 0 for identical maps and the level difference for a constant offset without a fit', () => {
    expect(depthRmse(ramp, ramp, { fit: 'none' }).rmse).toBe(0);
    const lifted = plane(16, 16, (x) => x * 16 + 10);
    expect(depthRmse(ramp, lifted, { fit: 'none' }).rmse).toBeCloseTo(10, 10);
  });

  it('forgives scale and shift with the affine fit, and reports them', () => {
    const relative = plane(16, 16, (x) => x * 0.5 - 3);
    const s = depthRmse(ramp, relative);
    expect(s.rmse).toBeCloseTo(0, 6);
    expect(s.scale).toBeCloseTo(32, 6);
    expect(s.shift).toBeCloseTo(96, 6);
    expect(s.pixels).toBe(256);
    // Reversed depth (near and far swapped) is fitted by a negative scale: still exact.
    expect(
      depthRmse(
        ramp,
        plane(16, 16, (x) => -x),
      ).rmse,
    ).toBeCloseTo(0, 6);
  });

  it('gives a flat estimate the condition standard deviation (it predicts the mean)', () => {
    const two = plane(2, 1, (x) => (x ? 200 : 100));
    const s = depthRmse(
      two,
      plane(2, 1, () => 7),
    );
    expect(s.scale).toBe(0);
    expect(s.rmse).toBeCloseTo(50, 10);
  });

  it('measures only inside a region when given one', () => {
    const wrongRight = plane(16, 16, (x) => (x < 8 ? x * 16 : 0));
    const left = plane(16, 16, (x) => (x < 8 ? 255 : 0));
    expect(depthRmse(ramp, wrongRight, { fit: 'none', region: left }).rmse).toBe(0);
    expect(depthRmse(ramp, wrongRight, { fit: 'none' }).rmse).toBeGreaterThan(50);
    expect(() => depthRmse(ramp, ramp, { region: plane(16, 16, () => 0) })).toThrow(/region holds no pixels/);
  });
});

describe('pose PCK@0.1', () => {
  // A 100 px tall person: the box's longer side is 100, so the reach is 10 px.
  const body: PoseKeypoints = Array.from({ length: 18 }, (_, k) =>
    k < 11 ? { x: 50 + (k % 3), y: k * 10, confidence: 1 } : null,
  );
  const moved = (dx: number, dy = 0): PoseKeypoints =>
    body.map((p) => (p ? { ...p, x: p.x + dx, y: p.y + dy } : null));
  const doc = (...people: PoseKeypoints[]): PoseDocument => ({
    canvasWidth: 200,
    canvasHeight: 200,
    people: people.map((b) => ({ body: b })),
  });

  it('finds points within 0.1 of the bounding box and misses those beyond', () => {
    expect(keypointBoxSize(body)).toBe(100);
    expect(bodyPck(body, body)).toEqual({ pck: 1, found: 11, visible: 11 });
    expect(bodyPck(body, moved(6, 8)).pck).toBe(1); // 10 px away: on the boundary
    expect(bodyPck(body, moved(8, 8)).pck).toBe(0);
    expect(bodyPck(body, moved(15), { alpha: 0.2 }).pck).toBe(1);
  });

  it('counts a missing or low-scoring detected point as not found; extra points do not matter', () => {
    const partial = body.map((p, k) => (k < 4 ? null : p));
    expect(bodyPck(body, partial)).toEqual({ pck: 7 / 11, found: 7, visible: 11 });
    const lowScore = body.map((p, k) => (p && k === 0 ? { ...p, confidence: 0.1 } : p));
    expect(bodyPck(body, lowScore, { minScore: 0.3 }).found).toBe(10);
    const extra = body.map((p) => p ?? { x: 0, y: 0, confidence: 1 });
    expect(bodyPck(body, extra).pck).toBe(1);
    expect(bodyPck(Array(18).fill(null), body).pck).toBeNull();
  });

  it('pairs each condition person with the detection that fits it and pools the counts', () => {
    const other = moved(100);
    const s = posePck(doc(body, other), doc(moved(100), body));
    expect(s).toEqual({ pck: 1, found: 22, visible: 22 });
    // One detection cannot serve two condition people.
    expect(posePck(doc(body, body), doc(body))).toEqual({ pck: 0.5, found: 11, visible: 22 });
    expect(posePck(doc(body), doc()).pck).toBe(0);
  });

  it('scales a detection made on another canvas size onto the condition canvas', () => {
    const half = body.map((p) => (p ? { ...p, x: p.x / 2, y: p.y / 2 } : null));
    const small: PoseDocument = { canvasWidth: 100, canvasHeight: 100, people: [{ body: half }] };
    expect(posePck(doc(body), small).pck).toBe(1);
  });
});
