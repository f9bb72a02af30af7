// Upgrading a library left by every earlier studio version, with data in it.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLibraryDatabase } from '../../../../main/library/database.ts';
import type { Migration } from '../../../../main/library/migration.ts';
import { schemaVersion } from '../../../../main/library/migration.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../../main/library/migrations/all.ts';
import { TunerRepository } from '../../../../main/library/tuner-repository.ts';
import { tempDir } from '../tuner-fixture.ts';
import { expectSeedIntact, openAt, seed } from './seed.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('upgrading from every earlier schema version', () => {
  for (let version = 0; version < LATEST_SCHEMA_VERSION; version++) {
    it(`from version ${version}, with data, to ${LATEST_SCHEMA_VERSION}`, () => {
      const old = version === 0 ? new Database(join(t.dir, 'library.db')) : openAt(t.dir, version);
      seed(old, version);
      old.close();
      const db = openLibraryDatabase(join(t.dir, 'library.db'));
      try {
        expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
        expectSeedIntact(db, version, expect);
        const tuners = new TunerRepository(db);
        if (version >= 1) {
          expect(tuners.list({ search: 'fox' }).items.map((x) => x.name)).toEqual(['Watercolour fox']);
          expect(tuners.list({ tag: 'autumn', kind: 'sc' }).total).toBe(1);
        }
        // the upgraded database takes new rows of every kind
        seed(db, 0);
        db.prepare("INSERT INTO files (hash, size, media_type) VALUES (?, 1, 'png')").run('9'.repeat(64));
      } finally {
        db.close();
      }
    });
  }
});

describe('migration runner', () => {
  it('refuses a database from a newer studio, leaving it untouched', () => {
    const db = openAt(t.dir, LATEST_SCHEMA_VERSION);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openLibraryDatabase(join(t.dir, 'library.db'))).toThrow(
      new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1}, newer than this studio knows`),
    );
  });

  it('rolls a failing migration back completely, leaving the previous version', () => {
    const broken: Migration = {
      version: 2,
      name: 'half done',
      up(db) {
        db.exec('CREATE TABLE half (x)');
        throw new Error('disk on fire');
      },
    };
    const file = join(t.dir, 'library.db');
    expect(() => openLibraryDatabase(file, { migrations: [MIGRATIONS[0]!, broken] })).toThrow(/disk on fire/);
    const db = new Database(file);
    try {
      expect(schemaVersion(db)).toBe(1);
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('refuses a migration list with gaps', () => {
    expect(() => openLibraryDatabase(join(t.dir, 'x.db'), { migrations: [MIGRATIONS[1]!] })).toThrow(
      /out of order/,
    );
  });

  it('says when the file is not a database', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      join(t.dir, 'library.db'),
      'this is a text file, not sqlite, padded to look like a header..',
    );
    expect(() => openLibraryDatabase(join(t.dir, 'library.db'))).toThrow(
      /library\.db: not a SQLite database/,
    );
  });
});
