import { describe, expect, it } from 'vitest';
import { describeKey, matchesKey, runAction } from '../../../renderer/src/scene/action.ts';
import { addDepthOp, addEdgeStroke } from '../../../renderer/src/scene/draw-actions.ts';
import { redo, undo } from '../../../renderer/src/scene/history-actions.ts';
import {
  addLayer,
  clearLayer,
  duplicateLayer,
  moveLayer,
  removeLayer,
  setLayerMask,
  updateLayerSettings,
} from '../../../renderer/src/scene/layer-actions.ts';
import {
  addPerson,
  deletePerson,
  mirrorPersonAction,
  moveJointAction,
  movePerson,
  scalePersonAction,
} from '../../../renderer/src/scene/pose-actions.ts';
import { createScene } from '../../../renderer/src/scene/scene-factory.ts';
import { SceneStore } from '../../../renderer/src/scene/scene-store.ts';
import type { EdgeLayer, PoseLayer } from '../../../renderer/src/scene/types.ts';

function key(k: string, mods: Partial<{ ctrl: boolean; meta: boolean; shift: boolean; alt: boolean }> = {}) {
  return { key: k, ctrlKey: !!mods.ctrl, metaKey: !!mods.meta, shiftKey: !!mods.shift, altKey: !!mods.alt };
}

describe('layer actions', () => {
  it('add, duplicate, reorder and delete, each undoable', () => {
    const s = new SceneStore(createScene(64, 64));
    runAction(s, addLayer, { kind: 'edge', id: 'a' });
    runAction(s, addLayer, { kind: 'depth', id: 'b' });
    runAction(s, duplicateLayer, { id: 'a', newId: 'a2' });
    expect(s.state.layers.map((l) => l.id)).toEqual(['a', 'a2', 'b']);
    expect(s.state.layers[1]?.name).toBe('Edges copy');
    expect(s.state.activeLayerId).toBe('a2');
    runAction(s, moveLayer, { id: 'a', by: 2 });
    expect(s.state.layers.map((l) => l.id)).toEqual(['a2', 'b', 'a']);
    expect(runAction(s, moveLayer, { id: 'a', by: 1 })).toBe(false);
    runAction(s, removeLayer, { id: 'a2' });
    expect(s.state.layers.map((l) => l.id)).toEqual(['b', 'a']);
    s.undo();
    s.undo();
    expect(s.state.layers.map((l) => l.id)).toEqual(['a', 'a2', 'b']);
  });

  it('validates settings with messages that name the field', () => {
    const s = new SceneStore(createScene(64, 64));
    runAction(s, addLayer, { kind: 'edge', id: 'a' });
    expect(() => runAction(s, updateLayerSettings, { id: 'a', patch: { weight: 3 } })).toThrow(/weight/);
    expect(() => runAction(s, updateLayerSettings, { id: 'a', patch: { stepRange: [0.8, 0.2] } })).toThrow(
      /step range/,
    );
    runAction(s, updateLayerSettings, { id: 'a', patch: { stepRange: [0.2, 0.8], enabled: false } });
    expect(s.state.layers[0]).toMatchObject({ stepRange: [0.2, 0.8], enabled: false });
  });

  it('sets a region mask and clears a layer', () => {
    const s = new SceneStore(createScene(64, 64));
    runAction(s, addLayer, { kind: 'edge', id: 'a' });
    const mask = { shape: 'rect' as const, x: 0, y: 0, width: 32, height: 32, inverted: false };
    runAction(s, setLayerMask, { id: 'a', mask });
    runAction(s, addEdgeStroke, {
      layerId: 'a',
      stroke: { id: 's', tool: 'brush', points: [1, 1, 9, 9], width: 3 },
    });
    runAction(s, clearLayer, { id: 'a' });
    const layer = s.state.layers[0] as EdgeLayer;
    expect(layer.strokes).toEqual([]);
    expect(layer.mask).toBe(mask);
    expect(runAction(s, clearLayer, { id: 'a' })).toBe(false);
  });
});

describe('drawing actions', () => {
  it('adds strokes to edge layers only, and undo removes them', () => {
    const s = new SceneStore(createScene(64, 64));
    runAction(s, addLayer, { kind: 'edge', id: 'e' });
    runAction(s, addLayer, { kind: 'depth', id: 'd' });
    const stroke = { id: 's1', tool: 'brush' as const, points: [1, 2, 3, 4], width: 4 };
    runAction(s, addEdgeStroke, { layerId: 'e', stroke });
    expect((s.state.layers[0] as EdgeLayer).strokes).toEqual([stroke]);
    expect(() => runAction(s, addEdgeStroke, { layerId: 'd', stroke })).toThrow(/not an edge layer/);
    expect(() =>
      runAction(s, addEdgeStroke, { layerId: 'e', stroke: { ...stroke, points: [1, 2, 3] } }),
    ).toThrow(/x,y pairs/);
    runAction(s, undo, undefined);
    expect((s.state.layers[0] as EdgeLayer).strokes).toEqual([]);
    runAction(s, redo, undefined);
    expect((s.state.layers[0] as EdgeLayer).strokes).toHaveLength(1);
  });

  it('checks depth values and ignores a zero-length gradient', () => {
    const s = new SceneStore(createScene(64, 64));
    runAction(s, addLayer, { kind: 'depth', id: 'd' });
    expect(() =>
      runAction(s, addDepthOp, {
        layerId: 'd',
        op: { id: 'x', type: 'stroke', points: [0, 0], width: 5, value: 2, softness: 0 },
      }),
    ).toThrow(/Depth value/);
    expect(
      runAction(s, addDepthOp, {
        layerId: 'd',
        op: {
          id: 'g',
          type: 'gradient',
          shape: 'linear',
          from: [5, 5],
          to: [5, 5],
          fromValue: 0,
          toValue: 1,
        },
      }),
    ).toBe(false);
  });
});

