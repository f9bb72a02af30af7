import { defaultConditionTuner, startingWeight } from '../api/default-tuner.ts';
import { CONDITION_OF_LAYER } from '../api/generate-request.ts';
import { useLibraryTuners } from '../api/use-library-tuners.ts';
import { activeLayer } from '../scene/layer-access.ts';
import {
  addLayer,
  clearLayer,
  duplicateLayer,
  moveLayer,
  removeLayer,
  selectLayer,
  updateLayerSettings,
} from '../scene/layer-actions.ts';
import { layerKindName } from '../scene/scene-factory.ts';
import { type ConditionLayer, LAYER_KINDS, type LayerKind } from '../scene/types.ts';
import { useScene, useSmallStore } from '../ui/hooks.ts';
import { NumberSlider } from '../ui/NumberSlider.tsx';
import { useStudio } from '../ui/studio.ts';
import { AnnotateOntoLayer } from './AnnotateOntoLayer.tsx';

function LayerRow({ layer, active }: { layer: ConditionLayer; active: boolean }) {
  const studio = useStudio();
  return (
    <li className={active ? 'layer-row active' : 'layer-row'} aria-current={active ? 'true' : undefined}>
      <input
        type="checkbox"
        checked={layer.enabled}
        aria-label={`Enable ${layer.name}`}
        onChange={(e) =>
          studio.run(updateLayerSettings, { id: layer.id, patch: { enabled: e.target.checked } })
        }
      />
      <button
        type="button"
        className="layer-name"
        onClick={() => studio.run(selectLayer, { id: layer.id })}
        aria-label={`Select layer ${layer.name}`}
      >
        <span className={`kind-badge kind-${layer.kind}`}>{layerKindName(layer.kind)}</span> {layer.name}
        {layer.mask && <span className="muted"> · masked</span>}
      </button>
      <span className="muted weight">{layer.weight.toFixed(2)}</span>
    </li>
  );
}

function LayerProperties({ layer }: { layer: ConditionLayer }) {
  const studio = useStudio();
  const release = () => studio.scene.endCoalescing();
  const [start, end] = layer.stepRange;
  return (
    <section className="layer-properties" aria-label={`${layer.name} settings`}>
      <label className="field">
        Name
        <input
          value={layer.name}
          onChange={(e) => studio.run(updateLayerSettings, { id: layer.id, patch: { name: e.target.value } })}
          onBlur={release}
        />
      </label>
      <NumberSlider
        label="Weight"
        min={0}
        max={3}
        step={0.05}
        value={layer.weight}
        onChange={(weight) => studio.run(updateLayerSettings, { id: layer.id, patch: { weight } })}
        onRelease={release}
        hint="How strongly this condition steers the image"
      />
      <NumberSlider
        label="Start step"
        min={0}
        max={1}
        step={0.05}
        value={start}
        onChange={(v) =>
          studio.run(updateLayerSettings, { id: layer.id, patch: { stepRange: [v, Math.max(v, end)] } })
        }
        onRelease={release}
        hint="Fraction of the sampling steps at which the condition starts"
      />
      <NumberSlider
        label="End step"
        min={0}
        max={1}
        step={0.05}
        value={end}
        onChange={(v) =>
          studio.run(updateLayerSettings, { id: layer.id, patch: { stepRange: [Math.min(start, v), v] } })
        }
        onRelease={release}
        hint="Fraction of the sampling steps at which the condition stops"
      />
      <NumberSlider
        label="Opacity"
        min={0}
        max={1}
        step={0.05}
        value={layer.opacity}
        onChange={(opacity) => studio.run(updateLayerSettings, { id: layer.id, patch: { opacity } })}
        onRelease={release}
        hint="How visible the layer is over the generated image (display only)"
      />
      <div className="button-row">
        <button type="button" onClick={() => studio.run(moveLayer, { id: layer.id, by: 1 })}>
          Move up
        </button>
        <button type="button" onClick={() => studio.run(moveLayer, { id: layer.id, by: -1 })}>
          Move down
        </button>
        <button type="button" onClick={() => studio.run(duplicateLayer, { id: layer.id })}>
          Duplicate
        </button>
        <button type="button" onClick={() => studio.run(clearLayer, { id: layer.id })}>
          Clear
        </button>
        <button type="button" className="danger" onClick={() => studio.run(removeLayer, { id: layer.id })}>
          Delete layer
        </button>
      </div>
      <AnnotateOntoLayer layer={layer} />
    </section>
  );
}

export function LayersPanel() {
  const studio = useStudio();
  const scene = useScene(studio.scene);
  const active = activeLayer(scene);
  const library = useLibraryTuners().data;
  const { baseModel } = useSmallStore(studio.generation);

  // A new layer starts bound to a fitting condition tuner (a shipped one first), so drawing
  // works without a trip to the mixer; later choices, None included, are the user's.
  function addLayerOf(kind: LayerKind) {
    const model = library?.models.find((m) => m.id === baseModel) ?? library?.models.find((m) => m.isDefault);
    const tunerId = library ? defaultConditionTuner(library.csc, CONDITION_OF_LAYER[kind], model) : null;
    const weight = startingWeight(library?.csc.find((t) => t.id === tunerId));
    studio.run(addLayer, { kind, tunerId, weight });
  }

  return (
    <section className="panel" aria-labelledby="layers-title">
      <h2 id="layers-title">Layers</h2>
      <fieldset className="button-row" aria-label="Add layer">
        {LAYER_KINDS.map((kind) => (
          <button key={kind} type="button" onClick={() => addLayerOf(kind)}>
            + {layerKindName(kind)}
          </button>
        ))}
      </fieldset>
      {scene.layers.length === 0 ? (
        <p className="muted">No condition layers yet.</p>
      ) : (
        <ul className="layer-list" aria-label="Condition layers, top first">
          {[...scene.layers].reverse().map((layer) => (
            <LayerRow key={layer.id} layer={layer} active={layer.id === scene.activeLayerId} />
          ))}
        </ul>
      )}
      {active && <LayerProperties key={active.id} layer={active} />}
    </section>
  );
}
