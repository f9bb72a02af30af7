import { createContext, useContext } from 'react';
import {
  DEFAULT_GENERATION_SETTINGS,
  type GenerationSettings,
  randomSeed,
} from '../api/generation-settings.ts';
import { createToolStore, type ToolSettings } from '../canvas/tool-settings.ts';
import { type Action, runAction } from '../scene/action.ts';
import type { CanvasSize } from '../scene/model-size.ts';
import { createScene, DEFAULT_SCENE_SIZE } from '../scene/scene-factory.ts';
import { SceneStore } from '../scene/scene-store.ts';
import { Notices } from './notices.ts';
import { SmallStore } from './small-store.ts';

export interface ViewState {
  /** The latest (or a chosen) generated image, shown beneath the condition layers. */
  readonly backgroundUrl: string | null;
  /** Bumped when the history or library changes, so lists reload. */
  readonly historyVersion: number;
  readonly libraryVersion: number;
  /** Bumped by the Fit button: the canvas fits the window again. */
  readonly fitRequest: number;
  /** Tuners in the mix that cannot be used with the chosen base model; Generate refuses while any. */
  readonly mixProblems: readonly string[];
  /** The canvas size last set to follow the base model; another size means the artist chose one. */
  readonly modelCanvasSize: CanvasSize;
}

/** Everything the studio's UI shares; created once, outside React. */
export interface Studio {
  readonly scene: SceneStore;
  readonly tools: SmallStore<ToolSettings>;
  readonly notices: Notices;
  readonly view: SmallStore<ViewState>;
  readonly generation: SmallStore<GenerationSettings>;
  /** Runs an action; a refused edit becomes a readable notice rather than an exception. */
  run<A>(action: Action<A>, args: A): boolean;
}

export function createStudio(): Studio {
  const scene = new SceneStore(createScene());
  const notices = new Notices();
  return {
    scene,
    tools: createToolStore(),
    notices,
    view: new SmallStore<ViewState>({
      backgroundUrl: null,
      historyVersion: 0,
      libraryVersion: 0,
      fitRequest: 0,
      mixProblems: [],
      modelCanvasSize: { width: DEFAULT_SCENE_SIZE, height: DEFAULT_SCENE_SIZE },
    }),
    generation: new SmallStore<GenerationSettings>({ ...DEFAULT_GENERATION_SETTINGS, seed: randomSeed() }),
    run(action, args) {
      try {
        return runAction(scene, action, args);
      } catch (err) {
        notices.error(err, action.label);
        return false;
      }
    },
  };
}

export const StudioContext = createContext<Studio | null>(null);

export function useStudio(): Studio {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error('useStudio() outside <StudioContext.Provider>');
  return studio;
}
