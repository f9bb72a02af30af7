// The startup check: rows whose files are missing from the store, stored files no row references,
// things in the store that do not belong there, and temporaries left by an interrupted write.
import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { FileStore } from './file-store.ts';

export interface MissingFile {
  hash: string;
  /** Rows that need it, e.g. "tuners 12", "generations 40". */
  usedBy: string[];
}

export interface IntegrityReport {
  ok: boolean;
  missingFiles: MissingFile[];
  /** Stored files (and files rows) that nothing references. */
  unreferencedFiles: string[];
  /** Entries in the store that are not hash-named files. */
  strays: string[];
  /** Temporaries of interrupted writes, deleted by this check. */
  removedTemporaries: number;
  /** SQLite's own quick_check result when it is not "ok". */
  databaseProblems: string[];
}

const USERS: [table: string, column: string, key: string][] = [
  ['tuners', 'file_hash', 'id'],
  ['tuner_previews', 'file_hash', 'tuner_id'],
  ['generations', 'image_hash', 'id'],
  ['generation_conditions', 'image_hash', 'generation_id'],
  ['generation_conditions', 'mask_hash', 'generation_id'],
];

export function checkIntegrity(db: Database, store: FileStore): IntegrityReport {
  const removedTemporaries = store.sweepIncoming();
  const quick = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
  const databaseProblems = quick.map((r) => r.quick_check).filter((r) => r !== 'ok');
  const { hashes, strays } = store.scan();
  const onDisk = new Set(hashes);
  const known = new Set(db.prepare('SELECT hash FROM files').pluck().all() as string[]);
  const referenced = new Set(
    db.prepare('SELECT DISTINCT hash FROM file_references').pluck().all() as string[],
  );
  const missingFiles: MissingFile[] = [];
  for (const hash of referenced) {
    if (onDisk.has(hash)) continue;
    const usedBy: string[] = [];
    for (const [table, column, key] of USERS) {
      const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table);
      if (!exists) continue;
      for (const id of db.prepare(`SELECT ${key} FROM ${table} WHERE ${column} = ?`).pluck().all(hash))
        usedBy.push(`${table} ${id}`);
    }
    missingFiles.push({ hash, usedBy });
  }
  const unreferencedFiles = [...new Set([...onDisk, ...known])].filter((h) => !referenced.has(h)).sort();
  return {
    ok:
      missingFiles.length === 0 &&
      unreferencedFiles.length === 0 &&
      strays.length === 0 &&
      databaseProblems.length === 0,
    missingFiles,
    unreferencedFiles,
    strays,
    removedTemporaries,
    databaseProblems,
  };
}

/**
 * Deletes unreferenced files older than `minAgeMs` (younger ones may belong to an import that is
 * between storing its file and committing its row in another process). Returns the hashes removed.
 */
export function removeUnreferencedFiles(
  db: Database,
  store: FileStore,
  hashes: string[],
  minAgeMs = 10 * 60_000,
): string[] {
  const removed: string[] = [];
  const now = Date.now();
  for (const hash of hashes) {
    let mtime = 0;
    try {
      mtime = statSync(store.pathOf(hash)).mtimeMs;
    } catch {}
    if (now - mtime < minAgeMs) continue;
    const stillFree = db.transaction(() => {
      const used = db.prepare('SELECT 1 FROM file_references WHERE hash = ? LIMIT 1').get(hash);
      if (used) return false;
      db.prepare('DELETE FROM files WHERE hash = ?').run(hash);
      return true;
    })();
    if (!stillFree) continue;
    store.remove(hash);
    removed.push(hash);
  }
  return removed;
}
