// The studio's library: a SQLite database and a content-addressed file store in one data folder.
// Files are written to the store before the rows that reference them are committed, and removed
// only after the rows that referenced them are gone, so a crash at any point leaves at worst an
// unreferenced file (reported and cleaned by the integrity check), never a row without its file.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { RecipeInput } from '../engine/io/recipe.ts';
import { embedRecipe, parseRecipe } from '../engine/io/recipe.ts';
import { BaseModelRepository } from './base-model-repository.ts';
import { fileStoreRoot, libraryDatabasePath, resolveDataDir } from './data-dir.ts';
import { openLibraryDatabase } from './database.ts';
import { FileStore } from './file-store.ts';
import type { GenerationRecord } from './generation-repository.ts';
import { GenerationRepository } from './generation-repository.ts';
import type { IntegrityReport } from './integrity.ts';
import { checkIntegrity, removeUnreferencedFiles } from './integrity.ts';
import { TrainingRunRepository } from './training-run-repository.ts';
import { writeSafetensorsWithMetadata } from './tuner-export.ts';
import type { TunerInspector } from './tuner-inspector.ts';
import { inspectTunerFile, TUNER_METADATA_KEYS } from './tuner-inspector.ts';
import type { TunerRecord } from './tuner-repository.ts';
import {
  checkPreferredWeight,
  isPreferredWeight,
  MAX_TRIGGER_WORDS,
  normaliseTag,
  normaliseTriggerWords,
  TunerRepository,
} from './tuner-repository.ts';

export interface OpenLibraryOptions {
  /** The data folder; default $SCEDIT_DATA_DIR or ~/.scedit-studio. */
  dataDir?: string;
  /** Validates tuner files and reads their metadata (default: the safetensors inspector). */
  inspector?: TunerInspector;
  /** Run the integrity check while opening (default true); the report is `startupReport`. */
  checkIntegrity?: boolean;
  busyTimeoutMs?: number;
}

export type ImportStage = 'inspected' | 'stored' | 'inserting' | 'committed';

export interface ImportTunerOptions {
  name?: string;
  tags?: string[];
  notes?: string;
  /** Wins over the file's own preferred_weight metadata. */
  preferredWeight?: number | null;
  /** Wins over the file's own trigger_words metadata. */
  triggerWords?: string[];
  parentTunerId?: number | null;
  trainingRunId?: number | null;
  /** For files that do not name their base model's hash (e.g. made by another tool). */
  baseModel?: { modelId: string; hash: string; name?: string };
  /** Bytes copied into the store so far. */
  onProgress?: (bytes: number) => void;
  /** Where the import is; 'inserting' is reported inside the database transaction. */
  onStage?: (stage: ImportStage) => void;
}

export interface ImportResult {
  tuner: TunerRecord;
  /** True when this exact file was already in the library (nothing was added). */
  alreadyPresent: boolean;
}

export interface RecordGenerationInput {
  /** The PNG as the engine encoded it; the recipe is embedded before it is stored. */
  png: Uint8Array;
  recipe: RecipeInput;
  durationMs?: number;
  backend?: string;
}

export class Library {
  readonly dataDir: string;
  readonly db: Database;
  readonly store: FileStore;
  readonly tuners: TunerRepository;
  readonly baseModels: BaseModelRepository;
  readonly trainingRuns: TrainingRunRepository;
  readonly generations: GenerationRepository;
  readonly startupReport: IntegrityReport | null;
  readonly #inspect: TunerInspector;

  private constructor(dataDir: string, db: Database, options: OpenLibraryOptions) {
    this.dataDir = dataDir;
    this.db = db;
    this.store = new FileStore(fileStoreRoot(dataDir));
    this.tuners = new TunerRepository(db);
    this.baseModels = new BaseModelRepository(db);
    this.trainingRuns = new TrainingRunRepository(db);
    this.generations = new GenerationRepository(db);
    this.#inspect = options.inspector ?? inspectTunerFile;
    this.startupReport = options.checkIntegrity === false ? null : checkIntegrity(db, this.store);
  }

