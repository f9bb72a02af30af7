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

describe('migration 0006: history paging index', () => {
  it('pages through history on a covering index, keeping the rows', () => {
    const db = openAt(t.dir, 5);
    try {
      seed(db, 5);
      migrate(db, MIGRATIONS, 6);
      expectSeedIntact(db, 5, expect);
      const plan = db
        .prepare('EXPLAIN QUERY PLAN SELECT id FROM generations ORDER BY id DESC LIMIT 50 OFFSET 5000')
        .all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/COVERING INDEX generations_by_id/);
    } finally {
      db.close();
    }
  });
});
