// Generation history: every recipe column people sort and filter on, the full recipe as JSON,
// the tuner mix and the condition layers. Tuners are referenced by file hash, so the history of a
// picture survives deleting a tuner (tuner_id becomes NULL).
import type { Migration } from '../migration.ts';
import { NOW_MS } from './0001-initial.ts';

export const migration0004: Migration = {
  version: 4,
  name: 'generation history with recipes',
  up(db) {
    db.exec(`
      CREATE TABLE generations (
        id INTEGER PRIMARY KEY,
        image_hash TEXT NOT NULL REFERENCES files(hash) ON DELETE RESTRICT,
        prompt TEXT NOT NULL,
        negative_prompt TEXT NOT NULL DEFAULT '',
        seed INTEGER NOT NULL,
        sampler TEXT NOT NULL,
        steps INTEGER NOT NULL,
        guidance REAL NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        base_model_hash TEXT NOT NULL,
        control_scale REAL NOT NULL DEFAULT 1,
        duration_ms INTEGER,
        backend TEXT,
        recipe TEXT NOT NULL CHECK (json_valid(recipe)),
        created_at INTEGER NOT NULL DEFAULT ${NOW_MS}
      );
      CREATE INDEX generations_created ON generations(created_at, id);
      CREATE INDEX generations_image ON generations(image_hash);
      CREATE INDEX generations_base_model ON generations(base_model_hash, created_at);

      CREATE TABLE generation_tuners (
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        tuner_hash TEXT NOT NULL,
        tuner_id INTEGER REFERENCES tuners(id) ON DELETE SET NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        weight REAL NOT NULL,
        condition TEXT,
        PRIMARY KEY (generation_id, position)
      ) WITHOUT ROWID;
      CREATE INDEX generation_tuners_hash ON generation_tuners(tuner_hash, generation_id);
      CREATE INDEX generation_tuners_tuner ON generation_tuners(tuner_id);

      CREATE TABLE generation_conditions (
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        weight REAL NOT NULL,
        start_fraction REAL NOT NULL DEFAULT 0,
        end_fraction REAL NOT NULL DEFAULT 1,
        tuner_hash TEXT,
        image_hash TEXT REFERENCES files(hash) ON DELETE RESTRICT,
        mask_hash TEXT REFERENCES files(hash) ON DELETE RESTRICT,
        PRIMARY KEY (generation_id, position)
      ) WITHOUT ROWID;
      CREATE INDEX generation_conditions_image ON generation_conditions(image_hash);
      CREATE INDEX generation_conditions_mask ON generation_conditions(mask_hash);

      DROP VIEW file_references;
      CREATE VIEW file_references AS
        SELECT file_hash AS hash FROM tuners
        UNION ALL SELECT file_hash FROM tuner_previews
        UNION ALL SELECT image_hash FROM generations
        UNION ALL SELECT image_hash FROM generation_conditions WHERE image_hash IS NOT NULL
        UNION ALL SELECT mask_hash FROM generation_conditions WHERE mask_hash IS NOT NULL;
    `);
  },
};
