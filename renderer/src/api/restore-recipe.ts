import type { z } from 'zod';
import type { Recipe, StoredConditionLayer } from '../../../shared/api/generation-schemas.ts';
import type { RecipeFromImageResult } from '../../../shared/api/library-schemas.ts';
import type { StudioClient } from '../../../shared/api/studio-client.ts';
import { replaceScene } from '../scene/history-actions.ts';
import { createLayer, layerKindName } from '../scene/scene-factory.ts';
import type { ConditionLayer, LayerImage, RegionMask, SceneState } from '../scene/types.ts';
import { readFileAsDataUrl } from '../ui/read-file.ts';
import type { Studio } from '../ui/studio.ts';
import { LAYER_OF_CONDITION } from './generate-request.ts';
import { SAMPLER_LABELS } from './generation-settings.ts';

async function fetchAsDataUrl(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status} ${res.statusText}`);
  return readFileAsDataUrl(await res.blob());
}

/** A stored condition layer back as an editable canvas layer, its region mask included. */
export function restoredLayer(
  stored: StoredConditionLayer,
  index: number,
  image: LayerImage,
): { layer: ConditionLayer; warning: string | null } {
  const kind = LAYER_OF_CONDITION[stored.kind];
  const base = createLayer(kind, { name: `${layerKindName(kind)} ${index + 1}` });
  const mask: RegionMask | null = stored.region ? { ...stored.region } : null;
  return {
    layer: {
      ...base,
      weight: stored.weight,
      enabled: stored.enabled,
      stepRange: [stored.start, stored.end],
      tunerId: stored.tunerId,
      mask,
      image,
    },
    warning:
      stored.mask && !mask
        ? `The region mask of layer ${index + 1} was not restored: the recipe is older than stored mask shapes`
        : null,
  };
}

/** Fetches each stored layer's map and rebuilds the canvas layers. */
async function restoreLayers(
  api: StudioClient,
  stored: readonly StoredConditionLayer[],
  width: number,
  height: number,
  warnings: string[],
): Promise<ConditionLayer[]> {
  const layers: ConditionLayer[] = [];
  for (const [i, s] of stored.entries()) {
    const dataUrl = await fetchAsDataUrl(api.fileUrl(s.image));
    const { layer, warning } = restoredLayer(s, i, { dataUrl, width, height });
    if (warning) warnings.push(warning);
    layers.push(layer);
  }
  return layers;
}

/** Puts every setting of a stored generation back: prompt, sampler, seed, tuners and layers with their masks (one undo step). */
export async function restoreRecipe(studio: Studio, api: StudioClient, recipe: Recipe): Promise<string[]> {
  const warnings: string[] = [];
  const layers = await restoreLayers(api, recipe.layers, recipe.width, recipe.height, warnings);
  studio.generation.set({
    prompt: recipe.prompt,
    negativePrompt: recipe.negativePrompt,
    seed: recipe.seed,
    seedLocked: true,
    steps: recipe.steps,
    guidance: recipe.guidance,
    sampler: recipe.sampler,
    baseModel: recipe.baseModel,
    styleTuners: recipe.styleTuners.map((t) => ({ tunerId: t.tunerId, scale: t.scale })),
  });
  const scene: SceneState = {
    width: recipe.width,
    height: recipe.height,
    layers,
    activeLayerId: layers.at(-1)?.id ?? null,
  };
  studio.run(replaceScene, { scene });
  return warnings;
}

type ImageRecipe = z.infer<typeof RecipeFromImageResult>;

/** Reads a dropped PNG's layers from the library and applies everything its metadata says. */
export async function restoreImageRecipe(
  studio: Studio,
  api: StudioClient,
  r: ImageRecipe,
): Promise<string[]> {
  const warnings: string[] = [];
  const layers =
    r.layers.length > 0 && r.width !== null && r.height !== null
      ? await restoreLayers(api, r.layers, r.width, r.height, warnings)
      : null;
  return [...applyImageRecipe(studio, r, layers), ...warnings];
}

/**
 * Applies what a dropped PNG's metadata says; fields it does not have stay as they are. With
 * `layers`, the canvas's layers are replaced by them (the picture's own, from the library).
 */
export function applyImageRecipe(
  studio: Studio,
  r: ImageRecipe,
  layers: ConditionLayer[] | null = null,
): string[] {
  const warnings = [...r.warnings];
  const patch: Parameters<typeof studio.generation.set>[0] = {};
  if (r.prompt !== null) Object.assign(patch, { prompt: r.prompt });
  if (r.negativePrompt !== null) Object.assign(patch, { negativePrompt: r.negativePrompt });
  if (r.seed !== null) Object.assign(patch, { seed: r.seed, seedLocked: true });
  if (r.steps !== null) Object.assign(patch, { steps: r.steps });
  if (r.guidance !== null) Object.assign(patch, { guidance: r.guidance });
  if (r.sampler !== null) {
    const known = Object.entries(SAMPLER_LABELS).find(
      ([id, label]) => r.sampler === id || r.sampler === label,
    );
    if (known) Object.assign(patch, { sampler: known[0] });
    else
      warnings.push(
        `Sampler "${r.sampler}" is not one of ours; kept ${SAMPLER_LABELS[studio.generation.value.sampler]}`,
      );
  }
  const style = r.tuners.filter((t) => t.kind === 'sc');
  const found = style.filter((t) => t.tunerId !== null);
  if (style.length)
    Object.assign(patch, { styleTuners: found.map((t) => ({ tunerId: t.tunerId!, scale: t.weight })) });
  for (const t of r.tuners) {
    if (t.tunerId === null) warnings.push(`Tuner "${t.name}" (${t.hash.slice(0, 10)}) is not in the library`);
  }
  studio.generation.set(patch);
  if (r.width !== null && r.height !== null && r.width % 8 === 0 && r.height % 8 === 0) {
    const s = studio.scene.state;
    if (layers && layers.length > 0) {
      studio.run(replaceScene, {
        scene: { width: r.width, height: r.height, layers, activeLayerId: layers.at(-1)!.id },
      });
    } else if (s.width !== r.width || s.height !== r.height) {
      studio.run(replaceScene, { scene: { ...s, width: r.width, height: r.height } });
    }
  }
  return warnings;
}
