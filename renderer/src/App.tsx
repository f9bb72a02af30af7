import { useEffect, useState } from 'react';
import { useApi } from './api/connection.ts';
import { restoreImageRecipe } from './api/restore-recipe.ts';
import { useBaseModels } from './api/use-base-models.ts';
import { Toolbar } from './canvas/Toolbar.tsx';
import { Workspace } from './canvas/Workspace.tsx';
import { GalleryPanel } from './panels/GalleryPanel.tsx';
import { GeneratePanel } from './panels/GeneratePanel.tsx';
import { LayersPanel } from './panels/LayersPanel.tsx';
import { LibraryBrowser } from './panels/LibraryBrowser.tsx';
import { StatusBar } from './panels/StatusBar.tsx';
import { TrainingWizard } from './panels/TrainingWizard.tsx';
import { TunerMixer } from './panels/TunerMixer.tsx';
import { describeKey } from './scene/action.ts';
import { redo, undo } from './scene/history-actions.ts';
import { ErrorBoundary } from './ui/ErrorBoundary.tsx';
import { useScene } from './ui/hooks.ts';
import { NoticeList } from './ui/NoticeList.tsx';
import { readFileAsDataUrl } from './ui/read-file.ts';
import { handleStudioKey } from './ui/shortcuts.ts';
import { useStudio } from './ui/studio.ts';

type View = 'studio' | 'train' | 'library';

const VIEWS: { id: View; label: string }[] = [
  { id: 'studio', label: 'Studio' },
  { id: 'train', label: 'Train' },
  { id: 'library', label: 'Library' },
];

function HistoryButtons() {
  const studio = useStudio();
  useScene(studio.scene);
  const s = studio.scene;
  return (
    <fieldset className="button-row" aria-label="History">
      <button
        type="button"
        disabled={!s.canUndo}
        onClick={() => studio.run(undo, undefined)}
        title={`Undo ${s.undoLabel ?? ''} (${describeKey(undo.keys![0]!)})`}
      >
        Undo
      </button>
      <button
        type="button"
        disabled={!s.canRedo}
        onClick={() => studio.run(redo, undefined)}
        title={`Redo ${s.redoLabel ?? ''} (${describeKey(redo.keys![0]!)})`}
      >
        Redo
      </button>
    </fieldset>
  );
}

/** A PNG dropped anywhere on the window loads the recipe it carries. */
function useRecipeDrop() {
  const studio = useStudio();
  const api = useApi();
  useEffect(() => {
    const over = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    const drop = async (e: DragEvent) => {
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      e.preventDefault();
      if (file.type !== 'image/png') {
        studio.notices.show('error', `${file.name} is not a PNG: only PNG files carry a recipe`);
        return;
      }
      if (!api) {
        studio.notices.show('error', 'Reading a recipe needs the studio engine, which is not connected');
        return;
      }
      try {
        const dataUrl = await readFileAsDataUrl(file);
        const result = await api.recipeFromImage({ image: dataUrl });
        if (result.source === 'none') {
          studio.notices.show(
            'error',
            `${file.name} carries no recipe (no "scedit" or "parameters" text in the PNG)`,
          );
          return;
        }
        const warnings = await restoreImageRecipe(studio, api, result);
        // The picture itself goes under the layers, as a restore from the gallery does.
        studio.view.set({ backgroundUrl: dataUrl });
        studio.notices.show('info', `Loaded the settings from ${file.name} (${result.source})`);
        for (const w of warnings) studio.notices.show('info', w);
      } catch (err) {
        studio.notices.error(err, `Read recipe from ${file.name}`);
      }
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [api, studio]);
}

export function App() {
  const studio = useStudio();
  const [view, setView] = useState<View>('studio');
  useRecipeDrop();
  useBaseModels();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (view === 'studio' && handleStudioKey(studio, e)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [studio, view]);

  return (
    <div className="app">
      <header className="app-header">
        <h1>SCEdit Studio</h1>
        <nav className="tabs" aria-label="Views">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              type="button"
              className={v.id === view ? 'tab active' : 'tab'}
              aria-current={v.id === view ? 'page' : undefined}
              onClick={() => setView(v.id)}
            >
              {v.label}
            </button>
          ))}
        </nav>
        {view === 'studio' && <HistoryButtons />}
      </header>
      {view === 'studio' && (
        <main className="studio-view">
          <aside className="left-column">
            <ErrorBoundary name="generate panel">
              <GeneratePanel />
            </ErrorBoundary>
            <ErrorBoundary name="tuner mixer">
              <TunerMixer />
            </ErrorBoundary>
          </aside>
          <section className="center-column" aria-label="Canvas">
            <ErrorBoundary name="canvas">
              <Toolbar />
              <Workspace />
            </ErrorBoundary>
            <ErrorBoundary name="gallery">
              <GalleryPanel />
            </ErrorBoundary>
          </section>
          <aside className="right-column">
            <ErrorBoundary name="layers panel">
              <LayersPanel />
            </ErrorBoundary>
          </aside>
        </main>
      )}
      {view === 'train' && (
        <main className="page-view">
          <ErrorBoundary name="training wizard">
            <TrainingWizard onUseTuner={() => setView('studio')} />
          </ErrorBoundary>
        </main>
      )}
      {view === 'library' && (
        <main className="page-view">
          <ErrorBoundary name="library">
            <LibraryBrowser onUseTuner={() => setView('studio')} />
          </ErrorBoundary>
        </main>
      )}
      <StatusBar />
      <NoticeList />
    </div>
  );
}
