// The tuners that come with the studio are offered to a library once: the sha256 of every shipped
// file already offered is remembered here, so a shipped tuner the artist deleted is not added
// again on the next start. No reference to files(hash): the offer outlives the tuner and its file.
import type { Migration } from '../migration.ts';

export const migration0007: Migration = {
  version: 7,
  name: 'shipped tuners already offered to this library',
  up(db) {
    db.exec(`
      CREATE TABLE shipped_tuner_offers (
        file_hash TEXT PRIMARY KEY CHECK (length(file_hash) = 64),
        file_name TEXT NOT NULL,
        offered_at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER))
      ) WITHOUT ROWID;
    `);
  },
};
