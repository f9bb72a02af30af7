// One tuner in full: where it came from (its training data, settings and loss curve, the tuner it
// continued) and what the artist keeps about it (a rating, notes, the weight its layers start at).
import { useEffect, useRef, useState } from 'react';
import { MAX_PREFERRED_WEIGHT, type TunerDetail } from '../../../shared/api/library-schemas.ts';
import type { StudioClient } from '../../../shared/api/studio-client.ts';
import { smoothLoss, trainingLineage } from '../api/tuner-lineage.ts';
import { formatBytes, formatDate } from '../ui/format.ts';
import { useStudio } from '../ui/studio.ts';
import { LossPlot } from './LossPlot.tsx';

function Stars({ rating, onRate }: { rating: number | null; onRate: (rating: number | null) => void }) {
  return (
    <fieldset className="stars" aria-label="Rating">
      {[1, 2, 3, 4, 5].map((n) => (
        <button
          key={n}
          type="button"
          className={rating !== null && n <= rating ? 'star on' : 'star'}
          aria-label={`${n} star${n > 1 ? 's' : ''}`}
          aria-pressed={rating === n}
          title={rating === n ? 'Click again to clear the rating' : `Rate ${n} of 5`}
          // The rating given again clears it: there is no zero-star rating, only none.
          onClick={() => onRate(rating === n ? null : n)}
        >
          ★
        </button>
      ))}
    </fieldset>
  );
}

function WeightField({ weight, onCommit }: { weight: number | null; onCommit: (w: number | null) => void }) {
  const [draft, setDraft] = useState(weight === null ? '' : String(weight));
  useEffect(() => setDraft(weight === null ? '' : String(weight)), [weight]);
  const value = draft.trim() === '' ? null : Number(draft);
  const valid = value === null || (Number.isFinite(value) && value > 0 && value <= MAX_PREFERRED_WEIGHT);
  const commit = () => {
    if (valid && value !== weight) onCommit(value);
  };
  return (
    <span className="row">
      <input
        type="number"
        aria-label="Starting weight"
        aria-invalid={!valid}
        min={0.1}
        max={MAX_PREFERRED_WEIGHT}
        step={0.1}
        placeholder="1"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {!valid && <span className="warning">above 0, at most {MAX_PREFERRED_WEIGHT}</span>}
    </span>
  );
}