  static open(options: OpenLibraryOptions = {}): Library {
    const dataDir = resolveDataDir(options.dataDir);
    if (existsSync(dataDir) && !statSync(dataDir).isDirectory())
      throw new Error(`${dataDir}: the data folder is a file, not a folder`);
    mkdirSync(dataDir, { recursive: true });
    const db = openLibraryDatabase(libraryDatabasePath(dataDir), { busyTimeoutMs: options.busyTimeoutMs });
    try {
      return new Library(dataDir, db, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  async importTuner(path: string, options: ImportTunerOptions = {}): Promise<ImportResult> {
    const info = await this.#inspect(path);
    options.onStage?.('inspected');
    const baseModelHash = info.baseModelHash ?? options.baseModel?.hash;
    if (!baseModelHash)
      throw new Error(
        `${path}: the file does not give its base model's hash (${TUNER_METADATA_KEYS.baseModelHash}); say which base model it is for`,
      );
    const stored = await this.store.putFile(path, { onProgress: options.onProgress });
    options.onStage?.('stored');
    const meta = info.metadata;
    const metaTags = parseJsonArray(meta[TUNER_METADATA_KEYS.tags]);
    const metaRating = Number(meta[TUNER_METADATA_KEYS.rating]);
    const preferredWeight =
      options.preferredWeight !== undefined
        ? options.preferredWeight
        : preferredWeightFromMetadata(meta[TUNER_METADATA_KEYS.preferredWeight]);
    checkPreferredWeight(preferredWeight);
    let alreadyPresent = false;
    const id = this.db.transaction(() => {
      const existing = this.tuners.byFileHash(stored.hash);
      if (existing) {
        alreadyPresent = true;
        return existing.id;
      }
      this.db
        .prepare('INSERT OR IGNORE INTO files (hash, size, media_type) VALUES (?, ?, ?)')
        .run(stored.hash, stored.size, 'safetensors');
      const baseModelId = this.baseModels.ensure({
        modelId: info.baseModelId,
        hash: baseModelHash,
        name: options.baseModel?.name,
      });
      const id = this.tuners.insert({
        name: options.name ?? (meta[TUNER_METADATA_KEYS.name] || basename(path, extname(path))),
        fileHash: stored.hash,
        baseModelId,
        config: {
          kind: info.kind,
          condition: info.condition,
          parameterCount: info.parameterCount,
          baseModelId: info.baseModelId,
          baseModelHash,
          tuner: info.config,
          training: info.training,
          metadata: info.metadata,
        },
        notes: options.notes ?? meta[TUNER_METADATA_KEYS.notes] ?? '',
        triggerWords:
          options.triggerWords ?? triggerWordsFromMetadata(meta[TUNER_METADATA_KEYS.triggerWords]),
        parentTunerId: options.parentTunerId ?? null,
        trainingRunId: options.trainingRunId ?? null,
        dataset: info.dataset,
      });
      options.onStage?.('inserting');
      this.tuners.addTags(id, [...metaTags, ...(options.tags ?? [])].map(normaliseTag));
      if (Number.isInteger(metaRating) && metaRating >= 1 && metaRating <= 5)
        this.tuners.setRating(id, metaRating);
      if (preferredWeight !== null) this.tuners.setPreferredWeight(id, preferredWeight);
      return id;
    })();
    options.onStage?.('committed');
    // Another process may have deleted the file between our put and our commit (same bytes).
    if (!this.store.has(stored.hash)) await this.store.putFile(path);
    return { tuner: this.tuners.require(id), alreadyPresent };
  }

  /**
   * Writes the tuner's file to `target` (a file path, or a folder to write `<name>.safetensors`
   * into) with name, tags, notes and rating added to the metadata it already carries (format,
   * kind, config, base model). Returns the path written.
   */
  async exportTuner(id: number, target: string, options: { overwrite?: boolean } = {}): Promise<string> {
    const t = this.tuners.require(id);
    const path =
      existsSync(target) && statSync(target).isDirectory()
        ? join(target, `${fileNameFor(t.name)}.safetensors`)
        : target;
    if (!options.overwrite && existsSync(path))
      throw new Error(`${path}: already exists (overwrite it explicitly)`);
    if (!this.store.has(t.fileHash))
      throw new Error(`tuner ${t.id} "${t.name}": its file is missing from the store`);
    const K = TUNER_METADATA_KEYS;
    await writeSafetensorsWithMetadata(this.store.pathOf(t.fileHash), path, {
      [K.name]: t.name,
      [K.tags]: JSON.stringify(t.tags),
      [K.notes]: t.notes,
      // What the artist cleared here must not come back from the file's own metadata.
      [K.rating]: t.rating === null ? null : String(t.rating),
      [K.preferredWeight]: t.preferredWeight === null ? null : String(t.preferredWeight),
      [K.triggerWords]: t.triggerWords.length > 0 ? JSON.stringify(t.triggerWords) : null,
    });
    return path;
  }

  /** Deletes the tuner row; its file (and previews) leave the store when nothing else uses them. */
  deleteTuner(id: number): { removedFiles: string[] } {
    const hashes = this.db.transaction(() => this.tuners.delete(id))();
    return { removedFiles: this.#release(hashes) };
  }

  /** Stores bytes (a preview, a condition map, a mask) and records the file; returns its hash. */
  async storeFile(bytes: Uint8Array, mediaType: string): Promise<string> {
    const stored = await this.store.putBytes(bytes);
    this.db
      .prepare('INSERT OR IGNORE INTO files (hash, size, media_type) VALUES (?, ?, ?)')
      .run(stored.hash, stored.size, mediaType);
    return stored.hash;
  }

  async addPreview(tunerId: number, png: Uint8Array): Promise<string> {
    this.tuners.require(tunerId);
    const hash = await this.storeFile(png, 'png');
    this.tuners.addPreview(tunerId, hash);
    return hash;
  }

  /** Embeds the recipe in the PNG, stores it and records the generation. */
  async recordGeneration(input: RecordGenerationInput): Promise<GenerationRecord> {
    const recipe = parseRecipe(input.recipe);
    const png = embedRecipe(input.png, recipe, 'generated image');
    const stored = await this.store.putBytes(png);
    const id = this.db.transaction(() => {
      this.db
        .prepare('INSERT OR IGNORE INTO files (hash, size, media_type) VALUES (?, ?, ?)')
        .run(stored.hash, stored.size, 'png');
      for (const c of recipe.conditions)
        for (const h of [c.imageHash, c.maskHash])
          if (h && !this.db.prepare('SELECT 1 FROM files WHERE hash = ?').get(h))
            throw new Error(`condition layer "${c.kind}": image ${h} is not in the library (store it first)`);
      return this.generations.insert({
        imageHash: stored.hash,
        recipe,
        durationMs: input.durationMs ?? null,
        backend: input.backend ?? null,
      });
    })();
    return this.generations.get(id)!;
  }

  deleteGeneration(id: number): { removedFiles: string[] } {
    const hashes = this.db.transaction(() => this.generations.delete(id))();
    return { removedFiles: this.#release(hashes) };
  }

  /** Runs several reads against one consistent snapshot (a deferred transaction). */
  snapshot<T>(read: () => T): T {
    return this.db.transaction(read).deferred();
  }

  checkIntegrity(): IntegrityReport {
    return checkIntegrity(this.db, this.store);
  }

  /** Removes files nothing references, if older than minAgeMs (see removeUnreferencedFiles). */
  removeUnreferencedFiles(minAgeMs?: number): string[] {
    return removeUnreferencedFiles(this.db, this.store, this.checkIntegrity().unreferencedFiles, minAgeMs);
  }

  /** Drops files rows nothing references (committed first), then their bytes. */
  #release(hashes: string[]): string[] {
    const free = this.db.transaction(() =>
      [...new Set(hashes)].filter((h) => {
        if (this.db.prepare('SELECT 1 FROM file_references WHERE hash = ? LIMIT 1').get(h)) return false;
        this.db.prepare('DELETE FROM files WHERE hash = ?').run(h);
        return true;
      }),
    )();
    for (const h of free) this.store.remove(h);
    return free;
  }
}

/** A file's preferred_weight, when it is a usable one; anything else is ignored, like a bad rating. */
function preferredWeightFromMetadata(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const weight = Number(text);
  return isPreferredWeight(weight) ? weight : null;
}

/** Another tool's file may hold anything here: what cannot be kept is dropped, never an error. */
function triggerWordsFromMetadata(text: string | undefined): string[] {
  const words = parseJsonArray(text).filter((w) => w.trim().length <= 100);
  return normaliseTriggerWords(words.slice(0, MAX_TRIGGER_WORDS));
}

function parseJsonArray(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** A tuner name made safe as a file name on every platform. */
export function fileNameFor(name: string): string {
  const safe = [...name]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || '<>:"/\\|?*'.includes(ch) ? '_' : ch))
    .join('')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 120);
  return safe || 'tuner';
}
