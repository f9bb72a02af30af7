import { describe, expect, it } from 'vitest';
import type { Bitmap } from '../../../renderer/src/raster/bitmap.ts';
import { renderConditionMap } from '../../../renderer/src/raster/condition-map.ts';
import { brushCoverage } from '../../../renderer/src/raster/depth-map.ts';
import { renderMaskMap } from '../../../renderer/src/raster/mask-map.ts';
import { standingPerson } from '../../../renderer/src/scene/pose-geometry.ts';
import { peopleFromOpenPoseJson, peopleToOpenPoseJson } from '../../../renderer/src/scene/pose-json.ts';
import { createLayer } from '../../../renderer/src/scene/scene-factory.ts';
import type { DepthLayer, EdgeLayer, PoseLayer } from '../../../renderer/src/scene/types.ts';
import { OPENPOSE_COLORS } from '../../../shared/pose/openpose.ts';

function px(b: Bitmap, x: number, y: number): [number, number, number, number] {
  const i = (y * b.width + x) * 4;
  return [b.data[i]!, b.data[i + 1]!, b.data[i + 2]!, b.data[i + 3]!];
}

function edgeLayer(strokes: EdgeLayer['strokes']): EdgeLayer {
  return { ...(createLayer('edge') as EdgeLayer), strokes };
}

describe('edge condition map', () => {
  it('is white strokes of the given width on opaque black, erased where the eraser went', () => {
    const layer = edgeLayer([
      { id: 'a', tool: 'brush', points: [8, 32, 56, 32], width: 6 },
      { id: 'b', tool: 'eraser', points: [32, 20, 32, 44], width: 4 },
    ]);
    const map = renderConditionMap(layer, 64, 64);
    expect(map.width).toBe(64);
    expect(px(map, 16, 32)).toEqual([255, 255, 255, 255]);
    expect(px(map, 16, 34)).toEqual([255, 255, 255, 255]);
    expect(px(map, 16, 36)).toEqual([0, 0, 0, 255]);
    expect(px(map, 16, 10)).toEqual([0, 0, 0, 255]);
    expect(px(map, 32, 32)).toEqual([0, 0, 0, 255]);
    // Round caps: the stroke reaches width/2 beyond its end point and no further.
    expect(px(map, 58, 32)[0]).toBe(255);
    expect(px(map, 61, 32)[0]).toBe(0);
    // A 6-px line 48 px long covers about 48*6 + a cap area of pi*9 pixels, less the eraser's 4x6.
    let white = 0;
    for (let i = 0; i < map.data.length; i += 4) if (map.data[i] === 255) white++;
    expect(white).toBeGreaterThan(48 * 6 + 20 - 24 - 10);
    expect(white).toBeLessThan(48 * 6 + 30 - 24 + 10);
  });

  it('draws a single click as a dot and starts from the layer picture when given', () => {
    const image: Bitmap = { width: 2, height: 2, data: new Uint8ClampedArray(16).fill(255) };
    const map = renderConditionMap(
      edgeLayer([{ id: 'e', tool: 'eraser', points: [5, 5], width: 4 }]),
      16,
      16,
      image,
    );
    expect(px(map, 5, 5)[0]).toBe(0);
    expect(px(map, 12, 12)[0]).toBe(255);
  });
});

