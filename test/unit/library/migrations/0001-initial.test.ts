import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schemaVersion } from '../../../../main/library/migration.ts';
import { tempDir } from '../tuner-fixture.ts';
import { BASE, openAt, seed, TUNER_FILE } from './seed.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('migration 0001: files, base models, tuners, tags', () => {
  it('creates the tables on an empty database file', () => {
    const db = openAt(t.dir, 1);
    try {
      expect(schemaVersion(db)).toBe(1);
      seed(db, 1);
      const row = db.prepare('SELECT kind, condition, parameter_count FROM tuners').get();
      expect(row).toEqual({ kind: 'sc', condition: null, parameter_count: 1234 });
      // generated columns are indexed
      const plan = db
        .prepare("EXPLAIN QUERY PLAN SELECT id FROM tuners WHERE kind = 'sc' AND condition = 'x'")
        .all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX tuners_kind_condition/);
    } finally {
      db.close();
    }
  });

  it('enforces kinds, JSON, hashes, unique files and references', () => {
    const db = openAt(t.dir, 1);
    try {
      seed(db, 1);
      const insert = (config: string, file = TUNER_FILE) =>
        db
          .prepare("INSERT INTO tuners (name, file_hash, base_model_id, config) VALUES ('x', ?, 1, ?)")
          .run(file, config);
      expect(() => insert('{"kind":"lora"}')).toThrow(/CHECK constraint/);
      expect(() => insert('not json')).toThrow(/CHECK constraint|malformed JSON/);
      expect(() => insert('{"kind":"sc"}')).toThrow(/UNIQUE constraint failed: tuners.file_hash/);
      expect(() => insert('{"kind":"sc"}', 'f'.repeat(64))).toThrow(/FOREIGN KEY/);
      expect(() =>
        db.prepare("INSERT INTO files (hash, size, media_type) VALUES ('XYZ', 1, 'png')").run(),
      ).toThrow(/CHECK constraint/);
      expect(() => db.prepare('DELETE FROM files WHERE hash = ?').run(TUNER_FILE)).toThrow(/FOREIGN KEY/);
      expect(() => db.prepare('DELETE FROM base_models WHERE hash = ?').run(BASE)).toThrow(/FOREIGN KEY/);
      db.prepare('DELETE FROM tuners WHERE id = 1').run();
      expect(db.prepare('SELECT count(*) FROM tuner_tags').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('keeps updated_at current on every change', () => {
    const db = openAt(t.dir, 1);
    try {
      seed(db, 1);
      db.prepare("UPDATE tuners SET name = 'renamed' WHERE id = 1").run();
      expect(db.prepare('SELECT updated_at FROM tuners WHERE id = 1').pluck().get()).toBeGreaterThan(1000);
      expect(db.prepare('SELECT hash FROM file_references').pluck().all()).toEqual([TUNER_FILE]);
    } finally {
      db.close();
    }
  });
});
