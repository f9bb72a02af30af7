import { describe, expect, it } from 'vitest';
import { ftsQuery } from '../../../main/library/fts-query.ts';

describe('ftsQuery', () => {
  it('makes every word a quoted prefix term, so typed syntax is only text', () => {
    expect(ftsQuery('ink fox')).toBe('"ink"* "fox"*');
    expect(ftsQuery('  "water"  OR  NEAR(a b) ')).toBe('"water"* "OR"* "NEAR"* "a"* "b"*');
    expect(ftsQuery('col:umn -not ^start')).toBe('"col"* "umn"* "not"* "start"*');
    expect(ftsQuery('café ｗａｔｅｒ')).toBe('"café"* "water"*');
  });

  it('gives null for nothing to search', () => {
    expect(ftsQuery('')).toBeNull();
    expect(ftsQuery(' "" * - ')).toBeNull();
  });
});
