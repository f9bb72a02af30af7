/** A tiny observable value for UI state that has no undo (tool settings, view, connection). */
export class SmallStore<T extends object> {
  #value: T;
  readonly #listeners = new Set<() => void>();

  constructor(initial: T) {
    this.#value = initial;
  }

  get value(): T {
    return this.#value;
  }

  set(patch: Partial<T>): void {
    const keys = Object.keys(patch) as (keyof T)[];
    if (keys.every((k) => Object.is(this.#value[k], patch[k]))) return;
    this.#value = { ...this.#value, ...patch };
    for (const l of [...this.#listeners]) l();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): T => this.#value;
}
