import type { z } from 'zod';
import type { Recipe } from '../../../shared/api/generation-schemas.ts';
import type { RecipeFromImageResult } from '../../../shared/api/library-schemas.ts';
import type { StudioClient } from '../../../shared/api/studio-client.ts';
import { replaceScene } from '../scene/history-actions.ts';
import { createLayer } from '../scene/scene-factory.ts';
import type { ConditionLayer, SceneState } from '../scene/types.ts';
import { readFileAsDataUrl } from '../ui/read-file.ts';
import type { Studio } from '../ui/studio.ts';
import { LAYER_OF_CONDITION } from './generate-request.ts';
import { SAMPLER_LABELS } from './generation-settings.ts';

async function fetchAsDataUrl(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status} ${res.statusText}`);
  return readFileAsDataUrl(await res.blob());
}

/** Puts every setting of a stored generation back: prompt, sampler, seed, tuners and layers (one undo step). */
export async function restoreRecipe(studio: Studio, api: StudioClient, recipe: Recipe): Promise<string[]> {
  const warnings: string[] = [];
  const layers: ConditionLayer[] = [];
  for (const [i, stored] of recipe.layers.entries()) {
    const base = createLayer(LAYER_OF_CONDITION[stored.kind], { name: `${stored.kind} ${i + 1}` });
    const dataUrl = await fetchAsDataUrl(api.fileUrl(stored.image));
    if (stored.mask)
      warnings.push(
        `The region mask of layer ${i + 1} was not restored (masks from files are not editable yet)`,
      );
    layers.push({
      ...base,
      weight: stored.weight,
      enabled: stored.enabled,
      stepRange: [stored.start, stored.end],
      tunerId: stored.tunerId,
      image: { dataUrl, width: recipe.width, height: recipe.height },
    });
  }
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

/** Applies what a dropped PNG's metadata says; fields it does not have stay as they are. */
export function applyImageRecipe(studio: Studio, r: ImageRecipe): string[] {
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
    if (s.width !== r.width || s.height !== r.height) {
      studio.run(replaceScene, { scene: { ...s, width: r.width, height: r.height } });
    }
  }
  return warnings;
}
