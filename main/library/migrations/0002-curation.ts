// What artists add to a tuner after the fact: a rating and preview pictures.
import type { Migration } from '../migration.ts';

export const migration0002: Migration = {
  version: 2,
  name: 'tuner ratings and preview images',
  up(db) {
    db.exec(`
      ALTER TABLE tuners ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);

      CREATE TABLE tuner_previews (
        tuner_id INTEGER NOT NULL REFERENCES tuners(id) ON DELETE CASCADE,
        file_hash TEXT NOT NULL REFERENCES files(hash) ON DELETE RESTRICT,
        position INTEGER NOT NULL,
        PRIMARY KEY (tuner_id, file_hash)
      ) WITHOUT ROWID;
      CREATE INDEX tuner_previews_file ON tuner_previews(file_hash);

      DROP VIEW file_references;
      CREATE VIEW file_references AS
        SELECT file_hash AS hash FROM tuners
        UNION ALL SELECT file_hash FROM tuner_previews;
    `);
  },
};
