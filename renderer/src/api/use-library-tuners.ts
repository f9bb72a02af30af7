import { useEffect, useState } from 'react';
import type { BaseModelInfo, TunerSummary } from '../../../shared/api/library-schemas.ts';
import { useSmallStore } from '../ui/hooks.ts';
import { useStudio } from '../ui/studio.ts';
import { useApi } from './connection.ts';

export interface LibraryTuners {
  readonly sc: readonly TunerSummary[];
  readonly csc: readonly TunerSummary[];
  readonly models: readonly BaseModelInfo[];
}

/** The library's tuners and base models, reloaded whenever the library changes. */
export function useLibraryTuners(): { data: LibraryTuners | null; error: string | null } {
  const studio = useStudio();
  const api = useApi();
  const { libraryVersion } = useSmallStore(studio.view);
  const [state, setState] = useState<{ data: LibraryTuners | null; error: string | null }>({
    data: null,
    error: null,
  });
  useEffect(() => {
    if (!api) return;
    let live = true;
    // libraryVersion: reload after training, import, rename or delete.
    void libraryVersion;
    Promise.all([
      api.tunersList({ kind: 'sc', limit: 500 }),
      api.tunersList({ kind: 'csc', limit: 500 }),
      api.modelsList({}),
    ]).then(
      ([sc, csc, m]) =>
        live && setState({ data: { sc: sc.items, csc: csc.items, models: m.models }, error: null }),
      (err) => live && setState({ data: null, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [api, libraryVersion]);
  return state;
}
