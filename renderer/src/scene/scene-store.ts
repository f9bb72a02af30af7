import type { SceneState } from './types.ts';

export type SceneListener = (state: SceneState, version: number) => void;

export interface CommitOptions {
  /** Whether the edit can be undone (selection changes, for one, cannot). */
  readonly history: boolean;
  /** Shown in the Undo/Redo tooltips. */
  readonly label: string;
  /**
   * Consecutive commits with the same key merge into one undo step, so dragging a slider
   * is undone in one go rather than value by value.
   */
  readonly coalesceKey?: string;
}

interface HistoryEntry {
  readonly state: SceneState;
  readonly label: string;
}

export const DEFAULT_HISTORY_LIMIT = 200;

/**
 * Holds the scene outside React. States are immutable, so history is a list of earlier states
 * (they share every unchanged layer and stroke) and subscribers compare by identity.
 */
export class SceneStore {
  #state: SceneState;
  #version = 0;
  readonly #listeners = new Set<SceneListener>();
  #undo: HistoryEntry[] = [];
  #redo: HistoryEntry[] = [];
  #lastCoalesceKey: string | undefined;
  readonly #historyLimit: number;

  constructor(initial: SceneState, historyLimit = DEFAULT_HISTORY_LIMIT) {
    this.#state = initial;
    this.#historyLimit = historyLimit;
  }

  get state(): SceneState {
    return this.#state;
  }

  /** Increases on every change, undo and redo included. */
  get version(): number {
    return this.#version;
  }

  subscribe(listener: SceneListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  commit(next: SceneState, options: CommitOptions): void {
    if (next === this.#state) return;
    if (options.history) {
      const merges = options.coalesceKey !== undefined && options.coalesceKey === this.#lastCoalesceKey;
      if (!merges) {
        this.#undo.push({ state: this.#state, label: options.label });
        if (this.#undo.length > this.#historyLimit) this.#undo.shift();
      }
      this.#redo = [];
      this.#lastCoalesceKey = options.coalesceKey;
    } else {
      // A non-history change (selecting a layer) must not glue two separate edits together.
      this.#lastCoalesceKey = undefined;
    }
    this.#set(next);
  }

  /** Ends coalescing, e.g. when a slider is released, so the next drag is its own undo step. */
  endCoalescing(): void {
    this.#lastCoalesceKey = undefined;
  }

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  get canRedo(): boolean {
    return this.#redo.length > 0;
  }

  get undoLabel(): string | null {
    return this.#undo.at(-1)?.label ?? null;
  }

  get redoLabel(): string | null {
    return this.#redo.at(-1)?.label ?? null;
  }

  undo(): boolean {
    const entry = this.#undo.pop();
    if (!entry) return false;
    this.#redo.push({ state: this.#state, label: entry.label });
    this.#lastCoalesceKey = undefined;
    this.#set(this.#keepSelection(entry.state));
    return true;
  }

  redo(): boolean {
    const entry = this.#redo.pop();
    if (!entry) return false;
    this.#undo.push({ state: this.#state, label: entry.label });
    this.#lastCoalesceKey = undefined;
    this.#set(this.#keepSelection(entry.state));
    return true;
  }

  /** Starts over: a new scene without history (File > New, not a recipe restore). */
  reset(state: SceneState): void {
    this.#undo = [];
    this.#redo = [];
    this.#lastCoalesceKey = undefined;
    this.#set(state);
  }

  // Selection is not history: undo keeps the current layer selected when it still exists.
  #keepSelection(state: SceneState): SceneState {
    const active = this.#state.activeLayerId;
    if (active === state.activeLayerId) return state;
    if (active !== null && state.layers.some((l) => l.id === active))
      return { ...state, activeLayerId: active };
    if (state.activeLayerId !== null && state.layers.some((l) => l.id === state.activeLayerId)) return state;
    return { ...state, activeLayerId: state.layers.at(-1)?.id ?? null };
  }

  #set(next: SceneState): void {
    this.#state = next;
    this.#version += 1;
    for (const listener of [...this.#listeners]) listener(next, this.#version);
  }
}
