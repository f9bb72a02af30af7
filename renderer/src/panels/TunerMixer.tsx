import { useEffect } from 'react';
import type { BaseModelInfo, TunerSummary } from '../../../shared/api/library-schemas.ts';
import { MAX_STYLE_TUNERS } from '../api/add-tuner-to-studio.ts';
import { useApi } from '../api/connection.ts';
import { startingWeight } from '../api/default-tuner.ts';
import { CONDITION_OF_LAYER } from '../api/generate-request.ts';
import { promptHasPhrase, promptWithPhrase } from '../api/trigger-words.ts';
import { mismatchReason } from '../api/tuner-compat.ts';
import { useLibraryTuners } from '../api/use-library-tuners.ts';
import { updateLayerSettings } from '../scene/layer-actions.ts';
import type { ConditionLayer } from '../scene/types.ts';
import { useScene, useSmallStore } from '../ui/hooks.ts';
import { NotConnected } from '../ui/NotConnected.tsx';
import { NumberSlider } from '../ui/NumberSlider.tsx';
import { useStudio } from '../ui/studio.ts';

function LayerTunerRow({
  layer,
  tuners,
  model,
}: {
  layer: ConditionLayer;
  tuners: readonly TunerSummary[];
  model: BaseModelInfo | undefined;
}) {
  const studio = useStudio();
  const condition = CONDITION_OF_LAYER[layer.kind];
  const fitting = tuners.filter((t) => t.condition === condition);
  const chosen = tuners.find((t) => t.id === layer.tunerId);
  const problem = chosen ? mismatchReason(chosen, model) : null;
  return (
    <li>
      <label>
        {layer.name} <span className="muted">({condition})</span>
        <select
          value={layer.tunerId ?? ''}
          aria-label={`Condition tuner for ${layer.name}`}
          onChange={(e) => {
            const tuner = fitting.find((t) => t.id === e.target.value);
            const refusal = tuner ? mismatchReason(tuner, model) : null;
            if (refusal) {
              studio.notices.show('error', refusal);
              return;
            }
            // A weight the artist left where the old tuner started moves to where the new one starts.
            const untouched = layer.weight === startingWeight(chosen);
            studio.run(updateLayerSettings, {
              id: layer.id,
              patch: {
                tunerId: e.target.value || null,
                ...(untouched && tuner ? { weight: startingWeight(tuner) } : {}),
              },
            });
          }}
        >
          <option value="">None (layer not used)</option>
          {fitting.map((t) => (
            <option key={t.id} value={t.id} disabled={mismatchReason(t, model) !== null}>
              {t.name} — {t.baseModel}
              {mismatchReason(t, model) ? ' (other base model)' : ''}
            </option>
          ))}
        </select>
      </label>
      {fitting.length === 0 && (
        <p className="muted">No {condition} tuner in the library yet: train one in Train.</p>
      )}
      {layer.tunerId && !chosen && <p className="warning">The chosen tuner is no longer in the library.</p>}
      {problem && <p className="warning">{problem}</p>}
    </li>
  );
}

