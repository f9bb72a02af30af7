import { newId } from './ids.ts';
import type { ConditionLayer, DepthLayer, EdgeLayer, LayerKind, PoseLayer, SceneState } from './types.ts';

export const DEFAULT_SCENE_SIZE = 512;

export function createScene(width = DEFAULT_SCENE_SIZE, height = DEFAULT_SCENE_SIZE): SceneState {
  return { width, height, layers: [], activeLayerId: null };
}

const KIND_NAMES: Record<LayerKind, string> = {
  edge: 'Edges',
  scribble: 'Scribble',
  depth: 'Depth',
  pose: 'Pose',
};

export function layerKindName(kind: LayerKind): string {
  return KIND_NAMES[kind];
}

export function createLayer(
  kind: LayerKind,
  options: { id?: string; name?: string; tunerId?: string; weight?: number } = {},
): ConditionLayer {
  const common = {
    id: options.id ?? newId('layer'),
    name: options.name ?? KIND_NAMES[kind],
    weight: options.weight ?? 1,
    enabled: true,
    stepRange: [0, 1] as const,
    mask: null,
    opacity: 0.8,
    tunerId: options.tunerId ?? null,
    image: null,
  };
  switch (kind) {
    case 'edge':
    case 'scribble':
      return { ...common, kind, strokes: [] } satisfies EdgeLayer;
    case 'depth':
      return { ...common, kind, background: 0, ops: [] } satisfies DepthLayer;
    case 'pose':
      return { ...common, kind, people: [] } satisfies PoseLayer;
  }
}
