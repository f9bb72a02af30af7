import { describe, expect, it } from 'vitest';
import { defaultConditionTuner, startingWeight } from '../../../renderer/src/api/default-tuner.ts';
import { runAction } from '../../../renderer/src/scene/action.ts';
import { undo } from '../../../renderer/src/scene/history-actions.ts';
import { addLayer, updateLayerSettings } from '../../../renderer/src/scene/layer-actions.ts';
import { createScene } from '../../../renderer/src/scene/scene-factory.ts';
import { SceneStore } from '../../../renderer/src/scene/scene-store.ts';
import type { BaseModelInfo, TunerSummary } from '../../../shared/api/library-schemas.ts';

const model: BaseModelInfo = {
  id: 'embedded-tiny',
  name: 'Embedded tiny',
  source: 'embedded',
  resolution: 64,
  hash: 'abc',
  isDefault: true,
  examplePrompts: [],
};

function tuner(id: string, over: Partial<TunerSummary> = {}): TunerSummary {
  return {
    id,
    name: id,
    kind: 'csc',
    condition: 'pose',
    baseModel: 'embedded-tiny',
    fileHash: `hash-${id}`,
    sizeBytes: 1000,
    parameterCount: null,
    tags: [],
    rating: null,
    preferredWeight: null,
    triggerWords: [],
    preview: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('defaultConditionTuner', () => {
  it('prefers a shipped tuner over a newer trained one', () => {
    const tuners = [
      tuner('mine', { createdAt: '2026-06-01T00:00:00.000Z' }),
      tuner('shipped-pose', { tags: ['shipped'] }),
    ];
    expect(defaultConditionTuner(tuners, 'pose', model)).toBe('shipped-pose');
  });

  it('without a shipped one, takes the most recently added fitting tuner', () => {
    const tuners = [
      tuner('old', { createdAt: '2026-01-01T00:00:00.000Z' }),
      tuner('new', { createdAt: '2026-03-01T00:00:00.000Z' }),
      tuner('mid', { createdAt: '2026-02-01T00:00:00.000Z' }),
    ];
    expect(defaultConditionTuner(tuners, 'pose', model)).toBe('new');
  });

  it('skips tuners for another condition, another base model, or style tuners', () => {
    const tuners = [
      tuner('canny', { condition: 'canny', tags: ['shipped'] }),
      tuner('sd15-pose', { baseModel: 'sd15', tags: ['shipped'], createdAt: '2026-09-01T00:00:00.000Z' }),
      tuner('style', { kind: 'sc', condition: null }),
      tuner('by-hash', { baseModel: 'abc' }),
    ];
    expect(defaultConditionTuner(tuners, 'pose', model)).toBe('by-hash');
    expect(defaultConditionTuner(tuners, 'depth', model)).toBeNull();
    expect(defaultConditionTuner([], 'pose', model)).toBeNull();
  });
});

describe('addLayer with a default tuner', () => {
  it('binds only the new layer, and a later None stays None', () => {
    const store = new SceneStore(createScene());
    runAction(store, addLayer, { kind: 'edge', id: 'before' });
    runAction(store, addLayer, { kind: 'pose', id: 'pose', tunerId: 'shipped-pose' });
    const [before, pose] = store.state.layers;
    expect(before?.tunerId).toBeNull();
    expect(pose?.tunerId).toBe('shipped-pose');

    runAction(store, updateLayerSettings, { id: 'pose', patch: { tunerId: null } });
    expect(store.state.layers[1]?.tunerId).toBeNull();
    runAction(store, undo, undefined);
    expect(store.state.layers[1]?.tunerId).toBe('shipped-pose');
    // Adding and binding is one step: undo removes the layer, not just its tuner.
    runAction(store, undo, undefined);
    expect(store.state.layers.map((l) => l.id)).toEqual(['before']);
  });
});

describe('startingWeight', () => {
  it('starts where the tuner works best, else at 1', () => {
    expect(startingWeight(tuner('shipped-pose', { preferredWeight: 2 }))).toBe(2);
    expect(startingWeight(tuner('mine'))).toBe(1);
    expect(startingWeight(undefined)).toBe(1);
  });

  it('a new layer takes the weight it is given, and undo removes it whole', () => {
    const store = new SceneStore(createScene());
    runAction(store, addLayer, { kind: 'pose', id: 'pose', tunerId: 'shipped-pose', weight: 2 });
    runAction(store, addLayer, { kind: 'edge', id: 'edge' });
    expect(store.state.layers.map((l) => l.weight)).toEqual([2, 1]);
    runAction(store, undo, undefined);
    runAction(store, undo, undefined);
    expect(store.state.layers).toEqual([]);
  });
});
