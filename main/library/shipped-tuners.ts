// Offers the tuners that come with the studio to a library: each shipped file not yet offered to
// this library is checked (sha256 against the manifest, then the tuner inspector) and imported
// with the manifest's name, tags (plus "shipped") and notes. An offer is remembered in the
// library (shipped_tuner_offers), so a second start adds nothing and a shipped tuner the artist
// deleted stays deleted. A missing, changed or broken file is skipped with a warning that names it;
// the others still register. A manifest's preferred weight also reaches a shipped tuner registered
// before the manifest had one (tagged shipped, same file, no weight set yet), and so does its preview
// picture (a shipped tuner without previews gets the manifest's). Nothing here throws:
// a broken manifest is a warning too, so the library always opens.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../engine/io/file-hash.ts';
import { readImage } from '../engine/io/image.ts';
import type { Library } from './library.ts';
import type { ShippedTunerEntry } from './shipped-tuners-manifest.ts';
import { loadShippedTunersManifest, shippedTunersDir } from './shipped-tuners-manifest.ts';
import type { TunerInspector } from './tuner-inspector.ts';
import { inspectTunerFile } from './tuner-inspector.ts';

export const SHIPPED_TAG = 'shipped';

export interface ShippedTunersOptions {
  /** The shipped tuners' folder; default shippedTunersDir() (null: none). */
  dir?: string | null;
  inspector?: TunerInspector;
}

export interface ShippedTunersReport {
  /** The folder read, or null when shipped tuners are off. */
  dir: string | null;
  /** Tuners added to the library by this call. */
  registered: { file: string; tunerId: number; name: string }[];
  /** Files that were the library's already (the artist imported the same bytes): only recorded. */
  alreadyPresent: { file: string; tunerId: number }[];
  /** Shipped files not registered, and why; they are tried again on the next start. */
  skipped: { file: string; reason: string }[];
  /** One line per problem, each naming the file: the skipped files and a broken manifest. */
  warnings: string[];
}

function offeredHashes(library: Library): Set<string> {
  return new Set(library.db.prepare('SELECT file_hash FROM shipped_tuner_offers').pluck().all() as string[]);
}

function recordOffer(library: Library, entry: ShippedTunerEntry): void {
  library.db
    .prepare('INSERT OR IGNORE INTO shipped_tuner_offers (file_hash, file_name) VALUES (?, ?)')
    .run(entry.sha256, entry.file);
}

/** The manifest's weight for a shipped tuner the library holds without one (not for the artist's
 *  own import of the same file, which stays as they left it). */
function adoptPreferredWeight(library: Library, entry: ShippedTunerEntry, report: ShippedTunersReport): void {
  try {
    library.db
      .prepare(
        `UPDATE tuners SET preferred_weight = ?
         WHERE file_hash = ? AND preferred_weight IS NULL
           AND id IN (SELECT tuner_id FROM tuner_tags WHERE tag = ?)`,
      )
      .run(entry.weight, entry.sha256, SHIPPED_TAG);
  } catch (err) {
    report.warnings.push(
      `shipped tuner "${entry.name}": preferred weight not set: ${(err as Error).message}`,
    );
  }
}

/** Largest preview file taken (a card shows it at ~140 px). */
const MAX_PREVIEW_BYTES = 4 * 1024 * 1024;

/** The manifest's preview, checked to be a PNG that decodes, for a shipped tuner (tagged shipped,
 *  the manifest's file) that has none yet. A bad preview is a warning; the tuner stays registered. */
