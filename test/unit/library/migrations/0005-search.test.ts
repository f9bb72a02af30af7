import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/library/migration.ts';
import { MIGRATIONS } from '../../../../main/library/migrations/all.ts';
import { tempDir } from '../tuner-fixture.ts';
import { openAt, seed } from './seed.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const tunerHits = (db: ReturnType<typeof openAt>, q: string) =>
  db.prepare('SELECT rowid FROM tuners_fts WHERE tuners_fts MATCH ?').pluck().all(q);

describe('migration 0005: full-text search', () => {
  it('indexes the tuners and prompts already there, then follows every change', () => {
    const db = openAt(t.dir, 4);
    try {
      seed(db, 4);
      migrate(db, MIGRATIONS, 5);
      expect(tunerHits(db, 'watercolour')).toEqual([1]);
      expect(tunerHits(db, 'autumn')).toEqual([1]); // a tag
      expect(tunerHits(db, 'rough')).toEqual([1]); // notes
      expect(
        db.prepare("SELECT rowid FROM generations_fts WHERE generations_fts MATCH 'snow'").pluck().all(),
      ).toEqual([1]);
      db.prepare("UPDATE tuners SET name = 'Ink fox', notes = '' WHERE id = 1").run();
      expect(tunerHits(db, 'watercolour')).toEqual([]);
      expect(tunerHits(db, 'ink')).toEqual([1]);
      db.prepare("DELETE FROM tuner_tags WHERE tag = 'autumn'").run();
      db.prepare("INSERT INTO tuner_tags (tuner_id, tag) VALUES (1, 'winter')").run();
      expect(tunerHits(db, 'autumn')).toEqual([]);
      expect(tunerHits(db, 'winter')).toEqual([1]);
      db.prepare("UPDATE generations SET prompt = 'a hare' WHERE id = 1").run();
      expect(
        db.prepare("SELECT rowid FROM generations_fts WHERE generations_fts MATCH 'snow'").pluck().all(),
      ).toEqual([]);
      db.prepare('DELETE FROM generations').run();
      db.prepare('DELETE FROM tuners').run();
      expect(db.prepare('SELECT count(*) FROM tuners_fts').pluck().get()).toBe(0);
      expect(
        db.prepare("SELECT count(*) FROM generations_fts WHERE generations_fts MATCH 'hare'").pluck().get(),
      ).toBe(0);
      db.exec("INSERT INTO generations_fts(generations_fts) VALUES ('integrity-check')");
      db.exec("INSERT INTO tuners_fts(tuners_fts) VALUES ('integrity-check')");
    } finally {
      db.close();
    }
  });
});
