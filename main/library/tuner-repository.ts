// Tuner rows: insert, read, list with search/filter/sort/pagination, and the artist's edits
// (name, tags, notes, rating, previews). No files are touched here; see library.ts.
import type { Database } from 'better-sqlite3';
import {
  MAX_PREFERRED_WEIGHT,
  MAX_TRIGGER_PHRASE_LENGTH,
  MAX_TRIGGER_WORDS,
} from '../../shared/api/library-schemas.ts';
import { ftsQuery } from './fts-query.ts';
import type { DatasetSummary, TunerKind } from './tuner-inspector.ts';

export interface TunerRecord {
  id: number;
  name: string;
  kind: TunerKind;
  condition: string | null;
  baseModel: { id: number; modelId: string; name: string; hash: string };
  fileHash: string;
  size: number;
  parameterCount: number;
  /** Everything read from the file: tuner settings, training summary, raw metadata. */
  config: StoredTunerConfig;
  tags: string[];
  notes: string;
  rating: number | null;
  /** The weight to start a layer or mix entry at (null: the studio's default, 1). */
  preferredWeight: number | null;
  /** Words the tuner was trained to answer to, for the prompt. */
  triggerWords: string[];
  previews: string[];
  parentTunerId: number | null;
  trainingRunId: number | null;
  dataset: DatasetSummary | null;
  createdAt: number;
  updatedAt: number;
}

/** The JSON in tuners.config; kind, condition and parameterCount are indexed generated columns. */
export interface StoredTunerConfig {
  kind: TunerKind;
  condition: string | null;
  parameterCount: number;
  baseModelId: string;
  baseModelHash: string;
  tuner: Record<string, unknown>;
  training: Record<string, unknown>;
  metadata: Record<string, string>;
}

export type TunerSort = 'name' | 'created' | 'updated' | 'rating' | 'parameters' | 'relevance';