async function adoptPreview(
  library: Library,
  dir: string,
  entry: ShippedTunerEntry,
  report: ShippedTunersReport,
): Promise<void> {
  if (!entry.preview) return;
  const path = join(dir, entry.preview);
  try {
    const ids = library.db
      .prepare(
        `SELECT id FROM tuners WHERE file_hash = ?
           AND id IN (SELECT tuner_id FROM tuner_tags WHERE tag = ?)
           AND id NOT IN (SELECT tuner_id FROM tuner_previews)`,
      )
      .pluck()
      .all(entry.sha256, SHIPPED_TAG) as number[];
    if (ids.length === 0) return;
    const bytes = await readFile(path);
    if (bytes.length > MAX_PREVIEW_BYTES) throw new Error(`${bytes.length} bytes, over ${MAX_PREVIEW_BYTES}`);
    if (bytes.subarray(0, 8).toString('latin1') !== '\x89PNG\r\n\x1a\n') throw new Error('not a PNG file');
    await readImage(bytes, { name: path }); // throws, naming the fault, where the PNG does not decode
    for (const id of ids) await library.addPreview(id, bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file is missing' : reasonOf(err, path);
    report.warnings.push(`shipped tuner "${entry.name}": preview ${path} not used: ${why}`);
  }
}

/** An error's message without the path it starts with (the warning names the file already). */
function reasonOf(err: unknown, path: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}

/** Why the file at `path` must not be registered as `entry`, or null when it may. */
async function fileProblem(path: string, entry: ShippedTunerEntry, inspect: TunerInspector) {
  let hash: string;
  try {
    hash = await sha256File(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'the file is missing' : `cannot be read (${code ?? reasonOf(err, path)})`;
  }
  if (hash !== entry.sha256)
    return `its sha256 is ${hash}, the manifest says ${entry.sha256} (the file was changed or damaged)`;
  let info: Awaited<ReturnType<TunerInspector>>;
  try {
    info = await inspect(path);
  } catch (err) {
    return `not a usable tuner file: ${reasonOf(err, path)}`;
  }
  const want = `${entry.kind}${entry.condition ? ` (${entry.condition})` : ''}`;
  const got = `${info.kind}${info.condition ? ` (${info.condition})` : ''}`;
  if (want !== got) return `the file is a ${got} tuner, the manifest says ${want}`;
  return null;
}

export async function registerShippedTuners(
  library: Library,
  options: ShippedTunersOptions = {},
): Promise<ShippedTunersReport> {
  const dir = options.dir === undefined ? shippedTunersDir() : options.dir;
  const report: ShippedTunersReport = { dir, registered: [], alreadyPresent: [], skipped: [], warnings: [] };
  if (dir === null) return report;
  let manifest: Awaited<ReturnType<typeof loadShippedTunersManifest>>;
  try {
    manifest = await loadShippedTunersManifest(dir);
  } catch (err) {
    report.warnings.push(`shipped tuners not registered: ${(err as Error).message}`);
    return report;
  }
  if (!manifest) return report;
  let offered: Set<string>;
  try {
    offered = offeredHashes(library);
  } catch (err) {
    report.warnings.push(`shipped tuners not registered: ${(err as Error).message}`);
    return report;
  }
  const inspect = options.inspector ?? inspectTunerFile;
  for (const entry of manifest.tuners) {
    if (offered.has(entry.sha256)) {
      if (entry.weight !== undefined) adoptPreferredWeight(library, entry, report);
      await adoptPreview(library, dir, entry, report);
      continue;
    }
    const path = join(dir, entry.file);
    const skip = (reason: string) => {
      report.skipped.push({ file: path, reason });
      report.warnings.push(`shipped tuner "${entry.name}" (${path}) not registered: ${reason}`);
    };
    const problem = await fileProblem(path, entry, inspect);
    if (problem) {
      skip(problem);
      continue;
    }
    try {
      const result = await library.importTuner(path, {
        name: entry.name,
        tags: [...entry.tags, SHIPPED_TAG],
        notes: entry.notes,
        preferredWeight: entry.weight ?? null,
        // Inside the import's transaction: the tuner and its offer are committed together.
        onStage: (stage) => {
          if (stage === 'inserting') recordOffer(library, entry);
        },
      });
      if (result.alreadyPresent) {
        recordOffer(library, entry);
        report.alreadyPresent.push({ file: path, tunerId: result.tuner.id });
      } else {
        report.registered.push({ file: path, tunerId: result.tuner.id, name: result.tuner.name });
        await adoptPreview(library, dir, entry, report);
      }
    } catch (err) {
      skip(reasonOf(err, path));
    }
  }
  return report;
}
