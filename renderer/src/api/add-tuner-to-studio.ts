// Putting a library tuner to work in the Studio view: a style tuner joins the mix; a condition
// tuner takes over the first layer of its kind, whose drawing is what the artist wants it to
// follow (a new layer when there is none); each at the weight the tuner starts at.
import type { TunerSummary } from '../../../shared/api/library-schemas.ts';
import { addLayer, updateLayerSettings } from '../scene/layer-actions.ts';
import type { Studio } from '../ui/studio.ts';
import { startingWeight } from './default-tuner.ts';
import { LAYER_OF_CONDITION } from './generate-request.ts';

export type UsableTuner = Pick<TunerSummary, 'id' | 'name' | 'kind' | 'condition' | 'preferredWeight'>;

/** The most style tuners one generation mixes (the API's limit). */
export const MAX_STYLE_TUNERS = 8;

/** Does it, and says what it did (for a notice); throws when it cannot. */
export function addTunerToStudio(studio: Studio, tuner: UsableTuner): string {
  if (tuner.kind === 'sc') {
    const g = studio.generation.value;
    if (g.styleTuners.some((t) => t.tunerId === tuner.id)) return `"${tuner.name}" is already in the mix`;
    if (g.styleTuners.length >= MAX_STYLE_TUNERS)
      throw new Error(`the mix holds at most ${MAX_STYLE_TUNERS} style tuners: remove one first`);
    studio.generation.set({
      styleTuners: [...g.styleTuners, { tunerId: tuner.id, scale: startingWeight(tuner) }],
    });
    return `Added "${tuner.name}" to the mix`;
  }
  if (!tuner.condition) throw new Error(`"${tuner.name}" names no condition, so no layer can use it`);
  const kind = LAYER_OF_CONDITION[tuner.condition];
  const ofKind = studio.scene.state.layers.filter((l) => l.kind === kind);
  let layer = ofKind.find((l) => l.tunerId === tuner.id) ?? ofKind[0];
  if (!layer) {
    studio.run(addLayer, { kind });
    layer = studio.scene.state.layers.at(-1);
  }
  if (!layer) throw new Error(`no ${kind} layer could be added`);
  studio.run(updateLayerSettings, {
    id: layer.id,
    patch: { tunerId: tuner.id, weight: startingWeight(tuner) },
  });
  return `"${tuner.name}" drives the layer "${layer.name}"`;
}
