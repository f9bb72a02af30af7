import { defineAction } from './action.ts';
import { isDepthLayer, isEdgeLayer, replaceLayer } from './layer-access.ts';
import type { DepthOp, EdgeStroke } from './types.ts';

function checkPoints(points: readonly number[], what: string): void {
  if (points.length < 2 || points.length % 2 !== 0 || !points.every(Number.isFinite)) {
    throw new Error(`${what} needs x,y pairs of finite numbers, got ${points.length} values`);
  }
}

function checkWidth(width: number, what: string): void {
  if (!(Number.isFinite(width) && width > 0 && width <= 512)) {
    throw new Error(`${what} width must be between 0 and 512 pixels, got ${width}`);
  }
}

/** A brush or eraser stroke, or a straight line (two points), on an edge or scribble layer. */
export const addEdgeStroke = defineAction<{ layerId: string; stroke: EdgeStroke }>({
  name: 'addEdgeStroke',
  label: 'Draw',
  undoable: true,
  perform(state, { layerId, stroke }) {
    checkPoints(stroke.points, 'A stroke');
    checkWidth(stroke.width, 'Stroke');
    return replaceLayer(state, layerId, (layer) => {
      if (!isEdgeLayer(layer))
        throw new Error(`Layer "${layer.name}" is a ${layer.kind} layer, not an edge layer`);
      return { ...layer, strokes: [...layer.strokes, stroke] };
    });
  },
});

/** A depth brush stroke or a gradient on a depth layer. */
export const addDepthOp = defineAction<{ layerId: string; op: DepthOp }>({
  name: 'addDepthOp',
  label: 'Paint depth',
  undoable: true,
  perform(state, { layerId, op }) {
    if (op.type === 'stroke') {
      checkPoints(op.points, 'A depth stroke');
      checkWidth(op.width, 'Depth brush');
      if (!(op.value >= 0 && op.value <= 1)) throw new Error(`Depth value must be in 0..1, got ${op.value}`);
      if (!(op.softness >= 0 && op.softness <= 1))
        throw new Error(`Softness must be in 0..1, got ${op.softness}`);
    } else {
      checkPoints([...op.from, ...op.to], 'A gradient');
      if (op.from[0] === op.to[0] && op.from[1] === op.to[1]) return null;
    }
    return replaceLayer(state, layerId, (layer) => {
      if (!isDepthLayer(layer))
        throw new Error(`Layer "${layer.name}" is a ${layer.kind} layer, not a depth layer`);
      return { ...layer, ops: [...layer.ops, op] };
    });
  },
});

export const setDepthBackground = defineAction<{ layerId: string; value: number }>({
  name: 'setDepthBackground',
  label: 'Change depth background',
  undoable: true,
  coalesce: ({ layerId }) => `depth-bg:${layerId}`,
  perform(state, { layerId, value }) {
    if (!(value >= 0 && value <= 1)) throw new Error(`Depth value must be in 0..1, got ${value}`);
    return replaceLayer(state, layerId, (layer) =>
      isDepthLayer(layer) && layer.background !== value ? { ...layer, background: value } : null,
    );
  },
});
