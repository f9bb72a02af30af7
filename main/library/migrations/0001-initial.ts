// Files in the content store, base models, tuners and their tags. A tuner's metadata lives in one
// JSON `config` column (as read from its .safetensors header); the fields people filter on are
// generated columns over it, indexed.
import type { Migration } from '../migration.ts';

export const NOW_MS = `(CAST(unixepoch('subsec') * 1000 AS INTEGER))`;

export const migration0001: Migration = {
  version: 1,
  name: 'files, base models, tuners, tags',
  up(db) {
    db.exec(`
      CREATE TABLE files (
        hash TEXT PRIMARY KEY CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
        size INTEGER NOT NULL CHECK (size >= 0),
        media_type TEXT NOT NULL,
        created_at INTEGER NOT NULL DEFAULT ${NOW_MS}
      );

      CREATE TABLE base_models (
        id INTEGER PRIMARY KEY,
        model_id TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
        created_at INTEGER NOT NULL DEFAULT ${NOW_MS}
      );

      CREATE TABLE tuners (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        file_hash TEXT NOT NULL UNIQUE REFERENCES files(hash) ON DELETE RESTRICT,
        base_model_id INTEGER NOT NULL REFERENCES base_models(id) ON DELETE RESTRICT,
        config TEXT NOT NULL CHECK (json_valid(config)),
        kind TEXT GENERATED ALWAYS AS (json_extract(config, '$.kind')) VIRTUAL
          CHECK (kind IN ('sc', 'csc')),
        condition TEXT GENERATED ALWAYS AS (json_extract(config, '$.condition')) VIRTUAL,
        parameter_count INTEGER GENERATED ALWAYS AS (json_extract(config, '$.parameterCount')) VIRTUAL,
        notes TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL DEFAULT ${NOW_MS},
        updated_at INTEGER NOT NULL DEFAULT ${NOW_MS}
      );
      CREATE INDEX tuners_kind_condition ON tuners(kind, condition);
      CREATE INDEX tuners_base_model ON tuners(base_model_id);
      CREATE INDEX tuners_name ON tuners(name COLLATE NOCASE, id);
      CREATE INDEX tuners_created ON tuners(created_at, id);

      CREATE TRIGGER tuners_touch AFTER UPDATE ON tuners
      WHEN NEW.updated_at = OLD.updated_at
      BEGIN
        UPDATE tuners SET updated_at = ${NOW_MS} WHERE id = NEW.id;
      END;

      CREATE TABLE tuner_tags (
        tuner_id INTEGER NOT NULL REFERENCES tuners(id) ON DELETE CASCADE,
        tag TEXT NOT NULL COLLATE NOCASE CHECK (length(tag) BETWEEN 1 AND 64),
        PRIMARY KEY (tuner_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX tuner_tags_tag ON tuner_tags(tag);

      -- Every reference to a stored file; a file nothing references may be deleted.
      CREATE VIEW file_references AS
        SELECT file_hash AS hash FROM tuners;
    `);
  },
};
