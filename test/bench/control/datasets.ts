// The control benchmark's data: the embedded model's built datasets (.cache/datasets/<name>/{train,
// heldout}, `scedit dataset build`), a seeded subset of a train split linked into a folder the
// trainer reads, and the held-out samples whose conditions are generated from.
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomicSync } from '../../../main/engine/io/atomic-write.ts';
import { seededPermutation } from '../quality/heldout.ts';

export const DATASETS_DIR = fileURLToPath(new URL('../../../.cache/datasets', import.meta.url));

export interface DatasetSample {
  /** Absolute path of the picture. */
  file: string;
  caption: string;
  /** Paired condition maps by kind (absolute paths), as the dataset's metadata lists them. */
  conditions: Record<string, string>;
}

/** Every sample of a split, in metadata order; a missing split says how to build it. */
export function readSplit(dataset: string, split: 'train' | 'heldout', root = DATASETS_DIR): DatasetSample[] {
  const dir = join(root, dataset, split);
  const path = join(dir, 'metadata.jsonl');
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: build the ${dataset} dataset first (see assets/models/embedded/recipe.json: npx scedit dataset build ${dataset} --out .cache/datasets/${dataset} …)`,
    );
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const row = JSON.parse(line) as { file_name?: unknown; text?: unknown; conditions?: unknown };
      if (typeof row.file_name !== 'string' || typeof row.text !== 'string')
        throw new Error(`${path}:${i + 1}: needs string file_name and text`);
      const conditions: Record<string, string> = {};
      if (row.conditions && typeof row.conditions === 'object')
        for (const [kind, rel] of Object.entries(row.conditions as Record<string, unknown>))
          if (typeof rel === 'string') conditions[kind] = resolve(dir, rel);
      return { file: join(dir, row.file_name), caption: row.text, conditions };
    });
}

/** The paired maps every sample of a dataset must have: figure experiments share their held-out
 *  figures (depth and pose maps both), so their no-control pictures and compositions compare alike. */
export function pairedMapsFor(dataset: string): string[] {
  return dataset === 'figures' ? ['depth', 'pose'] : [];
}

/**
 * `count` samples in a seeded order, keeping only those with every paired map in `needs` on disk
 * (the same seed and needs give the same samples, so every figure experiment shares them).
 */
export function pickSamples(
  samples: readonly DatasetSample[],
  count: number,
  seed: number,
  needs: readonly string[] = [],
): DatasetSample[] {
  const picked: DatasetSample[] = [];
  for (const i of seededPermutation(samples.length, seed)) {
    const s = samples[i]!;
    if (needs.every((k) => s.conditions[k] && existsSync(s.conditions[k]!))) picked.push(s);
    if (picked.length === count) break;
  }
  return picked;
}

/**
 * A flat training folder of `samples` (pictures, `.txt` captions, `conditions/<kind>/` maps) that
 * `scedit train` reads; files are hard links where the file system allows, else copies. The folder
 * is made anew each time, so it holds exactly these samples. A sample's `prefix` goes before its
 * file name (two datasets share file stems).
 */
export function writeTrainingFolder(
  dir: string,
  samples: readonly (DatasetSample & { prefix?: string })[],
  conditionKind: string | null,
): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const place = (from: string, to: string) => {
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  };
  for (const s of samples) {
    const name = `${s.prefix ?? ''}${basename(s.file)}`;
    place(s.file, join(dir, name));
    writeFileAtomicSync(join(dir, `${basename(name, extname(name))}.txt`), s.caption);
    const map = conditionKind ? s.conditions[conditionKind] : undefined;
    if (map) {
      const mapDir = join(dir, 'conditions', conditionKind!);
      mkdirSync(mapDir, { recursive: true });
      // The trainer pairs maps by the picture's stem; keep the map's own extension (.png, .json).
      place(map, join(mapDir, `${basename(name, extname(name))}${extname(map)}`));
    }
  }
}
