// Opening the library database: WAL so the UI reads while the trainer writes, foreign keys on,
// a busy timeout so a writer waits for another instead of failing with SQLITE_BUSY, then the
// migrations.

import type { Database as SqliteDatabase } from 'better-sqlite3';
import Database from 'better-sqlite3';
import type { Migration } from './migration.ts';
import { migrate } from './migration.ts';
import { MIGRATIONS } from './migrations/all.ts';

export interface OpenDatabaseOptions {
  /** Milliseconds a connection waits for another's write lock (default 10 s). */
  busyTimeoutMs?: number;
  /** Stop at this schema version (tests of migrations); default: the latest. */
  schemaVersion?: number;
  migrations?: readonly Migration[];
}

export function openLibraryDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 10_000 });
  } catch (err) {
    throw new Error(`${file}: cannot open the library database (${(err as Error).message})`);
  }
  try {
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL loses at most the last commits on power loss, never consistency; a
    // killed process loses nothing that was committed.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations ?? MIGRATIONS, options.schemaVersion);
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_NOTADB')
      throw new Error(`${file}: not a SQLite database (the library file is damaged or something else)`);
    throw err;
  }
}
