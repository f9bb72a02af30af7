import { useEffect, useRef, useState } from 'react';
import { CONDITION_KINDS, type ConditionKind, type TunerKind } from '../../../shared/api/common-schemas.ts';
import type { TunerSummary } from '../../../shared/api/library-schemas.ts';
import type { StudioClient } from '../../../shared/api/studio-client.ts';
import { addTunerToStudio } from '../api/add-tuner-to-studio.ts';
import { useApi } from '../api/connection.ts';
import { mismatchReason } from '../api/tuner-compat.ts';
import { formatBytes, formatDate } from '../ui/format.ts';
import { useSmallStore } from '../ui/hooks.ts';
import { NotConnected } from '../ui/NotConnected.tsx';
import { dataUrlBase64, readFileAsDataUrl } from '../ui/read-file.ts';
import { useStudio } from '../ui/studio.ts';
import { TunerDetails } from './TunerDetails.tsx';

type Sort = 'created' | 'name' | 'rating' | 'size';

function TunerCard({
  tuner,
  api,
  unusable,
  onChanged,
  onDetails,
  onUse,
}: {
  tuner: TunerSummary;
  api: StudioClient;
  /** Why the current base model cannot use it, if it cannot. */
  unusable: string | null;
  onChanged: () => void;
  onDetails: () => void;
  onUse: () => void;
}) {
  const studio = useStudio();
  const [renaming, setRenaming] = useState<string | null>(null);
  const [tag, setTag] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);

  async function act(what: string, f: () => Promise<unknown>) {
    try {
      await f();
      onChanged();
    } catch (err) {
      studio.notices.error(err, `${what} "${tuner.name}"`);
    }
  }

  async function exportFile() {
    try {
      const r = await api.tunersExport({ id: tuner.id, path: null });
      const a = document.createElement('a');
      a.href = api.fileUrl(r.file);
      a.download = r.fileName;
      document.body.append(a);
      a.click();
      a.remove();
    } catch (err) {
      studio.notices.error(err, `Export "${tuner.name}"`);
    }
  }

  return (
    <li className="tuner-card" aria-label={`Tuner ${tuner.name}`}>
      <div className="card-preview">
        {tuner.preview ? (
          <img src={api.fileUrl(tuner.preview)} alt={`Preview of ${tuner.name}`} />
        ) : (
          <span className="muted">no preview</span>
        )}
      </div>
      {renaming === null ? (
        <h3>{tuner.name}</h3>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const name = renaming.trim();
            setRenaming(null);
            if (name && name !== tuner.name)
              void act('Rename', () => api.tunersRename({ id: tuner.id, name }));
          }}
        >
          <input aria-label="New name" value={renaming} onChange={(e) => setRenaming(e.target.value)} />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setRenaming(null)}>
            Cancel
          </button>
        </form>
      )}
      <dl className="card-facts">
        <dt>Kind</dt>
        <dd>
          {tuner.kind === 'sc' ? 'Style (SC)' : 'Condition (CSC)'}
          {tuner.condition ? ` · ${tuner.condition}` : ''}
        </dd>
        <dt>Base model</dt>
        <dd>{tuner.baseModel}</dd>
        <dt>Size</dt>
        <dd>
          {formatBytes(tuner.sizeBytes)}
          {tuner.parameterCount !== null ? ` · ${tuner.parameterCount.toLocaleString()} params` : ''}
        </dd>
        {tuner.triggerWords.length > 0 && (
          <>
            <dt>Trigger</dt>
            <dd>{tuner.triggerWords.join(', ')}</dd>
          </>
        )}
        {tuner.rating !== null && (
          <>
            <dt>Rating</dt>
            <dd className="card-rating" title={`${tuner.rating} of 5`}>
              {'★'.repeat(tuner.rating)}
              <span className="visually-hidden"> {tuner.rating} of 5</span>
            </dd>
          </>
        )}
        {tuner.preferredWeight !== null && (
          <>
            <dt>Starts at</dt>
            <dd>weight {tuner.preferredWeight}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{formatDate(tuner.createdAt)}</dd>
      </dl>
      <ul className="tags" aria-label="Tags">
        {tuner.tags.map((t) => (
          <li key={t}>
            {t}
            <button
              type="button"
              aria-label={`Remove tag ${t}`}
              onClick={() => void act('Untag', () => api.tunersTag({ id: tuner.id, remove: [t] }))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          const t = tag.trim();
          setTag('');
          if (t) void act('Tag', () => api.tunersTag({ id: tuner.id, add: [t] }));
        }}
      >
        <input
          aria-label={`Add a tag to ${tuner.name}`}
          placeholder="add tag"
          value={tag}
          onChange={(e) => setTag(e.target.value)}
        />
      </form>
      <div className="button-row">
        <button
          type="button"
          className="primary"
          onClick={onUse}
          disabled={unusable !== null}
          title={unusable ?? (tuner.kind === 'sc' ? 'Add it to the mix' : 'Bind it to a layer of its kind')}
        >
          Use
        </button>
        <button type="button" onClick={onDetails}>
          Details
        </button>
        <button type="button" onClick={() => setRenaming(tuner.name)}>
          Rename
        </button>
        <button type="button" onClick={() => void exportFile()}>
          Export
        </button>
        {!confirmDelete ? (
          <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        ) : (
          <span role="alertdialog" aria-label={`Delete ${tuner.name}?`} className="confirm">
            Delete "{tuner.name}" for good?{' '}
            <button
              type="button"
              className="danger"
              onClick={() => void act('Delete', () => api.tunersDelete({ id: tuner.id }))}
            >
              Yes, delete
            </button>
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Keep
            </button>
          </span>
        )}
      </div>
    </li>
  );
}

export function LibraryBrowser({ onUseTuner }: { onUseTuner: () => void }) {
  const studio = useStudio();
  const api = useApi();
  const { libraryVersion, models } = useSmallStore(studio.view);
  const { baseModel } = useSmallStore(studio.generation);
  const model = models?.find((m) => m.id === baseModel);
  const [text, setText] = useState('');
  const [kind, setKind] = useState<TunerKind | ''>('');
  const [condition, setCondition] = useState<ConditionKind | ''>('');
  const [tag, setTag] = useState('');
  const [sort, setSort] = useState<Sort>('created');
  const [detailsOf, setDetailsOf] = useState<string | null>(null);
  const [page, setPage] = useState<{ items: TunerSummary[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!api) return;
    let live = true;
    void libraryVersion;
    const filters = {
      kind: kind || null,
      condition: condition || null,
      tag: tag.trim() || null,
      sort,
      order: sort === 'name' ? ('asc' as const) : ('desc' as const),
      limit: 200,
    };
    const q = text.trim() ? api.tunersSearch({ text: text.trim(), ...filters }) : api.tunersList(filters);
    q.then(
      (p) => {
        if (!live) return;
        setPage(p);
        setError(null);
      },
      (err) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [api, text, kind, condition, tag, sort, libraryVersion]);

  const changed = () => studio.view.set({ libraryVersion: studio.view.value.libraryVersion + 1 });

  function use(tuner: TunerSummary) {
    try {
      studio.notices.show('info', addTunerToStudio(studio, tuner));
      onUseTuner();
    } catch (err) {
      studio.notices.error(err, `Use "${tuner.name}"`);
    }
  }

  async function importFile(file: File) {
    if (!api) return;
    try {
      const base64 = dataUrlBase64(await readFileAsDataUrl(file));
      const t = await api.tunersImport({ fileName: file.name, base64 });
      studio.notices.show('info', `Imported "${t.name}"`);
      changed();
    } catch (err) {
      studio.notices.error(err, `Import ${file.name}`);
    }
  }

  return (
    <section className="panel page" aria-labelledby="library-title">
      <h2 id="library-title">Library</h2>
      {!api ? (
        <NotConnected what="the tuner library" />
      ) : (
        <>
          <search className="filters row">
            <input
              type="search"
              aria-label="Search tuners"
              placeholder="Search names, tags, notes"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
            <select
              aria-label="Kind"
              value={kind}
              onChange={(e) => setKind(e.target.value as TunerKind | '')}
            >
              <option value="">All kinds</option>
              <option value="sc">Style (SC)</option>
              <option value="csc">Condition (CSC)</option>
            </select>
            <select
              aria-label="Condition"
              value={condition}
              onChange={(e) => setCondition(e.target.value as ConditionKind | '')}
            >
              <option value="">Any condition</option>
              {CONDITION_KINDS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <input
              aria-label="Tag filter"
              placeholder="tag"
              value={tag}
              onChange={(e) => setTag(e.target.value)}
            />
            <select aria-label="Sort by" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
              <option value="created">Newest</option>
              <option value="name">Name</option>
              <option value="rating">Rating</option>
              <option value="size">Size</option>
            </select>
            <button type="button" onClick={() => fileRef.current?.click()}>
              Import .safetensors…
            </button>
            <input
              ref={fileRef}
              type="file"
              accept=".safetensors"
              hidden
              aria-label="Tuner file to import"
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (f) void importFile(f);
              }}
            />
          </search>
          {error ? (
            <p className="warning" role="alert">
              The library could not be read: {error}
            </p>
          ) : !page ? (
            <p className="muted">Loading…</p>
          ) : page.items.length === 0 ? (
            <p className="muted">
              {text || kind || condition || tag
                ? 'No tuner matches.'
                : 'The library is empty: train a tuner or import one.'}
            </p>
          ) : (
            <ul className="tuner-grid">
              {page.items.map((t) => (
                <TunerCard
                  key={t.id}
                  tuner={t}
                  api={api}
                  unusable={mismatchReason(t, model)}
                  onChanged={changed}
                  onDetails={() => setDetailsOf(t.id)}
                  onUse={() => use(t)}
                />
              ))}
            </ul>
          )}
          {detailsOf !== null && (
            <TunerDetails
              key={detailsOf}
              id={detailsOf}
              api={api}
              version={libraryVersion}
              onChanged={changed}
              onClose={() => setDetailsOf(null)}
            />
          )}
        </>
      )}
    </section>
  );
}