/** Trigger words as one comma-separated line: typed freely, saved on Enter or leaving the field. */
function TriggerWordsField({ words, onCommit }: { words: string[]; onCommit: (words: string[]) => void }) {
  const joined = words.join(', ');
  const [draft, setDraft] = useState(joined);
  useEffect(() => setDraft(joined), [joined]);
  const commit = () => {
    const next = draft
      .split(',')
      .map((w) => w.trim())
      .filter(Boolean);
    if (next.join(', ') !== joined) onCommit(next);
  };
  return (
    <input
      aria-label="Trigger words"
      placeholder="e.g. ink wash, sumi-e"
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}

export function TunerDetails({
  id,
  api,
  version,
  onChanged,
  onClose,
}: {
  id: string;
  api: StudioClient;
  /** Changes whenever the library does, so the details follow edits made elsewhere. */
  version: number;
  onChanged: () => void;
  onClose: () => void;
}) {
  const studio = useStudio();
  const [detail, setDetail] = useState<TunerDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notes, setNotes] = useState<string | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let live = true;
    void version;
    api.tunersGet({ id }).then(
      (d) => {
        if (!live) return;
        setDetail(d);
        setError(null);
      },
      (err) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [api, id, version]);

  useEffect(() => closeRef.current?.focus(), []);

  async function update(what: string, change: Parameters<StudioClient['tunersUpdate']>[0]) {
    try {
      setDetail(await api.tunersUpdate(change));
      onChanged();
      return true;
    } catch (err) {
      studio.notices.error(err, `${what} "${detail?.name ?? id}"`);
      return false;
    }
  }

  const lineage = detail ? trainingLineage(detail) : null;
  const draft = notes ?? detail?.notes ?? '';
  return (
    <aside
      className="tuner-details"
      role="dialog"
      aria-label={`Details of ${detail?.name ?? 'tuner'}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div className="details-header">
        <h2>{detail?.name ?? 'Tuner'}</h2>
        <button ref={closeRef} type="button" onClick={onClose} aria-label="Close details">
          ×
        </button>
      </div>
      {error ? (
        <p className="warning" role="alert">
          This tuner could not be read: {error}
        </p>
      ) : !detail || !lineage ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          {detail.previews.length > 0 && (
            <div className="detail-previews">
              {detail.previews.map((p, i) => (
                <img key={p.storePath} src={api.fileUrl(p)} alt={`Preview ${i + 1} of ${detail.name}`} />
              ))}
            </div>
          )}
          <h3>Yours</h3>
          <dl className="card-facts">
            <dt>Rating</dt>
            <dd>
              <Stars rating={detail.rating} onRate={(rating) => void update('Rate', { id, rating })} />
            </dd>
            <dt>Starts at</dt>
            <dd>
              <WeightField
                weight={detail.preferredWeight}
                onCommit={(preferredWeight) =>
                  void update('Set the starting weight of', { id, preferredWeight })
                }
              />
            </dd>
            <dt>Trigger words</dt>
            <dd>
              <TriggerWordsField
                words={detail.triggerWords}
                onCommit={(triggerWords) => void update('Set the trigger words of', { id, triggerWords })}
              />
            </dd>
          </dl>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void update('Save notes for', { id, notes: draft }).then((ok) => ok && setNotes(null));
            }}
          >
            <label>
              Notes
              <textarea
                aria-label="Notes"
                rows={4}
                maxLength={10_000}
                placeholder="What it is good at, which prompts and weights work…"
                value={draft}
                onChange={(e) => setNotes(e.target.value)}
              />
            </label>
            <button type="submit" disabled={draft === detail.notes}>
              Save notes
            </button>
          </form>
          <h3>Lineage</h3>
          <dl className="card-facts" aria-label="Lineage">
            <dt>Kind</dt>
            <dd>
              {detail.kind === 'sc' ? 'Style (SC)' : 'Condition (CSC)'}
              {detail.condition ? ` · ${detail.condition}` : ''}
            </dd>
            <dt>Base model</dt>
            <dd>{detail.baseModel}</dd>
            <dt>Origin</dt>
            <dd>
              {detail.trainingRunId !== null
                ? `trained in this studio (run ${detail.trainingRunId})`
                : detail.tags.includes('shipped')
                  ? 'shipped with the studio'
                  : 'imported file'}
            </dd>
            {detail.parent && (
              <>
                <dt>Continues</dt>
                <dd>{detail.parent.name}</dd>
              </>
            )}
            {lineage.rows.map((r) => (
              <div key={r.label} className="contents">
                <dt>{r.label}</dt>
                <dd>{r.value}</dd>
              </div>
            ))}
            <dt>File</dt>
            <dd title={detail.fileHash}>
              {detail.fileHash.slice(0, 12)} · {formatBytes(detail.sizeBytes)}
              {detail.parameterCount !== null ? ` · ${detail.parameterCount.toLocaleString()} params` : ''}
            </dd>
            <dt>Added</dt>
            <dd>{formatDate(detail.createdAt)}</dd>
          </dl>
          {lineage.lossHistory.length > 0 ? (
            <LossPlot
              points={lineage.lossHistory}
              smoothed={smoothLoss(lineage.lossHistory)}
              totalSteps={lineage.totalSteps}
            />
          ) : (
            <p className="muted">
              {lineage.rows.length > 0
                ? 'Its file holds no loss curve.'
                : 'Its file holds no training record.'}
            </p>
          )}
        </>
      )}
    </aside>
  );
}
