// Base models the library knows: recorded when a tuner made for one is imported (or when the
// studio loads one), keyed by the sha256 of the weights.
import type { Database } from 'better-sqlite3';

export interface BaseModelRecord {
  id: number;
  modelId: string;
  name: string;
  hash: string;
  config: Record<string, unknown>;
  createdAt: number;
}

interface Row {
  id: number;
  model_id: string;
  name: string;
  hash: string;
  config: string;
  created_at: number;
}

const toRecord = (r: Row): BaseModelRecord => ({
  id: r.id,
  modelId: r.model_id,
  name: r.name,
  hash: r.hash,
  config: JSON.parse(r.config) as Record<string, unknown>,
  createdAt: r.created_at,
});

export class BaseModelRepository {
  constructor(private readonly db: Database) {}

  /** The row for this hash, created if new; returns its id. */
  ensure(model: { modelId: string; hash: string; name?: string; config?: Record<string, unknown> }): number {
    if (!/^[0-9a-f]{64}$/.test(model.hash))
      throw new Error(`base model "${model.modelId}": hash "${model.hash}" is not a sha256 hex digest`);
    const existing = this.db.prepare('SELECT id FROM base_models WHERE hash = ?').pluck().get(model.hash) as
      | number
      | undefined;
    if (existing !== undefined) return existing;
    return Number(
      this.db
        .prepare('INSERT INTO base_models (model_id, hash, name, config) VALUES (?, ?, ?, ?)')
        .run(model.modelId, model.hash, model.name ?? model.modelId, JSON.stringify(model.config ?? {}))
        .lastInsertRowid,
    );
  }

  byHash(hash: string): BaseModelRecord | null {
    const row = this.db.prepare('SELECT * FROM base_models WHERE hash = ?').get(hash) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** Rows whose model id is this one (several versions of one model may share an id). */
  byModelId(modelId: string): BaseModelRecord[] {
    return (
      this.db.prepare('SELECT * FROM base_models WHERE model_id = ? ORDER BY id').all(modelId) as Row[]
    ).map(toRecord);
  }

  list(): BaseModelRecord[] {
    return (this.db.prepare('SELECT * FROM base_models ORDER BY name, id').all() as Row[]).map(toRecord);
  }
}
