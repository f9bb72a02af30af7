import { useCallback, useEffect, useId, useState } from 'react';
import { CONDITION_KINDS, type ConditionKind, type TunerKind } from '../../../shared/api/common-schemas.ts';
import type { BaseModelInfo } from '../../../shared/api/library-schemas.ts';
import type { JobProgress } from '../../../shared/api/progress.ts';
import { TRAINING_PRESETS, type TrainingPreset } from '../../../shared/api/training-presets.ts';
import type {
  TrainingRunSummary,
  TrainResult,
  TrainScanReport,
  TrainStartRequest,
} from '../../../shared/api/training-schemas.ts';
import { addTunerToStudio } from '../api/add-tuner-to-studio.ts';
import { useApi } from '../api/connection.ts';
import { formatBytes, formatDate, formatDuration } from '../ui/format.ts';
import { NotConnected } from '../ui/NotConnected.tsx';
import { useStudio } from '../ui/studio.ts';
import { LossPlot } from './LossPlot.tsx';

interface Live {
  readonly abort: AbortController;
  readonly progress: JobProgress | null;
  readonly losses: { step: number; loss: number }[];
  readonly smoothed: { step: number; loss: number }[];
  readonly previews: string[];
  readonly totalSteps: number;
  readonly label: string;
}

const TERMINAL_RESUMABLE = new Set(['cancelled', 'interrupted', 'failed']);

