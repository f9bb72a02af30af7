import { useEffect, useId, useRef, useState } from 'react';
import { SAMPLERS, type Sampler } from '../../../shared/api/generation-schemas.ts';
import type { JobProgress } from '../../../shared/api/progress.ts';
import { useApi } from '../api/connection.ts';
import { buildGenerateRequest } from '../api/generate-request.ts';
import { randomSeed, SAMPLER_LABELS } from '../api/generation-settings.ts';
import { bitmapToDataUrl, decodeImage } from '../canvas/image-decoding.ts';
import type { Bitmap } from '../raster/bitmap.ts';
import { setCanvasSize } from '../scene/layer-actions.ts';
import { formatDuration } from '../ui/format.ts';
import { useScene, useSmallStore } from '../ui/hooks.ts';
import { NotConnected } from '../ui/NotConnected.tsx';
import { NumberSlider } from '../ui/NumberSlider.tsx';
import { dataUrlBase64 } from '../ui/read-file.ts';
import { useStudio } from '../ui/studio.ts';

const SIDES = [64, 128, 192, 256, 320, 384, 448, 512, 576, 640, 704, 768, 896, 1024];

interface Running {
  readonly abort: AbortController;
  readonly progress: JobProgress | null;
}

export function GeneratePanel() {
  const studio = useStudio();
  const api = useApi();
  const s = useSmallStore(studio.generation);
  const { mixProblems, models, modelsSettled } = useSmallStore(studio.view);
  const scene = useScene(studio.scene);
  const [running, setRunning] = useState<Running | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [exampleIndex, setExampleIndex] = useState(0);
  const generateRef = useRef<() => void>(() => {});
  const ids = { prompt: useId(), negative: useId(), seed: useId(), sampler: useId(), model: useId() };
  const set = studio.generation.set.bind(studio.generation);

  async function generate() {
    if (!api || !modelsSettled || running) return;
    const problems = studio.view.value.mixProblems;
    if (problems.length > 0) {
      studio.notices.show('error', problems[0]!);
      return;
    }
    const abort = new AbortController();
    setRunning({ abort, progress: null });
    setPreview(null);
    try {
      const settings = studio.generation.value;
      const state = studio.scene.state;
      const images = new Map<string, Bitmap>();
      for (const layer of state.layers) {
        if (layer.enabled && layer.image) images.set(layer.id, await decodeImage(layer.image.dataUrl));
      }
      const seed = settings.seedLocked ? settings.seed : null;
      const { request, skipped } = buildGenerateRequest(
        state,
        settings,
        seed,
        (b) => dataUrlBase64(bitmapToDataUrl(b)),
        images,
      );
      for (const why of skipped) studio.notices.show('info', why);
      const result = await api.generate(request, {
        signal: abort.signal,
        onProgress: (progress) => {
          setRunning((r) => (r ? { ...r, progress } : r));
          if (progress.preview) setPreview(`data:image/png;base64,${progress.preview}`);
        },
      });
      const first = result.images[0];
      if (first) {
        studio.view.set({ backgroundUrl: api.fileUrl(first.image) });
        if (!studio.generation.value.seedLocked) studio.generation.set({ seed: first.seed });
      }
      studio.notices.show(
        'info',
        `Generated ${result.images.length} image${result.images.length === 1 ? '' : 's'} in ${formatDuration(result.durationMs)}`,
      );
    } catch (err) {
      if (abort.signal.aborted) studio.notices.show('info', 'Generation cancelled');
      else studio.notices.error(err, 'Generate');
    } finally {
      setRunning(null);
      studio.view.set({ historyVersion: studio.view.value.historyVersion + 1 });
    }
  }
  generateRef.current = () => void generate();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
        e.preventDefault();
        generateRef.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const nativeSide = models?.find((m) => m.id === s.baseModel)?.resolution ?? null;
  // A model draws what its captions named: the embedded one knows figures and emoji, not lighthouses.
  const model = models?.find((m) => (s.baseModel ? m.id === s.baseModel : m.isDefault));
  const examples = model?.examplePrompts ?? [];
  const p = running?.progress;
  return (
    <section className="panel generate" aria-labelledby="generate-title">
      <h2 id="generate-title">Generate</h2>
      <div className="prompt-label-row">
        <label htmlFor={ids.prompt}>Prompt</label>
        {examples.length > 0 && (
          <button
            type="button"
            className="example-prompt"
            title="Fill the prompt with one the model draws well (again for the next)"
            onClick={() => {
              set({ prompt: examples[exampleIndex % examples.length]! });
              setExampleIndex((i) => i + 1);
            }}
          >
            Try an example
          </button>
        )}
      </div>
      <textarea
        id={ids.prompt}
        rows={4}
        value={s.prompt}
        placeholder={examples[0] ?? 'Describe the picture'}
        onChange={(e) => set({ prompt: e.target.value })}
      />
      <label htmlFor={ids.negative}>Negative prompt</label>
      <textarea
        id={ids.negative}
        rows={2}
        value={s.negativePrompt}
        onChange={(e) => set({ negativePrompt: e.target.value })}
      />
      <div className="row">
        <label htmlFor={ids.seed}>Seed</label>
        <input
          id={ids.seed}
          type="number"
          min={0}
          max={2 ** 32 - 1}
          value={s.seed}
          onChange={(e) =>
            set({ seed: Math.max(0, Math.min(2 ** 32 - 1, Math.floor(Number(e.target.value) || 0))) })
          }
        />
        <label title="Locked: reuse this seed. Unlocked: a new random seed each time.">
          <input
            type="checkbox"
            checked={s.seedLocked}
            onChange={(e) => set({ seedLocked: e.target.checked })}
          />{' '}
          Lock
        </label>
        <button
          type="button"
          aria-label="New random seed"
          title="New random seed"
          onClick={() => set({ seed: randomSeed() })}
        >
          Random
        </button>
      </div>
      <NumberSlider
        label="Steps"
        min={1}
        max={150}
        step={1}
        value={s.steps}
        onChange={(steps) => set({ steps })}
      />
      <NumberSlider
        label="Guidance"
        min={0}
        max={20}
        step={0.5}
        value={s.guidance}
        onChange={(guidance) => set({ guidance })}
        hint="Classifier-free guidance scale: how closely to follow the prompt"
      />
      <div className="row">
        <label htmlFor={ids.sampler}>Sampler</label>
        <select
          id={ids.sampler}
          value={s.sampler}
          onChange={(e) => set({ sampler: e.target.value as Sampler })}
        >
          {SAMPLERS.map((name) => (
            <option key={name} value={name}>
              {SAMPLER_LABELS[name]}
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <span>Size</span>
        <select
          aria-label="Width"
          value={scene.width}
          onChange={(e) => studio.run(setCanvasSize, { width: Number(e.target.value), height: scene.height })}
        >
          {SIDES.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        ×
        <select
          aria-label="Height"
          value={scene.height}
          onChange={(e) => studio.run(setCanvasSize, { width: scene.width, height: Number(e.target.value) })}
        >
          {SIDES.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        {nativeSide !== null && (scene.width !== nativeSide || scene.height !== nativeSide) && (
          <button
            type="button"
            className="link"
            title="The size this model was trained at; others work, but look less like its training"
            onClick={() => studio.run(setCanvasSize, { width: nativeSide, height: nativeSide })}
          >
            model: {nativeSide}²
          </button>
        )}
      </div>
      <div className="row">
        <label>
          Batch count{' '}
          <input
            type="number"
            min={1}
            max={16}
            value={s.batchCount}
            onChange={(e) =>
              set({ batchCount: Math.max(1, Math.min(16, Math.floor(Number(e.target.value) || 1))) })
            }
          />
        </label>
      </div>
      {api && (
        <div className="row">
          <label htmlFor={ids.model}>Base model</label>
          <select
            id={ids.model}
            value={s.baseModel ?? ''}
            disabled={!models}
            onChange={(e) => set({ baseModel: e.target.value || null })}
          >
            {!models && <option value="">Unavailable</option>}
            {models?.length === 0 && <option value="">The engine's default</option>}
            {s.baseModel !== null && models && !models.some((m) => m.id === s.baseModel) && (
              <option value={s.baseModel}>{s.baseModel} (from a recipe)</option>
            )}
            {models?.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.resolution}px)
              </option>
            ))}
          </select>
        </div>
      )}
      {!api && <NotConnected what="generation" />}
      {mixProblems.length > 0 && (
        <p className="warning" role="status">
          Generate is off until the tuner mix fits the base model (see the tuner mixer).
        </p>
      )}
      <div className="button-row">
        <button
          type="button"
          className="primary"
          disabled={!api || !modelsSettled || running !== null || mixProblems.length > 0}
          onClick={() => void generate()}
          title={modelsSettled ? 'Generate (Ctrl+Enter)' : 'Waiting for the engine to list its models'}
        >
          Generate
        </button>
        {running && (
          <button type="button" onClick={() => running.abort.abort(new Error('cancelled by the user'))}>
            Cancel
          </button>
        )}
      </div>
      {running && (
        <div className="job-progress">
          <progress
            max={1}
            value={p?.fraction ?? 0}
            aria-label="Generation progress"
            aria-valuetext={p ? `${Math.round(p.fraction * 100)} %` : 'waiting'}
          />
          <span className="muted" role="status">
            {!p
              ? 'Starting…'
              : p.state === 'queued'
                ? `Queued (${p.position} ahead)`
                : `${p.step !== null && p.totalSteps !== null ? `Step ${p.step}/${p.totalSteps}` : `${Math.round(p.fraction * 100)} %`}${p.etaMs !== null ? ` · ${formatDuration(p.etaMs)} left` : ''}${p.message ? ` · ${p.message}` : ''}`}
          </span>
          {preview && <img className="preview" src={preview} alt="Preview of the generation in progress" />}
        </div>
      )}
    </section>
  );
}
