// Training runs (status, progress, loss history, checkpoint, error) and tuner lineage: the run
// that made a tuner, the tuner it continued from, and a summary of the dataset it saw.
import type { Migration } from '../migration.ts';
import { NOW_MS } from './0001-initial.ts';

export const migration0003: Migration = {
  version: 3,
  name: 'training runs, loss history, tuner lineage',
  up(db) {
    db.exec(`
      CREATE TABLE training_runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('sc', 'csc')),
        condition TEXT,
        base_model_id INTEGER REFERENCES base_models(id) ON DELETE RESTRICT,
        parent_tuner_id INTEGER REFERENCES tuners(id) ON DELETE SET NULL,
        status TEXT NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled')),
        step INTEGER NOT NULL DEFAULT 0 CHECK (step >= 0),
        total_steps INTEGER NOT NULL CHECK (total_steps > 0),
        config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
        dataset_folder TEXT,
        dataset_image_count INTEGER,
        dataset_hash TEXT,
        checkpoint_path TEXT,
        checkpoint_step INTEGER,
        error TEXT,
        started_at INTEGER,
        finished_at INTEGER,
        created_at INTEGER NOT NULL DEFAULT ${NOW_MS},
        updated_at INTEGER NOT NULL DEFAULT ${NOW_MS}
      );
      CREATE INDEX training_runs_status ON training_runs(status, created_at);

      CREATE TABLE training_losses (
        run_id INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        loss REAL NOT NULL,
        PRIMARY KEY (run_id, step)
      ) WITHOUT ROWID;

      ALTER TABLE tuners ADD COLUMN parent_tuner_id INTEGER REFERENCES tuners(id) ON DELETE SET NULL;
      ALTER TABLE tuners ADD COLUMN training_run_id INTEGER REFERENCES training_runs(id) ON DELETE SET NULL;
      ALTER TABLE tuners ADD COLUMN dataset_folder TEXT;
      ALTER TABLE tuners ADD COLUMN dataset_image_count INTEGER;
      ALTER TABLE tuners ADD COLUMN dataset_hash TEXT;
      CREATE INDEX tuners_parent ON tuners(parent_tuner_id);
      CREATE INDEX tuners_training_run ON tuners(training_run_id);
    `);
  },
};
