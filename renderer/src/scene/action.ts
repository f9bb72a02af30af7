import type { SceneStore } from './scene-store.ts';
import type { SceneState } from './types.ts';

/** A key combination; `mod` is Ctrl on Windows/Linux and Cmd on macOS. */
export interface KeyBinding {
  readonly key: string;
  readonly mod?: boolean;
  readonly shift?: boolean;
  readonly alt?: boolean;
}

export interface KeyEventLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

/**
 * One edit, declared once: the UI's buttons, menus and shortcuts all run it through
 * `runAction`, which decides whether it enters the undo history.
 */
export interface Action<A> {
  readonly name: string;
  readonly label: string;
  readonly keys?: readonly KeyBinding[];
  /** false for edits that must not be undone on their own (selection) and for undo/redo. */
  readonly undoable: boolean;
  /** Consecutive runs with the same key become one undo step (slider drags). */
  readonly coalesce?: (args: A) => string | undefined;
  /** Returns the next scene, or null when nothing changes. `store` is for history actions only. */
  perform(state: SceneState, args: A, store: SceneStore): SceneState | null;
}

export function defineAction<A = void>(action: Action<A>): Action<A> {
  return action;
}

export function runAction<A>(store: SceneStore, action: Action<A>, args: A): boolean {
  const next = action.perform(store.state, args, store);
  if (next === null || next === store.state) return false;
  const coalesceKey = action.coalesce?.(args);
  store.commit(next, {
    history: action.undoable,
    label: action.label,
    ...(coalesceKey !== undefined ? { coalesceKey } : {}),
  });
  return true;
}

export function matchesKey(event: KeyEventLike, binding: KeyBinding): boolean {
  const mod = event.ctrlKey || event.metaKey;
  return (
    event.key.toLowerCase() === binding.key.toLowerCase() &&
    mod === (binding.mod ?? false) &&
    event.shiftKey === (binding.shift ?? false) &&
    event.altKey === (binding.alt ?? false)
  );
}

/** Readable shortcut text for tooltips, e.g. "Ctrl+Shift+Z". */
export function describeKey(binding: KeyBinding, mac = false): string {
  const parts: string[] = [];
  if (binding.mod) parts.push(mac ? 'Cmd' : 'Ctrl');
  if (binding.shift) parts.push('Shift');
  if (binding.alt) parts.push('Alt');
  parts.push(binding.key.length === 1 ? binding.key.toUpperCase() : binding.key);
  return parts.join('+');
}
