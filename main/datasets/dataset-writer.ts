// Writes a training folder the trainer (and kohya-style tools) can read:
//   <out>/train/NNNNNN.png + NNNNNN.txt, metadata.jsonl, conditions/<kind>/NNNNNN.<ext>
//   <out>/heldout/ (the same layout), <out>/dataset.json (how it was built).
// Every file goes through an atomic write; writes overlap with the caller's rendering.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine/io/atomic-write.ts';
import type { RgbaImage } from '../engine/io/image.ts';
import { encodePng } from '../engine/io/image.ts';

export type Split = 'train' | 'heldout';
export const SPLITS: readonly Split[] = ['train', 'heldout'];

export interface DatasetCondition {
  /** Folder under conditions/, e.g. "depth" or "pose". */
  kind: string;
  /** A PNG to encode, or ready bytes/text with their extension. */
  content: { png: RgbaImage } | { ext: string; data: string | Uint8Array };
}

export interface DatasetRecord {
  split: Split;
  /** File stem, e.g. "000042". */
  stem: string;
  image: RgbaImage;
  caption: string;
  /** Labels and facts about the sample, written into metadata.jsonl after file_name and text. */
  labels: Record<string, unknown>;
  conditions?: DatasetCondition[];
}

export class DatasetFolderError extends Error {}

/** How many files may be in flight at once (encoding and writing run on libuv's threads). */
const MAX_PENDING = 24;

export class DatasetWriter {
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown = null;
  private readonly metadata: Record<Split, { stem: string; line: string }[]> = { train: [], heldout: [] };
  private readonly madeDirs = new Set<string>();

  private constructor(readonly out: string) {}

  /**
   * Opens `out` for a new dataset. It must be missing or empty, or (with `replace`) hold a
   * dataset built before, whose splits and manifest are removed first.
   */
  static open(out: string, replace: boolean): DatasetWriter {
    if (existsSync(out)) {
      if (!statSync(out).isDirectory()) throw new DatasetFolderError(`${out} is a file, not a folder`);
      const entries = readdirSync(out);
      if (entries.length > 0) {
        if (!replace)
          throw new DatasetFolderError(
            `${out} is not empty (${entries.length} entries); choose a new folder or pass --force to replace a dataset built there`,
          );
        if (!entries.includes('dataset.json'))
          throw new DatasetFolderError(
            `${out} is not empty and holds no dataset.json, so it was not built by "scedit dataset build"; refusing to delete anything in it`,
          );
        for (const name of [...SPLITS, 'dataset.json'])
          rmSync(join(out, name), { recursive: true, force: true });
      }
    }
    return new DatasetWriter(out);
  }

  /** Queues one sample's files; waits only when too many writes are in flight. */
  async add(record: DatasetRecord): Promise<void> {
    if (this.failure) throw this.failure;
    const dir = join(this.out, record.split);
    this.ensureDir(dir);
    const fileName = `${record.stem}.png`;
    const conditionPaths: Record<string, string> = {};
    for (const c of record.conditions ?? []) {
      const ext = 'png' in c.content ? 'png' : c.content.ext;
      const rel = `conditions/${c.kind}/${record.stem}.${ext}`;
      conditionPaths[c.kind] = rel;
      this.ensureDir(join(dir, 'conditions', c.kind));
      const content = c.content;
      this.track(async () => {
        const bytes = 'png' in content ? await encodePng(content.png) : content.data;
        await writeFileAtomic(join(dir, rel), bytes);
      });
    }
    this.track(async () => writeFileAtomic(join(dir, fileName), await encodePng(record.image)));
    this.track(async () => writeFileAtomic(join(dir, `${record.stem}.txt`), `${record.caption}\n`));
    const line = JSON.stringify({
      file_name: fileName,
      text: record.caption,
      ...record.labels,
      ...(Object.keys(conditionPaths).length > 0 ? { conditions: conditionPaths } : {}),
    });
    this.metadata[record.split].push({ stem: record.stem, line });
    while (this.pending.size >= MAX_PENDING) await Promise.race(this.pending);
    if (this.failure) throw this.failure;
  }

  /** Waits for every file, then writes each split's metadata.jsonl (in stem order) and dataset.json. */
  async finish(manifest: Record<string, unknown>): Promise<Record<Split, number>> {
    await Promise.all(this.pending);
    if (this.failure) throw this.failure;
    const counts = { train: 0, heldout: 0 };
    for (const split of SPLITS) {
      const rows = this.metadata[split].sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
      counts[split] = rows.length;
      if (rows.length === 0) continue;
      await writeFileAtomic(join(this.out, split, 'metadata.jsonl'), rows.map((r) => `${r.line}\n`).join(''));
    }
    await writeFileAtomic(
      join(this.out, 'dataset.json'),
      `${JSON.stringify({ ...manifest, counts }, null, 2)}\n`,
    );
    return counts;
  }

  private ensureDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  private track(work: () => Promise<void>): void {
    const p: Promise<void> = work()
      .catch((err) => {
        this.failure ??= err;
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}

/** Six-digit file stems, as the trainer sorts them. */
export function stemOf(index: number): string {
  return String(index).padStart(6, '0');
}

/** Reports progress on a stream every ~5% (and at the end), with rate and time left. */
export function progressReporter(label: string, total: number, write: (line: string) => void) {
  const start = performance.now();
  let nextReport = 0;
  return (done: number): void => {
    if (done < nextReport && done < total) return;
    nextReport = done + Math.max(1, Math.floor(total / 20));
    const seconds = (performance.now() - start) / 1000;
    const rate = done / Math.max(seconds, 1e-3);
    const left = rate > 0 ? (total - done) / rate : 0;
    write(
      `${label}: ${done}/${total} (${Math.round((100 * done) / total)}%), ${rate.toFixed(1)}/s, ${formatSeconds(left)} left`,
    );
  };
}

function formatSeconds(s: number): string {
  return s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`;
}
