import { useEffect, useState } from 'react';
import type { GenerationRecord } from '../../../shared/api/generation-schemas.ts';
import { useApi } from '../api/connection.ts';
import { SAMPLER_LABELS } from '../api/generation-settings.ts';
import { restoreRecipe } from '../api/restore-recipe.ts';
import { formatDate, formatDuration } from '../ui/format.ts';
import { useSmallStore } from '../ui/hooks.ts';
import { NotConnected } from '../ui/NotConnected.tsx';
import { useStudio } from '../ui/studio.ts';

/** Every generation with its recipe; clicking one restores all of its settings. */
export function GalleryPanel() {
  const studio = useStudio();
  const api = useApi();
  const { historyVersion } = useSmallStore(studio.view);
  const [items, setItems] = useState<GenerationRecord[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!api) return;
    let live = true;
    void historyVersion;
    api.historyList({ text: null, offset: 0, limit: 60 }).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setTotal(page.total);
        setError(null);
      },
      (err) => live && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [api, historyVersion]);

  async function restore(record: GenerationRecord) {
    if (!api) return;
    try {
      const warnings = await restoreRecipe(studio, api, record.recipe);
      studio.view.set({ backgroundUrl: api.fileUrl(record.image) });
      studio.notices.show(
        'info',
        `Restored the settings of "${record.recipe.prompt.slice(0, 40) || 'untitled'}"`,
      );
      for (const w of warnings) studio.notices.show('info', w);
    } catch (err) {
      studio.notices.error(err, 'Restore recipe');
    }
  }

  async function remove(record: GenerationRecord) {
    if (!api || !window.confirm('Delete this image from the history?')) return;
    try {
      await api.historyDelete({ id: record.id });
      studio.view.set({ historyVersion: studio.view.value.historyVersion + 1 });
    } catch (err) {
      studio.notices.error(err, 'Delete generation');
    }
  }

  return (
    <section className="panel gallery" aria-labelledby="gallery-title">
      <h2 id="gallery-title">
        Gallery <span className="muted">{items ? `${total} image${total === 1 ? '' : 's'}` : ''}</span>
      </h2>
      {!api ? (
        <NotConnected what="the history" />
      ) : error ? (
        <p className="warning" role="alert">
          The history could not be read: {error}
        </p>
      ) : !items ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No generations yet. Drop a PNG with a recipe here to load its settings.</p>
      ) : (
        <ul className="gallery-strip" aria-label="Generations, newest first">
          {items.map((r) => {
            const rc = r.recipe;
            const title = `${rc.prompt}\n${SAMPLER_LABELS[rc.sampler]}, ${rc.steps} steps, CFG ${rc.guidance}, seed ${rc.seed}, ${rc.width}x${rc.height}\n${formatDate(r.createdAt)}${r.durationMs !== null ? ` · ${formatDuration(r.durationMs)}` : ''}`;
            return (
              <li key={r.id} className="gallery-item">
                <button
                  type="button"
                  className="thumb"
                  title={title}
                  onClick={() => void restore(r)}
                  aria-label={`Restore: ${rc.prompt || 'untitled'}, seed ${rc.seed}`}
                >
                  <img src={api.fileUrl(r.image)} alt="" loading="lazy" />
                </button>
                <button
                  type="button"
                  className="thumb-delete"
                  aria-label={`Delete generation ${rc.prompt || r.id}`}
                  onClick={() => void remove(r)}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
