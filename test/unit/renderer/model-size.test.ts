import { describe, expect, it } from 'vitest';
import { runAction } from '../../../renderer/src/scene/action.ts';
import { addLayer } from '../../../renderer/src/scene/layer-actions.ts';
import {
  canvasSizeForModel,
  followModelSize,
  toolWidthsFor,
} from '../../../renderer/src/scene/model-size.ts';
import { createScene } from '../../../renderer/src/scene/scene-factory.ts';
import { SceneStore } from '../../../renderer/src/scene/scene-store.ts';

const at512 = { width: 512, height: 512 };

describe('the canvas follows the base model', () => {
  it("takes a new model's native size while the canvas is untouched", () => {
    const scene = createScene();
    expect(canvasSizeForModel(scene, at512, 64)).toEqual({ width: 64, height: 64 });
    expect(canvasSizeForModel(scene, at512, 512)).toBeNull();
    expect(canvasSizeForModel(createScene(64, 64), { width: 64, height: 64 }, 512)).toEqual(at512);
  });

  it('keeps a size the artist chose, and a canvas with layers', () => {
    expect(canvasSizeForModel(createScene(768, 512), at512, 64)).toBeNull();
    const store = new SceneStore(createScene());
    runAction(store, addLayer, { kind: 'edge' });
    expect(canvasSizeForModel(store.state, at512, 64)).toBeNull();
  });

  it('ignores sizes the engine cannot generate', () => {
    expect(canvasSizeForModel(createScene(), at512, 60)).toBeNull();
    expect(canvasSizeForModel(createScene(), at512, 100)).toBeNull();
  });

  it('resizes without an undo step', () => {
    const store = new SceneStore(createScene());
    runAction(store, followModelSize, { width: 64, height: 64 });
    expect([store.state.width, store.state.height]).toEqual([64, 64]);
    expect(store.canUndo).toBe(false);
  });

  it('scales brush sizes with the canvas', () => {
    expect(toolWidthsFor(at512)).toEqual({ strokeWidth: 4, depthBrushWidth: 48 });
    expect(toolWidthsFor({ width: 64, height: 64 })).toEqual({ strokeWidth: 1, depthBrushWidth: 6 });
  });
});
