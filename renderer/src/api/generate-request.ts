import type { ConditionKind } from '../../../shared/api/common-schemas.ts';
import type { GenerateRequest } from '../../../shared/api/generation-schemas.ts';
import type { Bitmap } from '../raster/bitmap.ts';
import { renderConditionMap } from '../raster/condition-map.ts';
import { renderMaskMap } from '../raster/mask-map.ts';
import type { ConditionLayer, LayerKind, SceneState } from '../scene/types.ts';
import type { GenerationSettings } from './generation-settings.ts';

export const CONDITION_OF_LAYER: Record<LayerKind, ConditionKind> = {
  edge: 'canny',
  scribble: 'scribble',
  depth: 'depth',
  pose: 'pose',
};

export const LAYER_OF_CONDITION: Record<ConditionKind, LayerKind> = {
  canny: 'edge',
  scribble: 'scribble',
  depth: 'depth',
  pose: 'pose',
};

export interface BuiltRequest {
  readonly request: GenerateRequest;
  /** Enabled layers left out, and why, to tell the artist. */
  readonly skipped: readonly string[];
}

/**
 * The generate call for the current scene and settings. `encodePng` turns a condition bitmap
 * into base64 PNG (a canvas in the browser); `images` holds each layer's decoded picture.
 */
export function buildGenerateRequest(
  scene: SceneState,
  settings: GenerationSettings,
  seed: number | null,
  encodePng: (bitmap: Bitmap) => string,
  images: ReadonlyMap<string, Bitmap> = new Map(),
): BuiltRequest {
  if (scene.width % 8 !== 0 || scene.height % 8 !== 0) {
    throw new Error(
      `Image size must be a multiple of 8 pixels, the canvas is ${scene.width}x${scene.height}`,
    );
  }
  const skipped: string[] = [];
  const layers = scene.layers
    .filter((layer): layer is ConditionLayer & { tunerId: string } => {
      if (!layer.enabled) return false;
      if (layer.tunerId === null) {
        skipped.push(`Layer "${layer.name}" has no condition tuner chosen in the mixer, so it was not used`);
        return false;
      }
      return true;
    })
    .map((layer) => ({
      id: layer.id,
      kind: CONDITION_OF_LAYER[layer.kind],
      tunerId: layer.tunerId,
      weight: layer.weight,
      enabled: true,
      start: layer.stepRange[0],
      end: layer.stepRange[1],
      image: encodePng(renderConditionMap(layer, scene.width, scene.height, images.get(layer.id) ?? null)),
      mask: layer.mask ? encodePng(renderMaskMap(layer.mask, scene.width, scene.height)) : null,
      region: layer.mask ? { ...layer.mask } : null,
    }));
  return {
    request: {
      prompt: settings.prompt,
      negativePrompt: settings.negativePrompt,
      seed,
      steps: settings.steps,
      guidance: settings.guidance,
      sampler: settings.sampler,
      width: scene.width,
      height: scene.height,
      baseModel: settings.baseModel,
      styleTuners: settings.styleTuners.map((t) => ({ tunerId: t.tunerId, scale: t.scale })),
      layers,
      batchCount: settings.batchCount,
      previews: true,
    },
    skipped,
  };
}
