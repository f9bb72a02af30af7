import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/library/migration.ts';
import { MIGRATIONS } from '../../../../main/library/migrations/all.ts';
import { tempDir } from '../tuner-fixture.ts';
import { BASE, IMAGE_FILE, openAt, PREVIEW_FILE, seed, TUNER_FILE } from './seed.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('migration 0004: generation history', () => {
  it('adds generations that reference their picture, tuners by hash, and condition layers', () => {
    const db = openAt(t.dir, 3);
    try {
      seed(db, 3);
      migrate(db, MIGRATIONS, 4);
      db.prepare("INSERT INTO files (hash, size, media_type) VALUES (?, 1, 'png')").run(IMAGE_FILE);
      db.prepare(
        `INSERT INTO generations (id, image_hash, prompt, seed, sampler, steps, guidance, width, height, base_model_hash, recipe)
         VALUES (5, ?, 'p', 1, 'DDIM', 10, 5, 64, 64, ?, '{}')`,
      ).run(IMAGE_FILE, BASE);
      db.prepare(
        `INSERT INTO generation_tuners (generation_id, position, tuner_hash, tuner_id, name, kind, weight)
         VALUES (5, 0, ?, 1, 'fox', 'sc', 1)`,
      ).run(TUNER_FILE);
      expect(db.prepare('SELECT hash FROM file_references ORDER BY hash').pluck().all()).toEqual([
        TUNER_FILE,
        PREVIEW_FILE,
        IMAGE_FILE,
      ]);
      expect(() =>
        db
          .prepare(
            `INSERT INTO generations (image_hash, prompt, seed, sampler, steps, guidance, width, height, base_model_hash, recipe)
             VALUES (?, 'p', 1, 'DDIM', 10, 5, 64, 64, ?, 'nope')`,
          )
          .run(IMAGE_FILE, BASE),
      ).toThrow(/CHECK constraint/);
      // deleting the tuner keeps the history, without the link
      db.prepare('DELETE FROM tuners').run();
      expect(db.prepare('SELECT tuner_hash, tuner_id FROM generation_tuners').get()).toEqual({
        tuner_hash: TUNER_FILE,
        tuner_id: null,
      });
      db.prepare('DELETE FROM generations').run();
      expect(db.prepare('SELECT count(*) FROM generation_tuners').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});
