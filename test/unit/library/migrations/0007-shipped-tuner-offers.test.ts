import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/library/migration.ts';
import { MIGRATIONS } from '../../../../main/library/migrations/all.ts';
import { tempDir } from '../tuner-fixture.ts';
import { expectSeedIntact, openAt, seed, TUNER_FILE } from './seed.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('migration 0007: shipped tuner offers', () => {
  it('adds an empty offers table that outlives the tuners, keeping the rows', () => {
    const db = openAt(t.dir, 6);
    try {
      seed(db, 6);
      migrate(db, MIGRATIONS, 7);
      expectSeedIntact(db, 6, expect);
      expect(db.prepare('SELECT count(*) FROM shipped_tuner_offers').pluck().get()).toBe(0);
      db.prepare('INSERT INTO shipped_tuner_offers (file_hash, file_name) VALUES (?, ?)').run(
        TUNER_FILE,
        'canny.safetensors',
      );
      // deleting the offered tuner and its file leaves the offer (so it is not offered again)
      db.exec(`DELETE FROM generation_tuners; DELETE FROM tuners; DELETE FROM tuner_previews;`);
      db.prepare('DELETE FROM files WHERE hash = ?').run(TUNER_FILE);
      const row = db.prepare('SELECT file_hash, file_name, offered_at FROM shipped_tuner_offers').get() as {
        file_hash: string;
        file_name: string;
        offered_at: number;
      };
      expect(row).toMatchObject({ file_hash: TUNER_FILE, file_name: 'canny.safetensors' });
      expect(Math.abs(row.offered_at - Date.now())).toBeLessThan(60_000);
      expect(() =>
        db.prepare('INSERT INTO shipped_tuner_offers (file_hash, file_name) VALUES (?, ?)').run('abc', 'x'),
      ).toThrow(/CHECK constraint/);
    } finally {
      db.close();
    }
  });
});