describe('depth condition map', () => {
  it('fills the background and blends a soft stroke towards its value', () => {
    const layer: DepthLayer = {
      ...(createLayer('depth') as DepthLayer),
      background: 0.2,
      ops: [{ id: 's', type: 'stroke', points: [32, 32], width: 20, value: 1, softness: 0.5 }],
    };
    const map = renderConditionMap(layer, 64, 64);
    expect(px(map, 0, 0)[0]).toBe(Math.round(0.2 * 255));
    expect(px(map, 32, 32)[0]).toBe(255);
    const rim = px(map, 39, 32)[0];
    expect(rim).toBeGreaterThan(51);
    expect(rim).toBeLessThan(255);
    expect(brushCoverage(10, 10, 0.5)).toBe(0);
    expect(brushCoverage(4, 10, 0.5)).toBe(1);
  });

  it('paints linear and radial gradients across the whole layer', () => {
    const base = createLayer('depth') as DepthLayer;
    const linear = renderConditionMap(
      {
        ...base,
        ops: [
          { id: 'g', type: 'gradient', shape: 'linear', from: [0, 0], to: [0, 64], fromValue: 1, toValue: 0 },
        ],
      },
      64,
      64,
    );
    expect(px(linear, 10, 0)[0]).toBeGreaterThan(250);
    expect(px(linear, 10, 63)[0]).toBeLessThan(5);
    expect(px(linear, 10, 32)[0]).toBeCloseTo(255 * (1 - 32.5 / 64), -1);
    const radial = renderConditionMap(
      {
        ...base,
        ops: [
          {
            id: 'r',
            type: 'gradient',
            shape: 'radial',
            from: [32, 32],
            to: [32, 0],
            fromValue: 1,
            toValue: 0,
          },
        ],
      },
      64,
      64,
    );
    expect(px(radial, 32, 32)[0]).toBeGreaterThan(245);
    expect(px(radial, 0, 0)[0]).toBe(0);
    expect(px(radial, 48, 32)[0]).toBe(px(radial, 15, 32)[0]);
  });
});

describe('pose condition map', () => {
  const person = standingPerson([256, 256], 400, 'p');
  const layer: PoseLayer = { ...(createLayer('pose') as PoseLayer), people: [person] };
  const map = renderConditionMap(layer, 512, 512);

  it('draws each point as a dot in its canonical colour', () => {
    person.keypoints.forEach((p, j) => {
      const [r, g, b] = px(map, Math.floor(p![0]), Math.floor(p![1]));
      expect([r, g, b]).toEqual([...OPENPOSE_COLORS[j]!]);
    });
  });

  it('draws limbs dimmed to 0.6 of their colour on black', () => {
    // Midpoint of limb 7 (right hip 8 -> right knee 9), away from both dots.
    const a = person.keypoints[8]!;
    const b = person.keypoints[9]!;
    const [r, g, bl] = px(map, Math.floor((a[0] + b[0]) / 2), Math.floor((a[1] + b[1]) / 2));
    expect([r, g, bl]).toEqual(OPENPOSE_COLORS[7]!.map((c) => Math.floor(c * 0.6)));
    expect(px(map, 5, 5)).toEqual([0, 0, 0, 255]);
  });
});

describe('region mask', () => {
  it('is white inside a rectangle, or outside it when inverted', () => {
    const mask = { shape: 'rect' as const, x: 8, y: 8, width: 16, height: 8, inverted: false };
    const m = renderMaskMap(mask, 32, 32);
    expect(px(m, 10, 10)[0]).toBe(255);
    expect(px(m, 10, 20)[0]).toBe(0);
    expect(px(renderMaskMap({ ...mask, inverted: true }, 32, 32), 10, 20)[0]).toBe(255);
    const e = renderMaskMap({ ...mask, shape: 'ellipse', width: 16, height: 16 }, 32, 32);
    expect(px(e, 16, 16)[0]).toBe(255);
    expect(px(e, 8, 8)[0]).toBe(0);
  });
});

describe('OpenPose JSON', () => {
  it('round-trips people, with missing points, and rescales to our canvas', () => {
    const p = {
      ...standingPerson([100, 100], 150, 'a'),
      keypoints: standingPerson([100, 100], 150).keypoints.map((k, i) => (i === 16 ? null : k)),
    };
    const text = peopleToOpenPoseJson([p], 200, 200);
    const json = JSON.parse(text);
    expect(json.canvas_width).toBe(200);
    expect(json.people[0].pose_keypoints_2d).toHaveLength(54);
    expect(json.people[0].pose_keypoints_2d.slice(48, 51)).toEqual([-1, -1, 0]);
    const back = peopleFromOpenPoseJson(text, 400, 400).people[0]!;
    expect(back.keypoints[16]).toBeNull();
    expect(back.keypoints[0]![0]).toBeCloseTo(p.keypoints[0]![0] * 2, 6);
    expect(back.keypoints[0]![1]).toBeCloseTo(p.keypoints[0]![1] * 2, 6);
  });

  it('names the problem in a bad file', () => {
    expect(() => peopleFromOpenPoseJson('{"people": 3}', 64, 64, 'pose.json')).toThrow(/pose.json.*people/);
  });
});
