let counter = 0;

/** Ids unique within a session and across restored scenes (the random part avoids clashes). */
export function newId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
