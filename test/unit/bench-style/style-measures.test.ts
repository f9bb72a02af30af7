import { describe, expect, it } from 'vitest';
import type { ClassifierHead } from '../../../test/bench/quality/classifier.ts';
import type { HeldoutSample } from '../../../test/bench/quality/heldout.ts';
import {
  pickSheetRows,
  promptLabels,
  shareRemoved,
  sheetCells,
  trainingStateBytes,
} from '../../../test/bench/style/style-measures.ts';

const head = (source: string | null, label: string | null): ClassifierHead => ({
  name: 'h',
  source,
  label,
  classes: ['a', 'b'],
  heldoutAccuracy: null,
});
const sample = (source: string, labels: Record<string, unknown>): HeldoutSample => ({
  source,
  file: 'x.png',
  caption: 'x',
  labels,
});

describe('style bench measures', () => {
  it("reads the caption's class under a head: the source, a label, 'none' for a missing one, null elsewhere", () => {
    const samples = [
      sample('emoji', { category: 'Animals & Nature', skin_tone: null }),
      sample('figures', { pose: 'walking' }),
    ];
    expect(promptLabels(head(null, null), samples)).toEqual(['emoji', 'figures']);
    expect(promptLabels(head('emoji', 'category'), samples)).toEqual(['Animals & Nature', null]);
    expect(promptLabels(head('emoji', 'skin_tone'), samples)).toEqual(['none', null]);
  });

  it('gives the share of the base distance a tuner removes', () => {
    expect(shareRemoved(200, 50)).toBeCloseTo(0.75);
    expect(shareRemoved(200, 200)).toBe(0);
    expect(shareRemoved(100, 150)).toBeCloseTo(-0.5);
    expect(shareRemoved(0, 10)).toBeNaN();
  });

  it('picks sheet rows from different categories before repeating one', () => {
    const categories = ['A', 'A', 'A', 'B', 'C', 'B'];
    expect(pickSheetRows(categories, 3)).toEqual([0, 3, 4]);
    expect(pickSheetRows(categories, 5)).toEqual([0, 3, 4, 1, 5]);
    expect(pickSheetRows(categories, 10)).toHaveLength(6);
    expect(pickSheetRows([], 4)).toEqual([]);
  });

  it('lays the sheet out row by row, each group contributing its pictures of that row', () => {
    // Two references (one a row) and a generated group with two seeds a row, over two rows.
    expect(sheetCells([1, 1, 2], 2)).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [2, 1],
      [0, 1],
      [1, 1],
      [2, 2],
      [2, 3],
    ]);
  });

  it('counts weights and both AdamW moments as float32 training state', () => {
    expect(trainingStateBytes(1000)).toBe(12_000);
  });
});
