import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../../main/library/migration.ts';
import { MIGRATIONS } from '../../../../main/library/migrations/all.ts';
import { tempDir } from '../tuner-fixture.ts';
import { openAt, seed } from './seed.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('migration 0003: training runs and lineage', () => {
  it('adds empty lineage to existing tuners, and runs with statuses, losses and checkpoints', () => {
    const db = openAt(t.dir, 2);
    try {
      seed(db, 2);
      migrate(db, MIGRATIONS, 3);
      expect(
        db.prepare('SELECT parent_tuner_id, training_run_id, dataset_folder, rating FROM tuners').get(),
      ).toEqual({ parent_tuner_id: null, training_run_id: null, dataset_folder: null, rating: 4 });
      db.prepare("INSERT INTO training_runs (id, name, kind, total_steps) VALUES (7, 'r', 'csc', 10)").run();
      expect(db.prepare('SELECT status, step FROM training_runs').get()).toEqual({
        status: 'queued',
        step: 0,
      });
      expect(() => db.prepare("UPDATE training_runs SET status = 'exploded'").run()).toThrow(
        /CHECK constraint/,
      );
      expect(() =>
        db.prepare("INSERT INTO training_runs (name, kind, total_steps) VALUES ('r', 'sc', 0)").run(),
      ).toThrow(/CHECK constraint/);
      db.prepare('INSERT INTO training_losses (run_id, step, loss) VALUES (7, 1, 0.2)').run();
      db.prepare('UPDATE tuners SET training_run_id = 7').run();
      db.prepare('DELETE FROM training_runs WHERE id = 7').run();
      expect(db.prepare('SELECT training_run_id FROM tuners').pluck().get()).toBeNull();
      expect(db.prepare('SELECT count(*) FROM training_losses').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});
