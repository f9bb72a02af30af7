// The style bench's arithmetic: which class a prompt asks for under a classifier head, how much of
// the distance to the target style a tuner removes, and which pictures go where on the contact sheet.
import type { ClassifierHead } from '../quality/classifier.ts';
import type { HeldoutSample } from '../quality/heldout.ts';

/** The class each sample's caption asks for under `head`; null where the head does not apply. */
export function promptLabels(head: ClassifierHead, samples: readonly HeldoutSample[]): (string | null)[] {
  return samples.map((s) => {
    if (head.source === null) return s.source;
    if (s.source !== head.source || head.label === null) return null;
    const value = s.labels[head.label];
    return value === null || value === undefined ? 'none' : String(value);
  });
}

/**
 * The share of the base model's Fréchet distance to the target that a tuner removes: 1 = all of
 * it, 0 = none, negative = it moved away.
 */
export function shareRemoved(baseDistance: number, tunedDistance: number): number {
  if (!(baseDistance > 0)) return Number.NaN;
  return (baseDistance - tunedDistance) / baseDistance;
}

/**
 * Up to `rows` indices into `categories` for the sheet's rows: the first sample of each category
 * in turn (round robin), so the rows show different kinds of emoji before any kind repeats.
 */
export function pickSheetRows(categories: readonly string[], rows: number): number[] {
  const queues = new Map<string, number[]>();
  categories.forEach((c, i) => {
    const queue = queues.get(c);
    if (queue) queue.push(i);
    else queues.set(c, [i]);
  });
  const picked: number[] = [];
  while (picked.length < Math.min(rows, categories.length)) {
    for (const queue of queues.values()) {
      const next = queue.shift();
      if (next !== undefined && picked.length < rows) picked.push(next);
    }
  }
  return picked;
}

/**
 * The sheet's cells in reading order as [group, index] into per-group picture lists, where group g
 * holds `perRow[g]` pictures for each row, row-major (row r's are r*perRow[g] .. +perRow[g]-1).
 */
export function sheetCells(perRow: readonly number[], rows: number): [number, number][] {
  const cells: [number, number][] = [];
  for (let r = 0; r < rows; r++)
    perRow.forEach((count, g) => {
      for (let k = 0; k < count; k++) cells.push([g, r * count + k]);
    });
  return cells;
}

/** Bytes a training run keeps besides the step's activations: weights and AdamW's two moments. */
export function trainingStateBytes(parameterCount: number): number {
  return parameterCount * 4 * 3;
}