export function TrainingWizard({ onUseTuner }: { onUseTuner: () => void }) {
  const studio = useStudio();
  const api = useApi();
  const ids = { folder: useId(), name: useId(), kind: useId(), cond: useId(), prompts: useId() };
  const [folder, setFolder] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<TunerKind>('sc');
  const [condition, setCondition] = useState<ConditionKind>('canny');
  // The kind's preset until the artist sets one of these themselves; then a change of kind keeps theirs.
  const [preset, setPreset] = useState<TrainingPreset>(TRAINING_PRESETS.sc);
  const [presetEdited, setPresetEdited] = useState(false);
  const { steps, batchSize, learningRate, captionDropout } = preset;
  const editPreset = (change: Partial<TrainingPreset>) => {
    setPreset((p) => ({ ...p, ...change }));
    setPresetEdited(true);
  };
  const chooseKind = (next: TunerKind) => {
    setKind(next);
    if (!presetEdited) setPreset(TRAINING_PRESETS[next]);
  };
  const [resolution, setResolution] = useState<number | null>(null);
  const [flip, setFlip] = useState(false);
  const [checkpointEvery, setCheckpointEvery] = useState(50);
  const [previewEvery, setPreviewEvery] = useState(50);
  const [previewPrompts, setPreviewPrompts] = useState('');
  const [scan, setScan] = useState<{ report: TrainScanReport; key: string } | null>(null);
  const [scanning, setScanning] = useState(false);
  const [live, setLive] = useState<Live | null>(null);
  const [result, setResult] = useState<
    (TrainResult & { kind: TunerKind; condition: ConditionKind | null }) | null
  >(null);
  const [runs, setRuns] = useState<TrainingRunSummary[] | null>(null);
  // The run the artist just stopped: offered for resuming right where its progress was.
  const [stoppedRunId, setStoppedRunId] = useState<string | null>(null);
  // The finished run's curve and previews stay on screen after the live view closes.
  const [lastLive, setLastLive] = useState<Live | null>(null);
  useEffect(() => {
    if (live) setLastLive(live);
  }, [live]);
  // Only the desktop app has a folder dialog; a browser types the path.
  const [canBrowse, setCanBrowse] = useState(false);
  useEffect(() => {
    api?.systemInfo({}).then(
      (info) => setCanBrowse(info.mode === 'electron'),
      () => setCanBrowse(false),
    );
  }, [api]);
  const [models, setModels] = useState<BaseModelInfo[]>([]);
  const [baseModel, setBaseModel] = useState<string | null>(null);

  const scanKey = `${folder}|${kind}|${condition}`;
  const [runsError, setRunsError] = useState<string | null>(null);
  const refreshRuns = useCallback(() => {
    api?.trainRuns({}).then(
      (r) => {
        setRuns(r.runs);
        setRunsError(null);
      },
      (err) => setRunsError(err instanceof Error ? err.message : String(err)),
    );
  }, [api]);
  useEffect(refreshRuns, [refreshRuns]);
  useEffect(() => {
    api?.modelsList({}).then(
      (r) => setModels(r.models),
      () => setModels([]),
    );
  }, [api]);

  if (!api) {
    return (
      <section className="panel page" aria-labelledby="train-title">
        <h2 id="train-title">Train a tuner</h2>
        <NotConnected what="training" />
      </section>
    );
  }
  const client = api;

  async function browse() {
    try {
      const chosen = await client.chooseFolder({
        title: 'Folder of training pictures',
        // Open where the typed path points, when it is absolute (POSIX, a drive or a share).
        defaultPath: /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(folder.trim()) ? folder.trim() : null,
      });
      if ('path' in chosen) setFolder(chosen.path);
    } catch (err) {
      if ((err as { code?: string }).code === 'unavailable') setCanBrowse(false);
      studio.notices.error(err, 'Choose folder');
    }
  }

  async function doScan() {
    setScanning(true);
    try {
      const report = await client.trainScan({
        dataFolder: folder,
        kind,
        condition: kind === 'csc' ? condition : null,
      });
      setScan({ report, key: scanKey });
    } catch (err) {
      setScan(null);
      studio.notices.error(err, 'Scan folder');
    } finally {
      setScanning(false);
    }
  }

  function track(
    label: string,
    totalSteps: number,
    kindOf: TunerKind,
    cond: ConditionKind | null,
    run: (l: Live, onProgress: (p: JobProgress) => void) => Promise<TrainResult>,
    earlierLosses: { step: number; loss: number }[] = [],
  ) {
    const abort = new AbortController();
    setStoppedRunId(null);
    const l: Live = {
      abort,
      progress: null,
      losses: earlierLosses,
      smoothed: [],
      previews: [],
      totalSteps,
      label,
    };
    setLive(l);
    setResult(null);
    const onProgress = (p: JobProgress) =>
      setLive((cur) => {
        if (!cur) return cur;
        const step = p.step ?? 0;
        const losses = p.loss !== null ? [...cur.losses, { step, loss: p.loss }] : cur.losses;
        const smoothed =
          p.smoothedLoss !== null ? [...cur.smoothed, { step, loss: p.smoothedLoss }] : cur.smoothed;
        const previews = p.preview
          ? [...cur.previews.slice(-7), `data:image/png;base64,${p.preview}`]
          : cur.previews;
        return {
          ...cur,
          progress: p,
          losses,
          smoothed,
          previews,
          totalSteps: p.totalSteps ?? cur.totalSteps,
        };
      });
    run(l, onProgress)
      .then(
        (r) => {
          setResult({ ...r, kind: kindOf, condition: cond });
          studio.notices.show('info', `Training finished: the tuner is in the library (${r.steps} steps)`);
          studio.view.set({ libraryVersion: studio.view.value.libraryVersion + 1 });
        },
        (err) => {
          if (abort.signal.aborted)
            studio.notices.show('info', 'Training stopped; its last checkpoint is kept for resuming');
          else studio.notices.error(err, 'Training');
        },
      )
      .finally(() => {
        setLive(null);
        refreshRuns();
      });
  }

  function start() {
    const request: TrainStartRequest = {
      dataFolder: folder,
      kind,
      condition: kind === 'csc' ? condition : null,
      name: name.trim(),
      baseModel,
      options: {
        steps,
        batchSize,
        gradientAccumulation: 1,
        learningRate,
        captionDropout,
        lrSchedule: 'constant',
        warmupSteps: 0,
        resolution,
        flip,
        seed: 0,
        checkpointEvery,
        previewEvery,
        previewPrompts: previewPrompts
          .split('\n')
          .map((s) => s.trim())
          .filter((s) => s && !s.startsWith('#'))
          .slice(0, 8),
      },
    };
    track(name.trim(), steps, kind, request.condition, (l, onProgress) =>
      client.trainStart(request, { signal: l.abort.signal, onProgress }),
    );
  }

  function resume(run: TrainingRunSummary) {
    track(
      run.name,
      run.totalSteps,
      run.kind,
      run.condition,
      (l, onProgress) =>
        client.trainResume({ runId: run.id, steps: null }, { signal: l.abort.signal, onProgress }),
      // The curve goes on from where the stopped run left it.
      run.lossHistory.filter((p) => p.step <= run.step),
    );
  }

  async function cancel() {
    if (!live) return;
    try {
      const running = (await client.trainRuns({})).runs.find((r) => r.status === 'running');
      if (running) {
        setStoppedRunId(running.id);
        await client.trainCancel({ runId: running.id });
        live.abort.abort(new Error('stopped by the user'));
        return;
      }
    } catch {
      // Fall back to cancelling the job itself.
    }
    live.abort.abort(new Error('stopped by the user'));
  }

  function addToMixer() {
    if (!result?.tunerId) return;
    try {
      addTunerToStudio(studio, {
        id: result.tunerId,
        name: name.trim(),
        kind: result.kind,
        condition: result.condition,
        preferredWeight: null,
      });
      onUseTuner();
    } catch (err) {
      studio.notices.error(err, 'Use the tuner');
    }
  }

  const stopped = live
    ? undefined
    : runs?.find((r) => r.id === stoppedRunId && TERMINAL_RESUMABLE.has(r.status));
  const scanned = scan?.key === scanKey ? scan.report : null;
  const canStart = !live && scanned !== null && scanned.usableImages > 0 && name.trim().length > 0;
  const p = live?.progress;

  return (
    <section className="panel page" aria-labelledby="train-title">
      <h2 id="train-title">Train a tuner</h2>
      <div className="wizard">
        <fieldset disabled={live !== null}>
          <legend>1. Pictures</legend>
          <label htmlFor={ids.folder}>Folder on the engine's machine</label>
          <div className="row folder-row">
            <input
              id={ids.folder}
              value={folder}
              placeholder="/home/me/pictures/my-style (with 10_mystyle/ sub-folders, or flat)"
              onChange={(e) => setFolder(e.target.value)}
            />
            {canBrowse && (
              <button type="button" onClick={() => void browse()}>
                Browse…
              </button>
            )}
          </div>
          <div className="row">
            <label htmlFor={ids.kind}>Tuner kind</label>
            <select id={ids.kind} value={kind} onChange={(e) => chooseKind(e.target.value as TunerKind)}>
              <option value="sc">Style / subject (SC-Tuner)</option>
              <option value="csc">Condition (CSC-Tuner)</option>
            </select>
            {kind === 'csc' && (
              <>
                <label htmlFor={ids.cond}>Condition</label>
                <select
                  id={ids.cond}
                  value={condition}
                  onChange={(e) => setCondition(e.target.value as ConditionKind)}
                >
                  {CONDITION_KINDS.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </>
            )}
          </div>
          <label>
            Base model{' '}
            <select value={baseModel ?? ''} onChange={(e) => setBaseModel(e.target.value || null)}>
              <option value="">The engine's default</option>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={!folder.trim() || scanning} onClick={() => void doScan()}>
            {scanning ? 'Scanning…' : 'Scan folder'}
          </button>
          {scanned && (
            <section className="scan-report" aria-label="Scan report">
              <p>
                <strong>{scanned.usableImages}</strong> usable image{scanned.usableImages === 1 ? '' : 's'}
                {scanned.skipped.length > 0 && `, ${scanned.skipped.length} skipped`}
              </p>
              <ul>
                {scanned.summary.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
              {scanned.skipped.length > 0 && (
                <details>
                  <summary>Skipped files and why</summary>
                  <ul>
                    {scanned.skipped.map((s) => (
                      <li key={s.file}>
                        <code>{s.file}</code>: {s.reason}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
              {scanned.memory && (
                <p className={scanned.memory.fits ? '' : 'warning'}>
                  Memory estimate: {formatBytes(scanned.memory.estimatedBytes)} of{' '}
                  {formatBytes(scanned.memory.availableBytes)} available. {scanned.memory.advice}
                </p>
              )}
            </section>
          )}
        </fieldset>
        <fieldset disabled={live !== null}>
          <legend>2. Options</legend>
          <label htmlFor={ids.name}>Tuner name</label>
          <input
            id={ids.name}
            value={name}
            placeholder="my-style"
            onChange={(e) => setName(e.target.value)}
          />
          <div className="grid-2">
            <label>
              Steps{' '}
              <input
                type="number"
                min={1}
                value={steps}
                onChange={(e) => editPreset({ steps: Math.max(1, Number(e.target.value) || 1) })}
              />
            </label>
            <label>
              Batch size{' '}
              <input
                type="number"
                min={1}
                max={64}
                value={batchSize}
                onChange={(e) => editPreset({ batchSize: Math.max(1, Number(e.target.value) || 1) })}
              />
            </label>
            <label>
              Learning rate{' '}
              <input
                type="number"
                step="any"
                min={0}
                value={learningRate}
                onChange={(e) => editPreset({ learningRate: Number(e.target.value) || 1e-4 })}
              />
            </label>
            <label title="Share of steps trained with an empty caption, so a condition tuner learns from its map rather than the words">
              Caption dropout{' '}
              <input
                type="number"
                step={0.05}
                min={0}
                max={1}
                value={captionDropout}
                onChange={(e) =>
                  editPreset({ captionDropout: Math.min(1, Math.max(0, Number(e.target.value) || 0)) })
                }
              />
            </label>
            <label>
              Resolution{' '}
              <select
                value={resolution ?? ''}
                onChange={(e) => setResolution(e.target.value ? Number(e.target.value) : null)}
              >
                <option value="">Model's native size</option>
                {[64, 128, 256, 384, 512, 768].map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Checkpoint every{' '}
              <input
                type="number"
                min={1}
                value={checkpointEvery}
                onChange={(e) => setCheckpointEvery(Math.max(1, Number(e.target.value) || 1))}
              />
            </label>
            <label>
              Preview every{' '}
              <input
                type="number"
                min={1}
                value={previewEvery}
                onChange={(e) => setPreviewEvery(Math.max(1, Number(e.target.value) || 1))}
              />
            </label>
          </div>
          <label>
            <input type="checkbox" checked={flip} onChange={(e) => setFlip(e.target.checked)} /> Random
            horizontal flips
          </label>
          <label htmlFor={ids.prompts}>Preview prompts (one per line, # for comments)</label>
          <textarea
            id={ids.prompts}
            rows={2}
            value={previewPrompts}
            onChange={(e) => setPreviewPrompts(e.target.value)}
          />
        </fieldset>
      </div>
      <div className="button-row">
        <button type="button" className="primary" disabled={!canStart} onClick={start}>
          Start training
        </button>
        {!scanned && !live && <span className="muted">Scan the folder first.</span>}
        {scanned && !name.trim() && !live && <span className="muted">Give the tuner a name.</span>}
        {live && (
          <button type="button" onClick={() => void cancel()}>
            Stop
          </button>
        )}
      </div>
      {live && (
        <section className="job-progress training-progress" aria-label="Training progress">
          <h3>Training {live.label}</h3>
          <progress max={1} value={p?.fraction ?? 0} aria-label="Training progress" />
          <p role="status">
            {!p
              ? 'Starting…'
              : p.state === 'queued'
                ? `Queued (${p.position} ahead)`
                : [
                    p.step !== null ? `Step ${p.step}/${p.totalSteps ?? live.totalSteps}` : null,
                    p.loss !== null ? `loss ${p.loss.toFixed(4)}` : null,
                    p.itPerSec !== null ? `${p.itPerSec.toFixed(2)} it/s` : null,
                    p.etaMs !== null ? `ETA ${formatDuration(p.etaMs)}` : null,
                    p.message,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
          </p>
          <LossPlot points={live.losses} smoothed={live.smoothed} totalSteps={live.totalSteps} />
          <div className="previews">
            {live.previews.map((src, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: previews only ever append
              <img key={i} src={src} alt={`Training preview ${i + 1}`} />
            ))}
          </div>
        </section>
      )}
      {stopped && (
        <section className="job-progress training-stopped" aria-label="Training stopped">
          <p role="status">
            <strong>{stopped.name}</strong> {stopped.status} at step {stopped.step} of {stopped.totalSteps}
            {stopped.lossHistory.length > 0 && ` (loss ${stopped.lossHistory.at(-1)!.loss.toFixed(4)})`} —
            resume?
          </p>
          <div className="button-row">
            <button type="button" className="primary" onClick={() => resume(stopped)}>
              Resume training
            </button>
            <button type="button" onClick={() => setStoppedRunId(null)}>
              Not now
            </button>
          </div>
          {lastLive && (
            <LossPlot
              points={lastLive.losses}
              smoothed={lastLive.smoothed}
              totalSteps={lastLive.totalSteps}
            />
          )}
        </section>
      )}
      {result && (
        <div className="train-result" role="status">
          <p>
            Done: {result.steps} steps
            {result.finalLoss !== null ? `, final loss ${result.finalLoss.toFixed(4)}` : ''}, in{' '}
            {formatDuration(result.durationMs)}.
          </p>
          <button type="button" className="primary" onClick={addToMixer}>
            Use in the mixer
          </button>
          {lastLive && (
            <>
              <LossPlot
                points={lastLive.losses}
                smoothed={lastLive.smoothed}
                totalSteps={lastLive.totalSteps}
              />
              <div className="previews">
                {lastLive.previews.map((src, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: previews only ever append
                  <img key={i} src={src} alt={`Training preview ${i + 1}`} />
                ))}
              </div>
            </>
          )}
        </div>
      )}
      <h3>Training runs</h3>
      {runsError ? (
        <p className="warning">The training runs could not be read: {runsError}</p>
      ) : !runs ? (
        <p className="muted">Loading…</p>
      ) : runs.length === 0 ? (
        <p className="muted">No training runs yet.</p>
      ) : (
        <table className="runs">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Status</th>
              <th>Steps</th>
              <th>Last loss</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td>
                <td>
                  {r.kind}
                  {r.condition ? ` / ${r.condition}` : ''}
                </td>
                <td title={r.error ?? undefined}>{r.status}</td>
                <td>
                  {r.step}/{r.totalSteps}
                </td>
                <td>{r.lossHistory.at(-1)?.loss.toFixed(4) ?? '–'}</td>
                <td>{formatDate(r.updatedAt)}</td>
                <td>
                  {TERMINAL_RESUMABLE.has(r.status) && (
                    <button type="button" disabled={live !== null} onClick={() => resume(r)}>
                      Resume
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
