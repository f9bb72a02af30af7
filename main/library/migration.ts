// Forward-only schema migrations. The database's `user_version` is the number of the last
// migration applied; each migration runs in its own transaction, so a crash mid-way leaves the
// database at the previous version, never between two.
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  /** What the step adds, for people reading the log. */
  name: string;
  up(db: Database): void;
}

export class MigrationError extends Error {}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration above the database's version, up to `target` (default: all). */
export function migrate(db: Database, migrations: readonly Migration[], target?: number): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new MigrationError(`migration list is out of order: entry ${i} is version ${m.version}`);
  });
  const latest = migrations.length;
  const goal = target ?? latest;
  const current = schemaVersion(db);
  if (current > latest)
    throw new MigrationError(
      `${db.name}: the library is at schema version ${current}, newer than this studio knows (${latest}); update SCEdit Studio`,
    );
  for (const m of migrations) {
    if (m.version <= current || m.version > goal) continue;
    db.transaction(() => {
      m.up(db);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0)
        throw new MigrationError(
          `migration ${m.version} (${m.name}) left ${broken.length} broken references`,
        );
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