describe('pose actions', () => {
  function poseStore() {
    const s = new SceneStore(createScene(512, 512));
    runAction(s, addLayer, { kind: 'pose', id: 'p' });
    runAction(s, addPerson, { layerId: 'p', id: 'alice', center: [256, 256] });
    return s;
  }
  const people = (s: SceneStore) => (s.state.layers[0] as PoseLayer).people;

  it('adds a standing person with all 18 points inside the canvas', () => {
    const s = poseStore();
    const kp = people(s)[0]!.keypoints;
    expect(kp).toHaveLength(18);
    for (const p of kp) {
      expect(p![0]).toBeGreaterThan(0);
      expect(p![0]).toBeLessThan(512);
      expect(p![1]).toBeGreaterThan(0);
      expect(p![1]).toBeLessThan(512);
    }
    // OpenPose labels the person's right side, which faces the viewer on the picture's left.
    expect(kp[2]![0]).toBeLessThan(kp[5]![0]);
    expect(kp[0]![1]).toBeLessThan(kp[1]![1]);
  });

  it('drags one joint and leaves the others', () => {
    const s = poseStore();
    const before = people(s)[0]!.keypoints;
    runAction(s, moveJointAction, { layerId: 'p', personId: 'alice', joint: 4, to: [10, 20] });
    const after = people(s)[0]!.keypoints;
    expect(after[4]).toEqual([10, 20]);
    after.forEach((p, i) => {
      if (i !== 4) expect(p).toBe(before[i]);
    });
    expect(() =>
      runAction(s, moveJointAction, { layerId: 'p', personId: 'alice', joint: 18, to: [0, 0] }),
    ).toThrow(/not an OpenPose body point/);
  });

  it('moves, scales about the centre, mirrors with left/right swapped, and deletes', () => {
    const s = poseStore();
    const orig = people(s)[0]!.keypoints;
    runAction(s, movePerson, { layerId: 'p', personId: 'alice', dx: 10, dy: -5 });
    expect(people(s)[0]!.keypoints[0]).toEqual([orig[0]![0] + 10, orig[0]![1] - 5]);
    s.undo();
    runAction(s, scalePersonAction, { layerId: 'p', personId: 'alice', factor: 0.5 });
    const neck = people(s)[0]!.keypoints[1]!;
    const ankle = people(s)[0]!.keypoints[10]!;
    expect(ankle[1] - neck[1]).toBeCloseTo((orig[10]![1] - orig[1]![1]) * 0.5, 6);
    s.undo();
    runAction(s, moveJointAction, { layerId: 'p', personId: 'alice', joint: 4, to: [100, 100] });
    const raised = people(s)[0]!.keypoints;
    runAction(s, mirrorPersonAction, { layerId: 'p', personId: 'alice' });
    const m = people(s)[0]!.keypoints;
    // The dragged right wrist is now the left wrist, on the other side of the centre line.
    const axis2 = Math.min(...raised.map((p) => p![0])) + Math.max(...raised.map((p) => p![0]));
    expect(m[7]).toEqual([axis2 - 100, 100]);
    expect(m[2]![0]).toBeLessThan(m[5]![0]);
    runAction(s, deletePerson, { layerId: 'p', personId: 'alice' });
    expect(people(s)).toEqual([]);
  });
});

describe('key bindings', () => {
  it('matches Ctrl or Cmd, and Shift exactly', () => {
    const [undoKey] = undo.keys!;
    expect(matchesKey(key('z', { ctrl: true }), undoKey!)).toBe(true);
    expect(matchesKey(key('Z', { meta: true }), undoKey!)).toBe(true);
    expect(matchesKey(key('z', { ctrl: true, shift: true }), undoKey!)).toBe(false);
    expect(redo.keys!.some((k) => matchesKey(key('Z', { ctrl: true, shift: true }), k))).toBe(true);
    expect(redo.keys!.some((k) => matchesKey(key('y', { ctrl: true }), k))).toBe(true);
    expect(describeKey(redo.keys![0]!)).toBe('Ctrl+Shift+Z');
    expect(describeKey(undo.keys![0]!, true)).toBe('Cmd+Z');
  });
});
