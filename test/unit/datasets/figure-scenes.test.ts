import { describe, expect, it } from 'vitest';
import { figureCaption } from '../../../main/datasets/figures/caption.ts';
import { renderFigureSample } from '../../../main/datasets/figures/figure-sample.ts';
import {
  COLOR_NAMES,
  FACINGS,
  GROUND_NAMES,
  OBJECT_KINDS,
  sampleFigureScene,
  TIMES_OF_DAY,
} from '../../../main/datasets/figures/figure-scene.ts';
import { POSE_CLASSES, POSE_PHRASES } from '../../../main/datasets/figures/pose-families.ts';
import { SceneTracer } from '../../../main/datasets/figures/ray-tracer.ts';
import { OPENPOSE_INDEX } from '../../../shared/pose/openpose.ts';

const SIZE = 48;

describe('figure scenes', () => {
  it('are the same bytes for the same seed and index, and differ for another seed', () => {
    const a = renderFigureSample(11, 5, SIZE, 2);
    const b = renderFigureSample(11, 5, SIZE, 2);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Buffer.from(a.depth.data).equals(Buffer.from(b.depth.data))).toBe(true);
    expect(a.caption).toBe(b.caption);
    expect(a.pose).toEqual(b.pose);
    const c = renderFigureSample(12, 5, SIZE, 2);
    expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
  });

  it('do not depend on the picture size: the same scene at 32 and 64 px', () => {
    expect(sampleFigureScene(3, 9).labels).toEqual(sampleFigureScene(3, 9).labels);
    const small = renderFigureSample(3, 9, 32, 2);
    const large = renderFigureSample(3, 9, 64, 2);
    expect(small.caption).toBe(large.caption);
    const nose = OPENPOSE_INDEX.nose;
    if (small.keypoints[nose]!.inFrame)
      expect(large.keypoints[nose]!.x).toBeCloseTo(small.keypoints[nose]!.x * 2, 6);
  });

  it('cover every pose class and label value within a few hundred samples', () => {
    const seen: Record<string, Set<string>> = {};
    for (let i = 0; i < 400; i++) {
      const l = sampleFigureScene(1, i).labels;
      for (const [k, v] of Object.entries(l)) {
        seen[k] ??= new Set();
        seen[k].add(String(v));
      }
    }
    expect([...seen.pose!].sort()).toEqual([...POSE_CLASSES].sort());
    expect([...seen.figureColor!].sort()).toEqual([...COLOR_NAMES].sort());
    expect([...seen.ground!].sort()).toEqual([...GROUND_NAMES].sort());
    expect([...seen.timeOfDay!].sort()).toEqual([...TIMES_OF_DAY].sort());
    expect([...seen.facing!].sort()).toEqual([...FACINGS].sort());
    expect([...seen.object!].sort()).toEqual([...OBJECT_KINDS, 'none'].sort());
  });

  it('have captions that say exactly what the labels say', () => {
    for (let i = 0; i < 150; i++) {
      const { labels } = sampleFigureScene(2, i);
      const caption = figureCaption(labels);
      expect(caption).toMatch(new RegExp(`^an? ${labels.figureColor} figure ${POSE_PHRASES[labels.pose]}, `));
      expect(caption).toContain(`, ${labels.ground} ground, ${labels.timeOfDay} sky`);
      if (labels.object === 'none') expect(caption).not.toContain('beside');
      else
        expect(caption).toContain(
          `beside a${labels.objectColor!.match(/^[aeiou]/) ? 'n' : ''} ${labels.objectColor} ${labels.object}`,
        );
      const facing = {
        viewer: 'facing the viewer',
        left: 'facing left',
        right: 'facing right',
        away: 'facing away',
      }[labels.facing];
      expect(caption).toContain(facing);
      // No other pose phrase sneaks in.
      for (const p of POSE_CLASSES)
        if (p !== labels.pose) expect(caption).not.toContain(` ${POSE_PHRASES[p]},`);
    }
  });

  it('have a depth map that puts the figure nearer than what lies behind it', () => {
    for (const index of [0, 1, 2, 3]) {
      const sample = renderFigureSample(21, index, SIZE, 2);
      const { scene } = sample;
      const without = new SceneTracer({
        ...scene.trace,
        solids: scene.trace.solids.filter((s) => s.group !== 'figure'),
      });
      const behind = without.render(SIZE, SIZE, 2);
      let compared = 0;
      for (let i = 0; i < SIZE * SIZE; i++) {
        if (sample.figureCoverage[i] !== 1) continue;
        const v = sample.depth.data[i * 4]!;
        expect(v).toBeGreaterThan(0);
        // Metric depth back from the 8-bit map: z = near * 255 / v.
        const zFigure = (sample.nearestDepth * 255) / v;
        const vBehind = behind.inverseDepth[i]!;
        const zBehind = vBehind > 0 ? behind.nearestDepth / vBehind : Number.POSITIVE_INFINITY;
        expect(zFigure).toBeLessThan(zBehind);
        compared++;
      }
      expect(compared).toBeGreaterThan(20);
      // The nearest ray is 255 and pixels average their rays, so the brightest pixel is close to it.
      expect(Math.max(...sample.depth.data.filter((_, i) => i % 4 === 0))).toBeGreaterThan(235);
      // Sky is 0.
      const skyPixels = sample.depth.data.filter((v, i) => i % 4 === 0 && v === 0).length;
      if (scene.trace.camera.forward.y > -0.2) expect(skyPixels).toBeGreaterThan(0);
    }
  });

  it('put every visible keypoint on the figure', () => {
    let checked = 0;
    for (let index = 0; index < 40; index++) {
      const sample = renderFigureSample(5, index, SIZE, 2);
      for (const [j, k] of sample.keypoints.entries()) {
        if (!k.visible) {
          expect(sample.pose.people[0]!.body[j]).toBeNull();
          continue;
        }
        expect(sample.pose.people[0]!.body[j]).not.toBeNull();
        const px = Math.floor(k.x);
        const py = Math.floor(k.y);
        let onFigure = false;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const x = px + dx;
            const y = py + dy;
            if (x >= 0 && y >= 0 && x < SIZE && y < SIZE && sample.figureCoverage[y * SIZE + x]! > 0)
              onFigure = true;
          }
        expect(onFigure, `keypoint ${j} of sample ${index} at (${k.x}, ${k.y})`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40 * 10);
  });

  it('hide the face of a figure turned away and show it when it faces the viewer', () => {
    const find = (test: (yaw: number) => boolean) => {
      for (let i = 0; i < 2000; i++) if (test(sampleFigureScene(8, i).labels.yawDeg)) return i;
      throw new Error('no such scene');
    };
    const away = renderFigureSample(
      8,
      find((yaw) => Math.abs(yaw) > 165),
      SIZE,
      2,
    );
    const front = renderFigureSample(
      8,
      find((yaw) => Math.abs(yaw) < 10),
      SIZE,
      2,
    );
    for (const point of ['nose', 'right_eye', 'left_eye'] as const) {
      expect(away.keypoints[OPENPOSE_INDEX[point]]!.visible, point).toBe(false);
      expect(front.keypoints[OPENPOSE_INDEX[point]]!.visible, point).toBe(true);
    }
    // Seen from behind, the figure's right shoulder is on the picture's right.
    const r = away.keypoints[OPENPOSE_INDEX.right_shoulder]!;
    const l = away.keypoints[OPENPOSE_INDEX.left_shoulder]!;
    expect(r.x).toBeGreaterThan(l.x);
    const fr = front.keypoints[OPENPOSE_INDEX.right_shoulder]!;
    const fl = front.keypoints[OPENPOSE_INDEX.left_shoulder]!;
    expect(fr.x).toBeLessThan(fl.x);
  });
});
