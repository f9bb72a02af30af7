// The style bench's data: a Twemoji dataset built by the studio's emoji builder with the Noto
// dataset's seed, size and held-out share, so that picture k of both is the same emoji on the same
// background (the builder's order and backgrounds depend on the seed only) and the held-out split
// holds the same whole emoji. The SC-Tuner and the LoRA train on the first N Twemoji training
// pictures; generation is measured on held-out captions against both vendors' held-out pictures.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Split } from '../../../main/datasets/dataset-writer.ts';
import { buildEmoji } from '../../../main/datasets/emoji/build-emoji.ts';
import { writeFileAtomicSync } from '../../../main/engine/io/atomic-write.ts';
import type { HeldoutSample } from '../quality/heldout.ts';

export interface TwemojiBuild {
  /** Pictures built; the held-out split is about 8 % of them. */
  count: number;
  seed: number;
  size: number;
  heldout: number;
}

export const TWEMOJI_ATTRIBUTION =
  'Trained on Twemoji graphics, Copyright 2020 Twitter, Inc and other contributors, CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/), scaled and composited onto backgrounds; see assets/licenses/twemoji.md';

/** The Noto dataset's settings (assets/models/embedded/recipe.json), so the two are twins. */
export const TWIN_OF_NOTO = { seed: 1, size: 64, heldout: 0.1 } as const;

interface DatasetManifest {
  vendor?: unknown;
  options?: { count?: unknown; seed?: unknown; size?: unknown; heldout?: unknown };
}

/** Why the dataset described by `manifest` cannot serve for `want`, or null when it can. */
export function datasetMismatch(manifest: DatasetManifest, want: TwemojiBuild): string | null {
  if (manifest.vendor !== 'twitter') return `its vendor is ${JSON.stringify(manifest.vendor)}, not "twitter"`;
  const o = manifest.options ?? {};
  for (const key of ['seed', 'size', 'heldout'] as const)
    if (o[key] !== want[key]) return `its ${key} is ${JSON.stringify(o[key])}, not ${want[key]}`;
  if (typeof o.count !== 'number' || o.count < want.count)
    return `it holds ${JSON.stringify(o.count)} pictures, fewer than the ${want.count} asked for`;
  return null;
}

/** Reuses the Twemoji dataset in `dir` when it fits `want`; else (re)builds it there. */
export async function ensureTwemojiDataset(
  dir: string,
  want: TwemojiBuild,
  log: (line: string) => void,
): Promise<{ built: boolean }> {
  const manifestPath = join(dir, 'dataset.json');
  let ours = false;
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as DatasetManifest;
    const why = datasetMismatch(manifest, want);
    if (why === null) {
      log(`twemoji: reusing the dataset in ${dir}`);
      return { built: false };
    }
    log(`twemoji: rebuilding ${dir}: ${why}`);
    ours = true;
  }
  const command = `scedit dataset build emoji --vendor twitter --out ${dir} --count ${want.count} --seed ${want.seed} --size ${want.size} --heldout ${want.heldout}${ours ? ' --force' : ''}`;
  log(`twemoji: ${command}`);
  await buildEmoji({ out: dir, vendor: 'twitter', ...want, replace: ours, log, command });
  return { built: true };
}

/** Parses a split's metadata.jsonl (file_name, text, labels) into samples whose files lie in `dir`. */
export function parseSplitMetadata(text: string, dir: string, source: string, path: string): HeldoutSample[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line) as Record<string, unknown>;
      } catch (err) {
        throw new Error(`${path}:${i + 1}: not JSON (${(err as Error).message})`);
      }
      const { file_name, text: caption, ...labels } = row;
      if (typeof file_name !== 'string' || typeof caption !== 'string')
        throw new Error(`${path}:${i + 1}: needs string file_name and text`);
      return { source, file: join(dir, file_name), caption, labels };
    });
}

export function readSplit(datasetDir: string, split: Split, source = 'emoji'): HeldoutSample[] {
  const dir = join(datasetDir, split);
  const path = join(dir, 'metadata.jsonl');
  if (!existsSync(path)) throw new Error(`${path} is missing: the dataset has no ${split} split`);
  return parseSplitMetadata(readFileSync(path, 'utf8'), dir, source, path);
}

export interface VendorPair {
  twemoji: HeldoutSample;
  noto: HeldoutSample;
}

/**
 * Twemoji and Noto samples of the same picture index, showing the same emoji. Twins are matched by
 * file name and checked by emoji code points; a Twemoji sample without a twin is left out.
 */
export function pairTwins(
  twemoji: readonly HeldoutSample[],
  noto: readonly HeldoutSample[],
): { pairs: VendorPair[]; unmatched: number } {
  const byFile = new Map(noto.map((s) => [basename(s.file), s]));
  const pairs: VendorPair[] = [];
  let unmatched = 0;
  for (const t of twemoji) {
    const n = byFile.get(basename(t.file));
    if (n && n.labels.unified === t.labels.unified) pairs.push({ twemoji: t, noto: n });
    else unmatched++;
  }
  return { pairs, unmatched };
}

/** The first `n` training samples (the builder already shuffled the emoji). */
export function trainingSubset(train: readonly HeldoutSample[], n: number): HeldoutSample[] {
  if (train.length < n)
    throw new Error(
      `--images ${n}: the Twemoji training split holds only ${train.length} pictures (build more with --build-count)`,
    );
  return train.slice(0, n);
}

/**
 * A flat training folder (image + caption .txt per sample) holding exactly `samples`; kept when it
 * already holds them (its subset.json lists the files), so the feature cache and tuners stay valid.
 */
export function writeTrainingFolder(samples: readonly HeldoutSample[], dir: string): { reused: boolean } {
  const listing = `${JSON.stringify(samples.map((s) => s.file))}\n`;
  const listPath = join(dir, 'subset.json');
  if (existsSync(listPath) && readFileSync(listPath, 'utf8') === listing) return { reused: true };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of samples) {
    const name = basename(s.file);
    writeFileAtomicSync(join(dir, name), readFileSync(s.file));
    writeFileAtomicSync(join(dir, name.replace(/\.[^.]+$/, '.txt')), `${s.caption}\n`);
  }
  writeFileAtomicSync(listPath, listing);
  return { reused: false };
}
