// Databases as an older studio left them: opened at a given schema version and filled with the
// rows that version could hold, using that version's SQL (not today's repositories).
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { openLibraryDatabase } from '../../../../main/library/database.ts';

export const TUNER_FILE = '1'.repeat(64);
export const PREVIEW_FILE = '2'.repeat(64);
export const IMAGE_FILE = '3'.repeat(64);
export const CONDITION_FILE = '4'.repeat(64);
export const BASE = 'b'.repeat(64);

export function openAt(dir: string, version: number): Database {
  return openLibraryDatabase(join(dir, 'library.db'), { schemaVersion: version });
}

/** Fills a database at `version` with one of everything that version knows. */
export function seed(db: Database, version: number): void {
  if (version >= 1) {
    db.exec(`
      INSERT INTO files (hash, size, media_type) VALUES ('${TUNER_FILE}', 1000, 'safetensors');
      INSERT INTO files (hash, size, media_type) VALUES ('${PREVIEW_FILE}', 50, 'png');
      INSERT INTO base_models (id, model_id, hash, name) VALUES (1, 'tiny-sd', '${BASE}', 'Tiny SD');
      INSERT INTO tuners (id, name, file_hash, base_model_id, config, notes, created_at, updated_at)
        VALUES (1, 'Watercolour fox', '${TUNER_FILE}', 1,
          '{"kind":"sc","condition":null,"parameterCount":1234,"baseModelId":"tiny-sd","baseModelHash":"${BASE}","tuner":{},"training":{},"metadata":{}}',
          'painted on rough paper', 1000, 1000);
      INSERT INTO tuner_tags (tuner_id, tag) VALUES (1, 'style'), (1, 'autumn');
    `);
  }
  if (version >= 2) {
    db.exec(`
      UPDATE tuners SET rating = 4 WHERE id = 1;
      INSERT INTO tuner_previews (tuner_id, file_hash, position) VALUES (1, '${PREVIEW_FILE}', 0);
    `);
  }
  if (version >= 3) {
    db.exec(`
      INSERT INTO training_runs (id, name, kind, base_model_id, status, step, total_steps, dataset_folder,
        dataset_image_count) VALUES (1, 'fox run', 'sc', 1, 'completed', 500, 500, '/pictures/foxes', 20);
      INSERT INTO training_losses (run_id, step, loss) VALUES (1, 1, 0.5), (1, 2, 0.4);
      UPDATE tuners SET training_run_id = 1, dataset_folder = '/pictures/foxes', dataset_image_count = 20 WHERE id = 1;
    `);
  }
  if (version >= 4) {
    db.exec(`
      INSERT INTO files (hash, size, media_type) VALUES ('${IMAGE_FILE}', 900, 'png');
      INSERT INTO files (hash, size, media_type) VALUES ('${CONDITION_FILE}', 300, 'png');
      INSERT INTO generations (id, image_hash, prompt, negative_prompt, seed, sampler, steps, guidance, width,
        height, base_model_hash, recipe)
        VALUES (1, '${IMAGE_FILE}', 'a fox in the snow', 'blurry', 7, 'Euler a', 20, 7, 64, 64, '${BASE}', '{}');
      INSERT INTO generation_tuners (generation_id, position, tuner_hash, tuner_id, name, kind, weight)
        VALUES (1, 0, '${TUNER_FILE}', 1, 'Watercolour fox', 'sc', 0.8);
      INSERT INTO generation_conditions (generation_id, position, kind, weight, image_hash)
        VALUES (1, 0, 'canny', 1, '${CONDITION_FILE}');
    `);
  }
}

/** What every later version must still show of the rows `seed(version)` wrote. */
export function expectSeedIntact(
  db: Database,
  version: number,
  expect: (v: unknown) => { toEqual(x: unknown): void },
): void {
  if (version < 1) return;
  const tuner = db.prepare('SELECT name, kind, parameter_count AS p, notes FROM tuners WHERE id = 1').get();
  expect(tuner).toEqual({ name: 'Watercolour fox', kind: 'sc', p: 1234, notes: 'painted on rough paper' });
  expect(db.prepare('SELECT tag FROM tuner_tags WHERE tuner_id = 1 ORDER BY tag').pluck().all()).toEqual([
    'autumn',
    'style',
  ]);
  if (version >= 2) {
    expect(db.prepare('SELECT rating FROM tuners WHERE id = 1').pluck().get()).toEqual(4);
    expect(db.prepare('SELECT file_hash FROM tuner_previews').pluck().all()).toEqual([PREVIEW_FILE]);
  }
  if (version >= 3) {
    expect(db.prepare('SELECT training_run_id FROM tuners WHERE id = 1').pluck().get()).toEqual(1);
    expect(db.prepare('SELECT loss FROM training_losses ORDER BY step').pluck().all()).toEqual([0.5, 0.4]);
  }
  if (version >= 4) {
    expect(db.prepare('SELECT prompt FROM generations').pluck().all()).toEqual(['a fox in the snow']);
    expect(db.prepare('SELECT tuner_id FROM generation_tuners').pluck().all()).toEqual([1]);
  }
  expect(db.pragma('foreign_key_check')).toEqual([]);
  expect(db.pragma('integrity_check', { simple: true })).toEqual('ok');
}
