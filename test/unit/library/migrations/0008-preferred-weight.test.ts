import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/library/migration.ts';
import { MIGRATIONS } from '../../../../main/library/migrations/all.ts';
import { tempDir } from '../tuner-fixture.ts';
import { expectSeedIntact, openAt, seed } from './seed.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('migration 0008: preferred weight', () => {
  it('gives every tuner no preference, keeps the rows, and takes only weights in (0, 4]', () => {
    const db = openAt(t.dir, 7);
    try {
      seed(db, 7);
      migrate(db, MIGRATIONS, 8);
      expectSeedIntact(db, 7, expect);
      const weights = db.prepare('SELECT preferred_weight FROM tuners').pluck().all();
      expect(weights.length).toBeGreaterThan(0);
      expect(weights.every((w) => w === null)).toBe(true);
      const set = db.prepare('UPDATE tuners SET preferred_weight = ?');
      set.run(2);
      set.run(4);
      expect(() => set.run(0)).toThrow(/CHECK constraint/);
      expect(() => set.run(4.5)).toThrow(/CHECK constraint/);
      expect(() => set.run(-1)).toThrow(/CHECK constraint/);
      expect(db.prepare('SELECT DISTINCT preferred_weight FROM tuners').pluck().all()).toEqual([4]);
    } finally {
      db.close();
    }
  });
});
