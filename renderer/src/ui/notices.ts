import { SmallStore } from './small-store.ts';

export interface Notice {
  readonly id: number;
  readonly kind: 'error' | 'info';
  readonly text: string;
}

let nextId = 1;

/** Readable notices instead of blank screens or silent failures. */
export class Notices extends SmallStore<{ list: readonly Notice[] }> {
  constructor() {
    super({ list: [] });
  }

  show(kind: Notice['kind'], text: string): void {
    const notice = { id: nextId++, kind, text };
    this.set({ list: [...this.value.list.slice(-4), notice] });
    if (kind === 'info') setTimeout(() => this.dismiss(notice.id), 5000);
  }

  error(err: unknown, context?: string): void {
    const text = err instanceof Error ? err.message : String(err);
    this.show('error', context ? `${context}: ${text}` : text);
  }

  dismiss(id: number): void {
    this.set({ list: this.value.list.filter((n) => n.id !== id) });
  }
}