/** Style tuners with a scale each, and the condition tuner behind each canvas layer. */
export function TunerMixer() {
  const studio = useStudio();
  const api = useApi();
  const scene = useScene(studio.scene);
  const settings = useSmallStore(studio.generation);
  const { data, error } = useLibraryTuners();
  const model = data?.models.find((m) => m.id === settings.baseModel);
  const chosenIds = new Set(settings.styleTuners.map((t) => t.tunerId));

  const problems: string[] = [];
  if (data) {
    for (const choice of settings.styleTuners) {
      const tuner = data.sc.find((t) => t.id === choice.tunerId);
      const p = tuner
        ? mismatchReason(tuner, model)
        : `Style tuner ${choice.tunerId} is no longer in the library.`;
      if (p) problems.push(p);
    }
    for (const layer of scene.layers) {
      if (!layer.enabled || layer.tunerId === null) continue;
      const tuner = data.csc.find((t) => t.id === layer.tunerId);
      const p = tuner
        ? mismatchReason(tuner, model)
        : `The condition tuner of "${layer.name}" is no longer in the library.`;
      if (p) problems.push(p);
    }
  }
  const problemKey = problems.join('\n');
  useEffect(() => {
    studio.view.set({ mixProblems: problemKey ? problemKey.split('\n') : [] });
  }, [problemKey, studio]);

  function addStyleTuner(id: string) {
    const tuner = data?.sc.find((t) => t.id === id);
    if (!tuner) return;
    const refusal = mismatchReason(tuner, model);
    if (refusal) {
      studio.notices.show('error', refusal);
      return;
    }
    studio.generation.set({
      styleTuners: [...settings.styleTuners, { tunerId: id, scale: startingWeight(tuner) }],
    });
  }

  return (
    <section className="panel mixer" aria-labelledby="mixer-title">
      <h2 id="mixer-title">Tuner mixer</h2>
      {!api ? (
        <NotConnected what="the tuner library" />
      ) : error ? (
        <p className="warning" role="alert">
          The library could not be read: {error}
        </p>
      ) : !data ? (
        <p className="muted">Loading tuners…</p>
      ) : (
        <>
          <h3>Style tuners (SC)</h3>
          {settings.styleTuners.length === 0 && <p className="muted">None: the base model alone.</p>}
          <ul className="mix-list">
            {settings.styleTuners.map((choice) => {
              const tuner = data.sc.find((t) => t.id === choice.tunerId);
              const problem = tuner
                ? mismatchReason(tuner, model)
                : 'This tuner is no longer in the library.';
              return (
                <li key={choice.tunerId}>
                  <NumberSlider
                    label={tuner?.name ?? choice.tunerId}
                    min={-1}
                    max={2}
                    step={0.05}
                    value={choice.scale}
                    onChange={(scale) =>
                      studio.generation.set({
                        styleTuners: settings.styleTuners.map((t) =>
                          t.tunerId === choice.tunerId ? { ...t, scale } : t,
                        ),
                      })
                    }
                  />
                  <button
                    type="button"
                    aria-label={`Remove ${tuner?.name ?? 'tuner'} from the mix`}
                    onClick={() =>
                      studio.generation.set({
                        styleTuners: settings.styleTuners.filter((t) => t.tunerId !== choice.tunerId),
                      })
                    }
                  >
                    Remove
                  </button>
                  {tuner && tuner.triggerWords.length > 0 && (
                    <div className="trigger-words">
                      <span className="muted">Trigger words:</span>
                      {tuner.triggerWords.map((phrase) => {
                        const present = promptHasPhrase(settings.prompt, phrase);
                        return (
                          <button
                            key={phrase}
                            type="button"
                            aria-label={`Add "${phrase}" to the prompt`}
                            title={present ? 'Already in the prompt' : 'Add to the start of the prompt'}
                            disabled={present}
                            onClick={() =>
                              studio.generation.set({ prompt: promptWithPhrase(settings.prompt, phrase) })
                            }
                          >
                            {present ? '✓ ' : '+ '}
                            {phrase}
                          </button>
                        );
                      })}
                    </div>
                  )}
                  {problem && <p className="warning">{problem}</p>}
                </li>
              );
            })}
          </ul>
          <select
            aria-label="Add a style tuner"
            value=""
            onChange={(e) => e.target.value && addStyleTuner(e.target.value)}
            disabled={settings.styleTuners.length >= MAX_STYLE_TUNERS}
          >
            <option value="">+ Add style tuner…</option>
            {data.sc
              .filter((t) => !chosenIds.has(t.id))
              .map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} — {t.baseModel}
                  {mismatchReason(t, model) ? ' (other base model)' : ''}
                </option>
              ))}
          </select>
          {data.sc.length === 0 && <p className="muted">No style tuners yet: train one in Train.</p>}
          <h3>Condition tuners (CSC), one per layer</h3>
          {scene.layers.length === 0 ? (
            <p className="muted">Add a condition layer to bind a condition tuner to it.</p>
          ) : (
            <ul className="mix-list">
              {scene.layers.map((layer) => (
                <LayerTunerRow key={layer.id} layer={layer} tuners={data.csc} model={model} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
