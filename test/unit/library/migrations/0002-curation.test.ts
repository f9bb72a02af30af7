import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../../../main/library/migration.ts';
import { MIGRATIONS } from '../../../../main/library/migrations/all.ts';
import { tempDir } from '../tuner-fixture.ts';
import { openAt, PREVIEW_FILE, seed, TUNER_FILE } from './seed.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('migration 0002: ratings and previews', () => {
  it('adds an empty rating to existing tuners and a previews table that references files', () => {
    const db = openAt(t.dir, 1);
    try {
      seed(db, 1);
      migrate(db, MIGRATIONS, 2);
      expect(schemaVersion(db)).toBe(2);
      expect(db.prepare('SELECT name, rating FROM tuners').get()).toEqual({
        name: 'Watercolour fox',
        rating: null,
      });
      expect(() => db.prepare('UPDATE tuners SET rating = 6').run()).toThrow(/CHECK constraint/);
      db.prepare('INSERT INTO tuner_previews (tuner_id, file_hash, position) VALUES (1, ?, 0)').run(
        PREVIEW_FILE,
      );
      expect(db.prepare('SELECT hash FROM file_references ORDER BY hash').pluck().all()).toEqual([
        TUNER_FILE,
        PREVIEW_FILE,
      ]);
      expect(() =>
        db
          .prepare('INSERT INTO tuner_previews (tuner_id, file_hash, position) VALUES (1, ?, 1)')
          .run('9'.repeat(64)),
      ).toThrow(/FOREIGN KEY/);
      db.prepare('DELETE FROM tuners').run();
      expect(db.prepare('SELECT count(*) FROM tuner_previews').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});
