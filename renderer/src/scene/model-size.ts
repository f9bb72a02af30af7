// The canvas starts at the base model's native size (64 px for the embedded model, 512 for
// SD 1.5) and follows the model while the artist has neither picked a size nor added a layer:
// resizing a drawing would move it, since strokes are kept in canvas pixels.
import type { ToolSettings } from '../canvas/tool-settings.ts';
import { defineAction } from './action.ts';
import type { SceneState } from './types.ts';

export interface CanvasSize {
  readonly width: number;
  readonly height: number;
}

/** The size the canvas should take for a model of this native size, or null to leave it. */
export function canvasSizeForModel(
  scene: SceneState,
  lastAuto: CanvasSize,
  resolution: number,
): CanvasSize | null {
  if (!Number.isInteger(resolution) || resolution < 64 || resolution % 8 !== 0) return null;
  if (scene.width !== lastAuto.width || scene.height !== lastAuto.height) return null;
  if (scene.layers.length > 0) return null;
  if (scene.width === resolution && scene.height === resolution) return null;
  return { width: resolution, height: resolution };
}

/** Brush sizes in proportion to the canvas: 4 px edges and a 48 px depth brush at 512. */
export function toolWidthsFor(size: CanvasSize): Pick<ToolSettings, 'strokeWidth' | 'depthBrushWidth'> {
  const side = Math.min(size.width, size.height);
  return {
    strokeWidth: Math.max(1, Math.round((side * 4) / 512)),
    depthBrushWidth: Math.max(4, Math.round((side * 48) / 512)),
  };
}

/** Not an undo step: nothing the artist did, and there is nothing on the canvas yet. */
export const followModelSize = defineAction<CanvasSize>({
  name: 'followModelSize',
  label: "Canvas at the model's size",
  undoable: false,
  perform(state, { width, height }) {
    if (state.width === width && state.height === height) return null;
    return { ...state, width, height };
  },
});
