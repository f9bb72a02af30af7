import { useCallback, useSyncExternalStore } from 'react';
import type { SceneStore } from '../scene/scene-store.ts';
import type { SceneState } from '../scene/types.ts';
import type { SmallStore } from './small-store.ts';

export function useScene(store: SceneStore): SceneState {
  const subscribe = useCallback((onChange: () => void) => store.subscribe(onChange), [store]);
  return useSyncExternalStore(subscribe, () => store.state);
}

export function useSmallStore<T extends object>(store: SmallStore<T>): T {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
