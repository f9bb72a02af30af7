import { defineAction } from './action.ts';
import type { SceneState } from './types.ts';

export const undo = defineAction({
  name: 'undo',
  label: 'Undo',
  keys: [{ key: 'z', mod: true }],
  undoable: false,
  perform(_state, _args, store) {
    store.undo();
    return null;
  },
});

export const redo = defineAction({
  name: 'redo',
  label: 'Redo',
  keys: [
    { key: 'z', mod: true, shift: true },
    { key: 'y', mod: true },
  ],
  undoable: false,
  perform(_state, _args, store) {
    store.redo();
    return null;
  },
});

/** Puts a whole scene in place (a recipe restored from the gallery); undoable like any edit. */
export const replaceScene = defineAction<{ scene: SceneState }>({
  name: 'replaceScene',
  label: 'Restore layers',
  undoable: true,
  perform(_state, { scene }) {
    return scene;
  },
});