export interface TunerQuery {
  /** Words matched against name, tags and notes (prefixes). */
  search?: string;
  kind?: TunerKind;
  condition?: string;
  /** base_models.id */
  baseModelId?: number;
  tag?: string;
  sort?: TunerSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export const MAX_PAGE = 500;

const SORT_COLUMNS: Record<Exclude<TunerSort, 'relevance'>, string> = {
  name: 't.name COLLATE NOCASE',
  created: 't.created_at',
  updated: 't.updated_at',
  rating: 'coalesce(t.rating, 0)',
  parameters: 't.parameter_count',
};

const SELECT = `
  SELECT t.id, t.name, t.kind, t.condition, t.file_hash, t.parameter_count, t.config, t.notes,
         t.rating, t.preferred_weight, t.trigger_words, t.parent_tuner_id, t.training_run_id, t.dataset_folder, t.dataset_image_count,
         t.dataset_hash, t.created_at, t.updated_at, f.size,
         b.id AS b_id, b.model_id AS b_model_id, b.name AS b_name, b.hash AS b_hash,
         (SELECT json_group_array(tag) FROM (SELECT tag FROM tuner_tags WHERE tuner_id = t.id ORDER BY tag)) AS tags,
         (SELECT json_group_array(file_hash) FROM
            (SELECT file_hash FROM tuner_previews WHERE tuner_id = t.id ORDER BY position)) AS previews
  FROM tuners t
  JOIN files f ON f.hash = t.file_hash
  JOIN base_models b ON b.id = t.base_model_id`;

interface Row {
  id: number;
  name: string;
  kind: TunerKind;
  condition: string | null;
  file_hash: string;
  parameter_count: number;
  config: string;
  notes: string;
  rating: number | null;
  preferred_weight: number | null;
  trigger_words: string;
  parent_tuner_id: number | null;
  training_run_id: number | null;
  dataset_folder: string | null;
  dataset_image_count: number | null;
  dataset_hash: string | null;
  created_at: number;
  updated_at: number;
  size: number;
  b_id: number;
  b_model_id: string;
  b_name: string;
  b_hash: string;
  tags: string;
  previews: string;
}

function toRecord(r: Row): TunerRecord {
  const hasDataset = r.dataset_folder !== null || r.dataset_image_count !== null || r.dataset_hash !== null;
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    condition: r.condition,
    baseModel: { id: r.b_id, modelId: r.b_model_id, name: r.b_name, hash: r.b_hash },
    fileHash: r.file_hash,
    size: r.size,
    parameterCount: r.parameter_count,
    config: JSON.parse(r.config) as StoredTunerConfig,
    tags: JSON.parse(r.tags) as string[],
    notes: r.notes,
    rating: r.rating,
    preferredWeight: r.preferred_weight,
    triggerWords: JSON.parse(r.trigger_words) as string[],
    previews: JSON.parse(r.previews) as string[],
    parentTunerId: r.parent_tuner_id,
    trainingRunId: r.training_run_id,
    dataset: hasDataset
      ? { folder: r.dataset_folder, imageCount: r.dataset_image_count, hash: r.dataset_hash }
      : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function normaliseTag(tag: string): string {
  const t = tag.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (t.length === 0 || t.length > 64) throw new Error(`tag "${tag}" must be 1 to 64 characters`);
  return t;
}

/**
 * Trigger words as stored: each trimmed with its spaces collapsed, empty ones dropped, repeats
 * (ignoring case) dropped; a phrase is at most 100 characters, a tuner has at most 20.
 */
export function normaliseTriggerWords(words: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const word of words) {
    const w = word.normalize('NFKC').trim().replace(/\s+/g, ' ');
    if (w.length === 0 || seen.has(w.toLowerCase())) continue;
    if (w.length > MAX_TRIGGER_PHRASE_LENGTH)
      throw new Error(
        `trigger words "${w.slice(0, 20)}…" are ${w.length} characters; at most ${MAX_TRIGGER_PHRASE_LENGTH}`,
      );
    seen.add(w.toLowerCase());
    out.push(w);
  }
  if (out.length > MAX_TRIGGER_WORDS)
    throw new Error(`${out.length} trigger words; a tuner has at most ${MAX_TRIGGER_WORDS}`);
  return out;
}

export { MAX_PREFERRED_WEIGHT, MAX_TRIGGER_WORDS };

/** A weight in (0, MAX_PREFERRED_WEIGHT], the range the tuners table's CHECK takes. */
export function isPreferredWeight(weight: number): boolean {
  return Number.isFinite(weight) && weight > 0 && weight <= MAX_PREFERRED_WEIGHT;
}

export function checkPreferredWeight(weight: number | null): void {
  if (weight !== null && !isPreferredWeight(weight))
    throw new Error(
      `a preferred weight must be above 0 and at most ${MAX_PREFERRED_WEIGHT} (or none), not ${weight}`,
    );
}

export function normaliseName(name: string): string {
  const n = name.normalize('NFKC').trim();
  if (n.length === 0) throw new Error('a tuner name cannot be empty');
  if (n.length > 200) throw new Error(`tuner name is ${n.length} characters long; at most 200`);
  return n;
}

export interface NewTuner {
  name: string;
  fileHash: string;
  baseModelId: number;
  config: StoredTunerConfig;
  notes?: string;
  tags?: string[];
  triggerWords?: string[];
  parentTunerId?: number | null;
  trainingRunId?: number | null;
  dataset?: DatasetSummary | null;
  createdAt?: number;
}

export interface TunerEdits {
  notes?: string;
  rating?: number | null;
  preferredWeight?: number | null;
  triggerWords?: readonly string[];
}

export class TunerRepository {
  constructor(private readonly db: Database) {}

