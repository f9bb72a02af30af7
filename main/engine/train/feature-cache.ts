// Cache of what training computes once per image: VAE latents, text embeddings, condition maps.
// An entry is keyed by the sha256 of its inputs (content hash of the file, the model's hash, the
// settings that change the result), so a changed picture or setting is simply a different key and
// nothing stale is ever read. One small .safetensors per entry, written atomically.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openSafetensors, writeSafetensors } from '../io/safetensors.ts';

export type CacheKind = 'latent' | 'text' | 'condition';

export interface CachedArray {
  shape: number[];
  data: Float32Array;
}

export interface CacheStats {
  hits: number;
  misses: number;
}

export class FeatureCache {
  readonly stats: Record<CacheKind, CacheStats> = {
    latent: { hits: 0, misses: 0 },
    text: { hits: 0, misses: 0 },
    condition: { hits: 0, misses: 0 },
  };

  /** `dir` null: nothing is stored, every value is computed (and counted as a miss). */
  constructor(readonly dir: string | null) {}

  static key(parts: unknown): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  private pathFor(kind: CacheKind, key: string): string {
    return join(this.dir!, kind, key.slice(0, 2), `${key}.safetensors`);
  }

  /** The stored value for `keyParts`, or `compute()`'s result, stored for next time. */
  async get(kind: CacheKind, keyParts: unknown, compute: () => Promise<CachedArray>): Promise<CachedArray> {
    const key = FeatureCache.key({ kind, ...(keyParts as object) });
    if (this.dir) {
      const path = this.pathFor(kind, key);
      if (existsSync(path)) {
        const stored = await readEntry(path);
        if (stored) {
          this.stats[kind].hits++;
          return stored;
        }
      }
    }
    this.stats[kind].misses++;
    const value = await compute();
    if (this.dir) {
      const path = this.pathFor(kind, key);
      await mkdir(join(this.dir, kind, key.slice(0, 2)), { recursive: true });
      await writeSafetensors(path, [{ name: 'value', dtype: 'F32', shape: value.shape, data: value.data }], {
        format: 'scedit-studio.train-cache/1',
        kind,
      });
    }
    return value;
  }
}

/** A readable entry, or null when the file is damaged (then it is recomputed and replaced). */
async function readEntry(path: string): Promise<CachedArray | null> {
  try {
    const file = await openSafetensors(path);
    try {
      return { shape: [...file.info('value').shape], data: await file.read('value') };
    } finally {
      await file.close();
    }
  } catch {
    return null;
  }
}
