import { describe, expect, it } from 'vitest';
import { runAction } from '../../../renderer/src/scene/action.ts';
import { redo, replaceScene, undo } from '../../../renderer/src/scene/history-actions.ts';
import { addLayer, selectLayer, updateLayerSettings } from '../../../renderer/src/scene/layer-actions.ts';
import { createScene } from '../../../renderer/src/scene/scene-factory.ts';
import { SceneStore } from '../../../renderer/src/scene/scene-store.ts';

function store() {
  return new SceneStore(createScene(64, 64));
}

describe('SceneStore', () => {
  it('notifies subscribers with the new state and a growing version', () => {
    const s = store();
    const seen: number[] = [];
    const off = s.subscribe((_state, version) => seen.push(version));
    runAction(s, addLayer, { kind: 'edge', id: 'a' });
    runAction(s, addLayer, { kind: 'depth', id: 'b' });
    off();
    runAction(s, addLayer, { kind: 'pose', id: 'c' });
    expect(seen).toEqual([1, 2]);
    expect(s.version).toBe(3);
    expect(s.state.layers.map((l) => l.id)).toEqual(['a', 'b', 'c']);
  });

  it('undoes and redoes edits in order, and a new edit clears redo', () => {
    const s = store();
    const empty = s.state;
    runAction(s, addLayer, { kind: 'edge', id: 'a' });
    const one = s.state;
    runAction(s, addLayer, { kind: 'depth', id: 'b' });
    expect(s.undoLabel).toBe('Add layer');
    runAction(s, undo, undefined);
    expect(s.state.layers).toBe(one.layers);
    runAction(s, undo, undefined);
    expect(s.state.layers).toBe(empty.layers);
    expect(s.canUndo).toBe(false);
    runAction(s, redo, undefined);
    expect(s.state.layers).toBe(one.layers);
    runAction(s, addLayer, { kind: 'pose', id: 'c' });
    expect(s.canRedo).toBe(false);
    expect(s.state.layers.map((l) => l.id)).toEqual(['a', 'c']);
  });

  it('keeps unchanged layers identical (structural sharing)', () => {
    const s = store();
    runAction(s, addLayer, { kind: 'edge', id: 'a' });
    runAction(s, addLayer, { kind: 'depth', id: 'b' });
    const a = s.state.layers[0];
    runAction(s, updateLayerSettings, { id: 'b', patch: { weight: 0.5 } });
    expect(s.state.layers[0]).toBe(a);
  });

  it('merges a slider drag into one undo step and splits separate drags', () => {
    const s = store();
    runAction(s, addLayer, { kind: 'edge', id: 'a' });
    for (const w of [0.9, 0.8, 0.7]) runAction(s, updateLayerSettings, { id: 'a', patch: { weight: w } });
    s.endCoalescing();
    for (const w of [0.6, 0.5]) runAction(s, updateLayerSettings, { id: 'a', patch: { weight: w } });
    expect(s.state.layers[0]?.weight).toBe(0.5);
    s.undo();
    expect(s.state.layers[0]?.weight).toBe(0.7);
    s.undo();
    expect(s.state.layers[0]?.weight).toBe(1);
  });

  it('does not record selection changes, and undo keeps a still-existing selection', () => {
    const s = store();
    runAction(s, addLayer, { kind: 'edge', id: 'a' });
    runAction(s, addLayer, { kind: 'depth', id: 'b' });
    runAction(s, selectLayer, { id: 'a' });
    runAction(s, updateLayerSettings, { id: 'b', patch: { enabled: false } });
    s.undo();
    expect(s.state.activeLayerId).toBe('a');
    expect(s.state.layers[1]?.enabled).toBe(true);
    s.undo();
    expect(s.state.layers.map((l) => l.id)).toEqual(['a']);
    expect(s.state.activeLayerId).toBe('a');
    s.undo();
    expect(s.state.activeLayerId).toBeNull();
  });

  it('caps the history and ignores no-op edits', () => {
    const s = new SceneStore(createScene(64, 64), 3);
    for (let i = 0; i < 5; i++) runAction(s, addLayer, { kind: 'edge', id: `l${i}` });
    const before = s.version;
    expect(runAction(s, updateLayerSettings, { id: 'l0', patch: { weight: 1 } })).toBe(false);
    expect(s.version).toBe(before);
    let undos = 0;
    while (s.undo()) undos++;
    expect(undos).toBe(3);
    expect(s.state.layers).toHaveLength(2);
  });

  it('restores a whole scene as one undoable edit', () => {
    const s = store();
    runAction(s, addLayer, { kind: 'edge', id: 'a' });
    const restored = { ...createScene(128, 96), layers: [] };
    runAction(s, replaceScene, { scene: restored });
    expect(s.state.width).toBe(128);
    s.undo();
    expect(s.state.width).toBe(64);
    expect(s.state.layers).toHaveLength(1);
  });
});
