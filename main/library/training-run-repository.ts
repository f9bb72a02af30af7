// Training runs as the trainer reports them: each call is one short transaction, so the UI's
// connection reading the same database is never blocked for long (WAL: readers never wait).
import { isAbsolute } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { DatasetSummary, TunerKind } from './tuner-inspector.ts';

export type TrainingStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

export interface TrainingRunRecord {
  id: number;
  name: string;
  kind: TunerKind;
  condition: string | null;
  baseModelId: number | null;
  parentTunerId: number | null;
  status: TrainingStatus;
  step: number;
  totalSteps: number;
  progress: number;
  config: Record<string, unknown>;
  dataset: DatasetSummary | null;
  /** Relative to the data folder. */
  checkpointPath: string | null;
  checkpointStep: number | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewTrainingRun {
  name: string;
  kind: TunerKind;
  condition?: string | null;
  baseModelId?: number | null;
  parentTunerId?: number | null;
  totalSteps: number;
  config?: Record<string, unknown>;
  dataset?: DatasetSummary | null;
}

interface Row {
  id: number;
  name: string;
  kind: TunerKind;
  condition: string | null;
  base_model_id: number | null;
  parent_tuner_id: number | null;
  status: TrainingStatus;
  step: number;
  total_steps: number;
  config: string;
  dataset_folder: string | null;
  dataset_image_count: number | null;
  dataset_hash: string | null;
  checkpoint_path: string | null;
  checkpoint_step: number | null;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
  created_at: number;
  updated_at: number;
}

const NOW = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;

function toRecord(r: Row): TrainingRunRecord {
  const hasDataset = r.dataset_folder !== null || r.dataset_image_count !== null || r.dataset_hash !== null;
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    condition: r.condition,
    baseModelId: r.base_model_id,
    parentTunerId: r.parent_tuner_id,
    status: r.status,
    step: r.step,
    totalSteps: r.total_steps,
    progress: Math.min(1, r.step / r.total_steps),
    config: JSON.parse(r.config) as Record<string, unknown>,
    dataset: hasDataset
      ? { folder: r.dataset_folder, imageCount: r.dataset_image_count, hash: r.dataset_hash }
      : null,
    checkpointPath: r.checkpoint_path,
    checkpointStep: r.checkpoint_step,
    error: r.error,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class TrainingRunRepository {
  constructor(private readonly db: Database) {}

  create(run: NewTrainingRun): number {
    if (!Number.isInteger(run.totalSteps) || run.totalSteps <= 0)
      throw new Error(
        `training run "${run.name}": total steps must be a positive integer, not ${run.totalSteps}`,
      );
    return Number(
      this.db
        .prepare(
          `INSERT INTO training_runs (name, kind, condition, base_model_id, parent_tuner_id, total_steps, config,
             dataset_folder, dataset_image_count, dataset_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          run.name,
          run.kind,
          run.condition ?? null,
          run.baseModelId ?? null,
          run.parentTunerId ?? null,
          run.totalSteps,
          JSON.stringify(run.config ?? {}),
          run.dataset?.folder ?? null,
          run.dataset?.imageCount ?? null,
          run.dataset?.hash ?? null,
        ).lastInsertRowid,
    );
  }

  get(id: number): TrainingRunRecord | null {
    const row = this.db.prepare('SELECT * FROM training_runs WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  list(limit = 50, offset = 0): TrainingRunRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM training_runs ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?')
        .all(limit, offset) as Row[]
    ).map(toRecord);
  }

  start(id: number): void {
    this.#update(id, `status = 'running', started_at = coalesce(started_at, ${NOW}), error = NULL`, []);
  }

  /** One training step (or a batch of them): the step reached and the losses seen. */
  progress(id: number, step: number, losses: { step: number; loss: number }[] = []): void {
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO training_losses (run_id, step, loss) VALUES (?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const l of losses) {
        if (!Number.isFinite(l.loss))
          throw new Error(`training run ${id}: loss at step ${l.step} is ${l.loss}`);
        insert.run(id, l.step, l.loss);
      }
      this.#update(id, 'step = ?', [step]);
    })();
  }

  /** `relativePath` is relative to the data folder; absolute paths and `..` are refused. */
  checkpoint(id: number, relativePath: string, step: number): void {
    if (
      relativePath === '' ||
      isAbsolute(relativePath) ||
      /^[a-zA-Z]:|^\\/.test(relativePath) ||
      relativePath.split(/[\\/]+/).includes('..')
    )
      throw new Error(
        `training run ${id}: checkpoint path "${relativePath}" must stay inside the data folder`,
      );
    this.#update(id, 'checkpoint_path = ?, checkpoint_step = ?', [relativePath, step]);
  }

  pause(id: number): void {
    this.#update(id, `status = 'paused'`, []);
  }

  complete(id: number): void {
    this.#update(id, `status = 'completed', step = total_steps, finished_at = ${NOW}`, []);
  }

  fail(id: number, error: string): void {
    this.#update(id, `status = 'failed', error = ?, finished_at = ${NOW}`, [error]);
  }

  cancel(id: number): void {
    this.#update(id, `status = 'cancelled', finished_at = ${NOW}`, []);
  }

  /** Loss history, optionally from a step on (the UI polls with the last step it has). */
  losses(id: number, afterStep = -1): { step: number; loss: number }[] {
    return this.db
      .prepare('SELECT step, loss FROM training_losses WHERE run_id = ? AND step > ? ORDER BY step')
      .all(id, afterStep) as { step: number; loss: number }[];
  }

  #update(id: number, set: string, params: unknown[]): void {
    const changes = this.db
      .prepare(`UPDATE training_runs SET ${set}, updated_at = ${NOW} WHERE id = ?`)
      .run(...params, id).changes;
    if (changes === 0) throw new Error(`no training run with id ${id}`);
  }
}
