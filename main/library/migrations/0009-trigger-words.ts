// Trigger words: the words a style or subject tuner was trained to answer to (the `<words>` of a
// kohya-style `10_<words>/` folder, or what the artist writes), shown on its card and offered in
// the mixer to add to the prompt. A JSON array of strings; existing tuners start with none.
import type { Migration } from '../migration.ts';

export const migration0009: Migration = {
  version: 9,
  name: 'trigger words of a tuner',
  up(db) {
    db.exec(`
      ALTER TABLE tuners ADD COLUMN trigger_words TEXT NOT NULL DEFAULT '[]'
        CHECK (json_valid(trigger_words) AND json_type(trigger_words) = 'array');
    `);
  },
};
