import type { ConditionLayer, DepthLayer, EdgeLayer, PoseLayer, SceneState } from './types.ts';

export function findLayer(state: SceneState, id: string): ConditionLayer | undefined {
  return state.layers.find((l) => l.id === id);
}

export function activeLayer(state: SceneState): ConditionLayer | undefined {
  return state.activeLayerId === null ? undefined : findLayer(state, state.activeLayerId);
}

/** Replaces one layer; returns null (no change) when `update` does, or the layer is gone. */
export function replaceLayer(
  state: SceneState,
  id: string,
  update: (layer: ConditionLayer) => ConditionLayer | null,
): SceneState | null {
  const index = state.layers.findIndex((l) => l.id === id);
  const layer = state.layers[index];
  if (!layer) return null;
  const next = update(layer);
  if (next === null || next === layer) return null;
  const layers = [...state.layers];
  layers[index] = next;
  return { ...state, layers };
}

export function isEdgeLayer(layer: ConditionLayer): layer is EdgeLayer {
  return layer.kind === 'edge' || layer.kind === 'scribble';
}

export function isDepthLayer(layer: ConditionLayer): layer is DepthLayer {
  return layer.kind === 'depth';
}

export function isPoseLayer(layer: ConditionLayer): layer is PoseLayer {
  return layer.kind === 'pose';
}
