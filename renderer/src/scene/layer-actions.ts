import { defineAction } from './action.ts';
import { newId } from './ids.ts';
import { replaceLayer } from './layer-access.ts';
import { createLayer } from './scene-factory.ts';
import type { ConditionLayer, LayerImage, LayerKind, RegionMask } from './types.ts';

/**
 * tunerId: the condition tuner the new layer starts bound to (see defaultConditionTuner); weight:
 * where it starts (that tuner's preferred weight, see startingWeight).
 */
export const addLayer = defineAction<{
  kind: LayerKind;
  id?: string;
  name?: string;
  tunerId?: string | null;
  weight?: number;
}>({
  name: 'addLayer',
  label: 'Add layer',
  undoable: true,
  perform(state, { kind, id, name, tunerId, weight }) {
    const layer = createLayer(kind, {
      ...(id ? { id } : {}),
      ...(name ? { name } : {}),
      ...(tunerId ? { tunerId } : {}),
      ...(weight !== undefined ? { weight } : {}),
    });
    return { ...state, layers: [...state.layers, layer], activeLayerId: layer.id };
  },
});

export const removeLayer = defineAction<{ id: string }>({
  name: 'removeLayer',
  label: 'Delete layer',
  undoable: true,
  perform(state, { id }) {
    const index = state.layers.findIndex((l) => l.id === id);
    if (index < 0) return null;
    const layers = state.layers.filter((l) => l.id !== id);
    const activeLayerId =
      state.activeLayerId === id
        ? (layers[Math.min(index, layers.length - 1)]?.id ?? null)
        : state.activeLayerId;
    return { ...state, layers, activeLayerId };
  },
});

export const duplicateLayer = defineAction<{ id: string; newId?: string }>({
  name: 'duplicateLayer',
  label: 'Duplicate layer',
  undoable: true,
  perform(state, args) {
    const index = state.layers.findIndex((l) => l.id === args.id);
    const layer = state.layers[index];
    if (!layer) return null;
    const copy: ConditionLayer = { ...layer, id: args.newId ?? newId('layer'), name: `${layer.name} copy` };
    const layers = [...state.layers];
    layers.splice(index + 1, 0, copy);
    return { ...state, layers, activeLayerId: copy.id };
  },
});

/** Moves a layer up (+1, towards the top) or down (-1) the stack. */
export const moveLayer = defineAction<{ id: string; by: number }>({
  name: 'moveLayer',
  label: 'Reorder layers',
  undoable: true,
  perform(state, { id, by }) {
    const from = state.layers.findIndex((l) => l.id === id);
    if (from < 0) return null;
    const to = Math.max(0, Math.min(state.layers.length - 1, from + by));
    if (to === from) return null;
    const layers = [...state.layers];
    const [layer] = layers.splice(from, 1);
    if (!layer) return null;
    layers.splice(to, 0, layer);
    return { ...state, layers };
  },
});

export const selectLayer = defineAction<{ id: string | null }>({
  name: 'selectLayer',
  label: 'Select layer',
  undoable: false,
  perform(state, { id }) {
    if (state.activeLayerId === id) return null;
    if (id !== null && !state.layers.some((l) => l.id === id)) return null;
    return { ...state, activeLayerId: id };
  },
});

export type LayerSettings = Partial<
  Pick<ConditionLayer, 'name' | 'weight' | 'enabled' | 'stepRange' | 'opacity' | 'tunerId'>
>;

function validateSettings(patch: LayerSettings): void {
  if (
    patch.weight !== undefined &&
    !(Number.isFinite(patch.weight) && patch.weight >= 0 && patch.weight <= 2)
  ) {
    throw new Error(`Layer weight must be between 0 and 2, got ${patch.weight}`);
  }
  if (patch.opacity !== undefined && !(patch.opacity >= 0 && patch.opacity <= 1)) {
    throw new Error(`Layer opacity must be between 0 and 1, got ${patch.opacity}`);
  }
  if (patch.stepRange !== undefined) {
    const [start, end] = patch.stepRange;
    if (!(start >= 0 && end <= 1 && start <= end)) {
      throw new Error(`Layer step range must satisfy 0 <= start <= end <= 1, got [${start}, ${end}]`);
    }
  }
}

export const updateLayerSettings = defineAction<{ id: string; patch: LayerSettings }>({
  name: 'updateLayerSettings',
  label: 'Change layer settings',
  undoable: true,
  coalesce: ({ id, patch }) => `settings:${id}:${Object.keys(patch).sort().join(',')}`,
  perform(state, { id, patch }) {
    validateSettings(patch);
    return replaceLayer(state, id, (layer) => {
      const changed = (Object.keys(patch) as (keyof LayerSettings)[]).some((k) => {
        const a = patch[k];
        const b = layer[k];
        return Array.isArray(a) && Array.isArray(b) ? a[0] !== b[0] || a[1] !== b[1] : a !== b;
      });
      return changed ? ({ ...layer, ...patch } as ConditionLayer) : null;
    });
  },
});

export const setLayerMask = defineAction<{ id: string; mask: RegionMask | null }>({
  name: 'setLayerMask',
  label: 'Change region mask',
  undoable: true,
  coalesce: ({ id }) => `mask:${id}`,
  perform(state, { id, mask }) {
    return replaceLayer(state, id, (layer) => ({ ...layer, mask }));
  },
});

export const setLayerImage = defineAction<{ id: string; image: LayerImage | null }>({
  name: 'setLayerImage',
  label: 'Load picture onto layer',
  undoable: true,
  perform(state, { id, image }) {
    return replaceLayer(state, id, (layer) => (layer.image === image ? null : { ...layer, image }));
  },
});

export const clearLayer = defineAction<{ id: string }>({
  name: 'clearLayer',
  label: 'Clear layer',
  undoable: true,
  perform(state, { id }) {
    return replaceLayer(state, id, (layer) => {
      switch (layer.kind) {
        case 'edge':
        case 'scribble':
          return layer.strokes.length || layer.image ? { ...layer, strokes: [], image: null } : null;
        case 'depth':
          return layer.ops.length || layer.image ? { ...layer, ops: [], image: null } : null;
        case 'pose':
          return layer.people.length ? { ...layer, people: [] } : null;
      }
    });
  },
});

export const setCanvasSize = defineAction<{ width: number; height: number }>({
  name: 'setCanvasSize',
  label: 'Change canvas size',
  undoable: true,
  perform(state, { width, height }) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 64 && height >= 64)) {
      throw new Error(`Canvas size must be whole pixels of at least 64, got ${width}x${height}`);
    }
    if (width === state.width && height === state.height) return null;
    return { ...state, width, height };
  },
});
