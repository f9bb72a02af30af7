import { createContext, useContext } from 'react';
import type { BaseModelInfo } from '../../../shared/api/library-schemas.ts';
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
  /** The engine's base models, null until listed (or when listing failed). */
  readonly models: readonly BaseModelInfo[] | null;
  /**
   * Whether the engine has answered the listing. Until then the canvas still has its
   * placeholder size (512), so a generation would run the 64 px model at 512 px.
   */
  readonly modelsSettled: boolean;
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
      models: null,
      modelsSettled: false,
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