  /** Inserts the row and its tags; call inside a transaction with the files row. */
  insert(t: NewTuner): number {
    const info = this.db
      .prepare(
        `INSERT INTO tuners (name, file_hash, base_model_id, config, notes, trigger_words, parent_tuner_id,
           training_run_id, dataset_folder, dataset_image_count, dataset_hash, created_at, updated_at)
         VALUES (@name, @fileHash, @baseModelId, @config, @notes, @triggerWords, @parent, @run, @folder, @count, @dhash,
           coalesce(@createdAt, CAST(unixepoch('subsec') * 1000 AS INTEGER)),
           coalesce(@createdAt, CAST(unixepoch('subsec') * 1000 AS INTEGER)))`,
      )
      .run({
        name: normaliseName(t.name),
        fileHash: t.fileHash,
        baseModelId: t.baseModelId,
        config: JSON.stringify(t.config),
        notes: t.notes ?? '',
        triggerWords: JSON.stringify(normaliseTriggerWords(t.triggerWords ?? [])),
        parent: t.parentTunerId ?? null,
        run: t.trainingRunId ?? null,
        folder: t.dataset?.folder ?? null,
        count: t.dataset?.imageCount ?? null,
        dhash: t.dataset?.hash ?? null,
        createdAt: t.createdAt ?? null,
      });
    const id = Number(info.lastInsertRowid);
    if (t.tags?.length) this.addTags(id, t.tags);
    return id;
  }

  get(id: number): TunerRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE t.id = ?`).get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  require(id: number): TunerRecord {
    const t = this.get(id);
    if (!t) throw new Error(`no tuner with id ${id}`);
    return t;
  }

  byFileHash(hash: string): TunerRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE t.file_hash = ?`).get(hash) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** Finds by id, exact file hash, unique hash prefix (≥ 6), or exact name. */
  find(ref: string): TunerRecord | null {
    if (/^\d+$/.test(ref)) return this.get(Number(ref));
    if (/^[0-9a-f]{6,64}$/.test(ref)) {
      const rows = this.db
        .prepare('SELECT id FROM tuners WHERE file_hash >= ? AND file_hash < ? LIMIT 2')
        .all(ref, `${ref}g`) as { id: number }[];
      if (rows.length === 1) return this.get(rows[0]!.id);
      if (rows.length > 1) throw new Error(`"${ref}" matches more than one tuner's hash; give more digits`);
    }
    const byName = this.db.prepare('SELECT id FROM tuners WHERE name = ? LIMIT 2').all(ref) as {
      id: number;
    }[];
    if (byName.length > 1) throw new Error(`more than one tuner is named "${ref}"; use its id`);
    return byName.length === 1 ? this.get(byName[0]!.id) : null;
  }

