// Full-text search: tuners by name, tags and notes; generations by prompt. The indexes are kept
// in step by triggers, and filled from the rows already there when this migration runs.
import type { Migration } from '../migration.ts';

export const migration0005: Migration = {
  version: 5,
  name: 'full-text search over tuners and prompts',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE tuners_fts USING fts5(
        name, tags, notes, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
      );
      INSERT INTO tuners_fts(rowid, name, tags, notes)
        SELECT id, name,
          coalesce((SELECT group_concat(tag, ' ') FROM tuner_tags WHERE tuner_id = tuners.id), ''),
          notes
        FROM tuners;

      CREATE TRIGGER tuners_fts_insert AFTER INSERT ON tuners BEGIN
        INSERT INTO tuners_fts(rowid, name, tags, notes) VALUES (NEW.id, NEW.name, '', NEW.notes);
      END;
      CREATE TRIGGER tuners_fts_update AFTER UPDATE OF name, notes ON tuners BEGIN
        UPDATE tuners_fts SET name = NEW.name, notes = NEW.notes WHERE rowid = NEW.id;
      END;
      CREATE TRIGGER tuners_fts_delete AFTER DELETE ON tuners BEGIN
        DELETE FROM tuners_fts WHERE rowid = OLD.id;
      END;
      CREATE TRIGGER tuner_tags_fts_insert AFTER INSERT ON tuner_tags BEGIN
        UPDATE tuners_fts
          SET tags = coalesce((SELECT group_concat(tag, ' ') FROM tuner_tags WHERE tuner_id = NEW.tuner_id), '')
          WHERE rowid = NEW.tuner_id;
      END;
      CREATE TRIGGER tuner_tags_fts_delete AFTER DELETE ON tuner_tags BEGIN
        UPDATE tuners_fts
          SET tags = coalesce((SELECT group_concat(tag, ' ') FROM tuner_tags WHERE tuner_id = OLD.tuner_id), '')
          WHERE rowid = OLD.tuner_id;
      END;

      CREATE VIRTUAL TABLE generations_fts USING fts5(
        prompt, negative_prompt, content = 'generations', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      INSERT INTO generations_fts(generations_fts) VALUES ('rebuild');
      CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN
        INSERT INTO generations_fts(rowid, prompt, negative_prompt)
          VALUES (NEW.id, NEW.prompt, NEW.negative_prompt);
      END;
      CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN
        INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
          VALUES ('delete', OLD.id, OLD.prompt, OLD.negative_prompt);
      END;
      CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt, negative_prompt ON generations BEGIN
        INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
          VALUES ('delete', OLD.id, OLD.prompt, OLD.negative_prompt);
        INSERT INTO generations_fts(rowid, prompt, negative_prompt)
          VALUES (NEW.id, NEW.prompt, NEW.negative_prompt);
      END;
    `);
  },
};
