import { describe, expect, it } from 'vitest';
import { leftHalfMask } from '../../bench/control/region.ts';

describe('region mask of the control bench', () => {
  it('covers the left half of every row', () => {
    const mask = leftHalfMask(4, 2);
    expect(Array.from(mask.values)).toEqual([255, 255, 0, 0, 255, 255, 0, 0]);
    expect([mask.width, mask.height]).toEqual([4, 2]);
    expect(Array.from(leftHalfMask(3, 1).values)).toEqual([255, 255, 0]);
  });
});