  list(q: TunerQuery = {}): Page<TunerRecord> {
    const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 50)), MAX_PAGE);
    const offset = Math.max(0, Math.floor(q.offset ?? 0));
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    const match = q.search !== undefined ? ftsQuery(q.search) : null;
    let from = 'tuners t';
    if (match) {
      from = 'tuners_fts JOIN tuners t ON t.id = tuners_fts.rowid';
      where.push('tuners_fts MATCH @match');
      params.match = match;
    }
    if (q.kind) {
      where.push('t.kind = @kind');
      params.kind = q.kind;
    }
    if (q.condition) {
      where.push('t.condition = @condition');
      params.condition = q.condition;
    }
    if (q.baseModelId !== undefined) {
      where.push('t.base_model_id = @baseModelId');
      params.baseModelId = q.baseModelId;
    }
    if (q.tag) {
      where.push('t.id IN (SELECT tuner_id FROM tuner_tags WHERE tag = @tag)');
      params.tag = normaliseTag(q.tag);
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const sort = q.sort ?? (match ? 'relevance' : 'created');
    const dir =
      (q.order ?? (sort === 'name' || sort === 'relevance' ? 'asc' : 'desc')) === 'asc' ? 'ASC' : 'DESC';
    const orderSql =
      sort === 'relevance'
        ? match
          ? `bm25(tuners_fts, 10.0, 5.0, 1.0) ${dir}, t.id DESC`
          : `t.created_at DESC, t.id DESC`
        : `${SORT_COLUMNS[sort]} ${dir}, t.id ${dir}`;
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM ${from} ${whereSql}`).get(params) as { n: number }
    ).n;
    const ids = this.db
      .prepare(`SELECT t.id FROM ${from} ${whereSql} ORDER BY ${orderSql} LIMIT ${limit} OFFSET ${offset}`)
      .pluck()
      .all({ ...params, limit, offset }) as number[];
    return { items: this.#many(ids), total, limit, offset };
  }

  /** Full records for these ids, in this order, in one query. */
  #many(ids: number[]): TunerRecord[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(`${SELECT} WHERE t.id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ids)) as Row[];
    const byId = new Map(rows.map((r) => [r.id, toRecord(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  rename(id: number, name: string): void {
    this.#changed(
      this.db.prepare('UPDATE tuners SET name = ? WHERE id = ?').run(normaliseName(name), id).changes,
      id,
    );
  }

  setNotes(id: number, notes: string): void {
    this.#changed(this.db.prepare('UPDATE tuners SET notes = ? WHERE id = ?').run(notes, id).changes, id);
  }

  /** null clears it (the studio's default weight, 1, applies). */
  setPreferredWeight(id: number, weight: number | null): void {
    checkPreferredWeight(weight);
    this.#changed(
      this.db.prepare('UPDATE tuners SET preferred_weight = ? WHERE id = ?').run(weight, id).changes,
      id,
    );
  }

  setTriggerWords(id: number, words: readonly string[]): void {
    const json = JSON.stringify(normaliseTriggerWords(words));
    this.#changed(
      this.db.prepare('UPDATE tuners SET trigger_words = ? WHERE id = ?').run(json, id).changes,
      id,
    );
  }

  /** The artist's edits in one transaction; a field left undefined stays as it is. */
  update(id: number, changes: TunerEdits): void {
    this.db.transaction(() => {
      if (changes.notes !== undefined) this.setNotes(id, changes.notes);
      if (changes.rating !== undefined) this.setRating(id, changes.rating);
      if (changes.preferredWeight !== undefined) this.setPreferredWeight(id, changes.preferredWeight);
      if (changes.triggerWords !== undefined) this.setTriggerWords(id, changes.triggerWords);
    })();
  }

  setRating(id: number, rating: number | null): void {
    if (rating !== null && !(Number.isInteger(rating) && rating >= 1 && rating <= 5))
      throw new Error(`rating must be 1 to 5 (or none), not ${rating}`);
    this.#changed(this.db.prepare('UPDATE tuners SET rating = ? WHERE id = ?').run(rating, id).changes, id);
  }

  addTags(id: number, tags: string[]): void {
    this.require(id);
    const insert = this.db.prepare('INSERT OR IGNORE INTO tuner_tags (tuner_id, tag) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const tag of tags) insert.run(id, normaliseTag(tag));
      this.#touch(id);
    })();
  }

  removeTags(id: number, tags: string[]): void {
    this.require(id);
    const del = this.db.prepare('DELETE FROM tuner_tags WHERE tuner_id = ? AND tag = ?');
    this.db.transaction(() => {
      for (const tag of tags) del.run(id, normaliseTag(tag));
      this.#touch(id);
    })();
  }

  setTags(id: number, tags: string[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM tuner_tags WHERE tuner_id = ?').run(id);
      this.addTags(id, tags);
    })();
  }

  addPreview(id: number, fileHash: string): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO tuner_previews (tuner_id, file_hash, position)
         VALUES (?, ?, (SELECT coalesce(max(position), -1) + 1 FROM tuner_previews WHERE tuner_id = ?))`,
      )
      .run(id, fileHash, id);
    this.#touch(id);
  }

  /** Deletes the row (tags and previews go with it); returns the file hashes it referenced. */
  delete(id: number): string[] {
    const t = this.require(id);
    this.db.prepare('DELETE FROM tuners WHERE id = ?').run(id);
    return [t.fileHash, ...t.previews];
  }

  allTags(): { tag: string; count: number }[] {
    return this.db
      .prepare('SELECT tag, count(*) AS count FROM tuner_tags GROUP BY tag ORDER BY count DESC, tag')
      .all() as { tag: string; count: number }[];
  }

  #touch(id: number): void {
    this.db
      .prepare(`UPDATE tuners SET updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE id = ?`)
      .run(id);
  }

  #changed(changes: number, id: number): void {
    if (changes === 0) throw new Error(`no tuner with id ${id}`);
  }
}
