// Reads a training folder in the conventions artists' tools share (../shared/FORMATS.md):
// kohya-style `<N>_<words>/` sub-folders (N repeats, words = fallback caption) or a flat folder;
// captions from `<stem>.txt` / `<stem>.caption`, `metadata.jsonl` (file_name, text), the folder's
// words or the file name; paired condition maps in `conditions/<kind>/`. Every image is decoded
// once, so corrupt files are found before training starts. Scanning writes nothing.
import { createHash } from 'node:crypto';
import { type Dirent, existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { IMAGE_EXTENSIONS, ImageError, readImage } from '../io/image.ts';
import { missingConditionAdvice } from './condition-maps.ts';

export type CaptionSource = 'txt' | 'caption' | 'metadata' | 'folder' | 'filename' | 'none';

export interface TrainingImage {
  path: string;
  /** Path relative to the scanned folder (what reports show). */
  file: string;
  width: number;
  height: number;
  /** sha256 of the file's bytes (cache key). */
  contentHash: string;
  caption: string;
  captionSource: CaptionSource;
  repeats: number;
  /** Paired condition map per kind (absolute paths), when the folder has one. */
  conditions: Record<string, string>;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface TrainingScan {
  folder: string;
  /** The folder the images were read from (the `train/` split of a built dataset, else `folder`). */
  root: string;
  layout: 'flat' | 'repeat-folders' | 'flat+repeat-folders';
  images: TrainingImage[];
  skipped: SkippedFile[];
  /** Things worth knowing that did not skip a file (empty caption files, …). */
  notes: string[];
  captionSources: Record<CaptionSource, number>;
  /**
   * The `<words>` of the `<N>_<words>/` folders that gave images, each once, in folder order: what
   * a tuner trained here answers to (kohya's instance and class words), its trigger words.
   */
  folderWords: string[];
  /** Samples per epoch: images × repeats. */
  samplesPerEpoch: number;
  /** Human-readable lines: counts, resolution spread, caption coverage. */
  summary: string[];
}

export interface ScanOptions {
  /** Images whose shorter side is below this are skipped as too small (default 16). */
  minSide?: number;
  /** For condition training: the kind whose maps are needed. */
  condition?: string;
  /** Whether maps of `condition` can be extracted when an image has no paired one. */
  canExtractCondition?: boolean;
}

/** The folder cannot be trained on; the message says what was found and what was expected. */
export class TrainingDataError extends Error {}

const SIDE_FILES = new Set(['.txt', '.caption', '.jsonl', '.json', '.npz', '.toml']);
const REPEAT_FOLDER = /^(\d+)_(.*)$/;
const CONDITION_EXTENSIONS = [...IMAGE_EXTENSIONS, '.json'];

function isImageFile(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

function visible(entries: Dirent[]): Dirent[] {
  return entries.filter((e) => !e.name.startsWith('.'));
}

async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return visible(await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TrainingDataError(
      code === 'ENOENT'
        ? `${dir}: no such folder`
        : code === 'ENOTDIR'
          ? `${dir}: is a file; choose the folder that holds the training images`
          : `${dir}: cannot be read (${code ?? String(err)})`,
    );
  }
}

interface MetadataRow {
  text?: string;
  conditions?: Record<string, string>;
}

/** metadata.jsonl of one folder: file_name -> row. Bad lines become notes. */
async function readMetadata(dir: string, root: string, notes: string[]): Promise<Map<string, MetadataRow>> {
  const rows = new Map<string, MetadataRow>();
  const path = join(dir, 'metadata.jsonl');
  if (!existsSync(path)) return rows;
  const text = await readFile(path, 'utf8');
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      notes.push(`${relative(root, path)} line ${i + 1}: not valid JSON; line ignored`);
      return;
    }
    const r = row as { file_name?: unknown; text?: unknown; conditions?: unknown };
    if (typeof r.file_name !== 'string') {
      notes.push(`${relative(root, path)} line ${i + 1}: no "file_name"; line ignored`);
      return;
    }
    rows.set(r.file_name, {
      text: typeof r.text === 'string' ? r.text : undefined,
      conditions:
        r.conditions && typeof r.conditions === 'object'
          ? (r.conditions as Record<string, string>)
          : undefined,
    });
  });
  return rows;
}

function firstLine(text: string): string {
  return (text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '').trim();
}

function captionFromName(stem: string): string {
  const words = stem.replace(/[_-]+/g, ' ').trim();
  // Numbered files ("000042", "IMG_0042") carry no words worth training on.
  return /^(img\s*)?\d+$/i.test(words) ? '' : words;
}

interface Group {
  dir: string;
  repeats: number;
  /** Caption for images without their own (the words of `<N>_<words>`). */
  words: string | null;
}

async function findCondition(
  image: string,
  dir: string,
  root: string,
  kind: string,
  row: MetadataRow | undefined,
): Promise<string | null> {
  const listed = row?.conditions?.[kind];
  if (listed && existsSync(join(dir, listed))) return join(dir, listed);
  const stem = basename(image, extname(image));
  for (const base of [join(dir, 'conditions', kind), join(root, 'conditions', kind)]) {
    for (const ext of CONDITION_EXTENSIONS) {
      const candidate = join(base, `${stem}${ext}`);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

/** Resolves a built dataset (dataset.json + train/) to its training split. */
async function trainingRoot(folder: string, notes: string[]): Promise<string> {
  if (existsSync(join(folder, 'dataset.json')) && existsSync(join(folder, 'train'))) {
    notes.push('a dataset built by "scedit dataset build": training on its train/ split (heldout/ left out)');
    return join(folder, 'train');
  }
  return folder;
}

function layoutError(folder: string, found: string[], expected: string): TrainingDataError {
  return new TrainingDataError(
    `No usable training images in ${folder}.\nFound: ${found.join('; ')}.\nExpected: ${expected}`,
  );
}

const EXPECTED_LAYOUT =
  'images (png, jpg, webp, bmp) directly in the folder, or sub-folders named <repeats>_<words> ' +
  '(e.g. 10_red apple/) holding the images, each with an optional <name>.txt caption.';

async function countImagesBelow(dir: string, depth: number): Promise<number> {
  let n = 0;
  for (const e of await listDir(dir).catch(() => [])) {
    if (e.isFile() && isImageFile(e.name)) n++;
    else if (e.isDirectory() && depth > 0) n += await countImagesBelow(join(dir, e.name), depth - 1);
  }
  return n;
}

/** Scans `folder`; throws TrainingDataError when it holds nothing usable. Writes nothing. */
export async function scanTrainingFolder(folder: string, options: ScanOptions = {}): Promise<TrainingScan> {
  const minSide = options.minSide ?? 16;
  const notes: string[] = [];
  const skipped: SkippedFile[] = [];
  const root = await trainingRoot(folder, notes);
  const top = await listDir(root);
  const groups: Group[] = [];
  const looseFolders: string[] = [];
  if (top.some((e) => e.isFile() && isImageFile(e.name))) groups.push({ dir: root, repeats: 1, words: null });
  for (const e of top) {
    if (!e.isDirectory() || e.name === 'conditions') continue;
    const m = REPEAT_FOLDER.exec(e.name);
    if (m) {
      const repeats = Number(m[1]);
      if (repeats < 1) {
        skipped.push({ file: `${e.name}/`, reason: 'repeat count 0: the folder would never be used' });
        continue;
      }
      groups.push({ dir: join(root, e.name), repeats, words: m[2]!.trim() || null });
    } else looseFolders.push(e.name);
  }

  if (groups.length === 0) {
    const found: string[] = [];
    if (top.length === 0) found.push('an empty folder');
    const files = top.filter((e) => e.isFile());
    if (files.length > 0)
      found.push(
        `${files.length} file(s) that are not training images (${files
          .slice(0, 3)
          .map((f) => f.name)
          .join(', ')}${files.length > 3 ? ', …' : ''})`,
      );
    for (const name of looseFolders) {
      const n = await countImagesBelow(join(root, name), 0);
      const deeper = n === 0 ? await countImagesBelow(join(root, name), 2) : 0;
      found.push(
        n > 0
          ? `sub-folder "${name}/" with ${n} image(s) but without the <repeats>_ prefix (rename it to e.g. "10_${name}")`
          : deeper > 0
            ? `sub-folder "${name}/" whose ${deeper} image(s) lie one or more levels deeper (move them into a <repeats>_<words> folder directly under ${root})`
            : `sub-folder "${name}/" with no images`,
      );
    }
    throw layoutError(root, found, EXPECTED_LAYOUT);
  }
  for (const name of looseFolders)
    skipped.push({ file: `${name}/`, reason: 'sub-folder without the <repeats>_ prefix: not read' });

  const images: TrainingImage[] = [];
  const captionSources: Record<CaptionSource, number> = {
    txt: 0,
    caption: 0,
    metadata: 0,
    folder: 0,
    filename: 0,
    none: 0,
  };
  for (const group of groups) {
    const entries = await listDir(group.dir);
    const metadata = await readMetadata(group.dir, root, notes);
    const imageFiles: string[] = [];
    for (const e of entries) {
      const rel = relative(root, join(group.dir, e.name));
      if (e.isDirectory()) {
        if (group.dir !== root && e.name !== 'conditions') {
          const n = await countImagesBelow(join(group.dir, e.name), 1);
          skipped.push({
            file: `${rel}/`,
            reason:
              n > 0
                ? `folder one level too deep (${n} image(s)): move its images into ${relative(root, group.dir) || '.'}/`
                : 'sub-folder: not read',
          });
        }
        continue;
      }
      const ext = extname(e.name).toLowerCase();
      if (isImageFile(e.name)) imageFiles.push(e.name);
      else if (!SIDE_FILES.has(ext))
        skipped.push({
          file: rel,
          reason: `unsupported file type (${ext || 'no extension'}); images must be png, jpg, jpeg, webp or bmp`,
        });
    }
    const decoded = await mapLimited(imageFiles, 4, async (name) => {
      const path = join(group.dir, name);
      try {
        const bytes = await readFile(path);
        const image = await readImage(bytes, { name: relative(root, path) });
        return { name, path, bytes, width: image.width, height: image.height };
      } catch (err) {
        return { name, path, error: err instanceof ImageError ? err.message : String(err) };
      }
    });
    for (const d of decoded) {
      const rel = relative(root, d.path);
      if ('error' in d) {
        skipped.push({ file: rel, reason: d.error!.replace(`${rel}: `, '') });
        continue;
      }
      if (Math.min(d.width, d.height) < minSide) {
        skipped.push({
          file: rel,
          reason: `too small (${d.width}x${d.height}; the shorter side must be at least ${minSide} px)`,
        });
        continue;
      }
      const stem = basename(d.name, extname(d.name));
      const row = metadata.get(d.name);
      let caption = '';
      let source: CaptionSource = 'none';
      for (const [ext, kind] of [
        ['.txt', 'txt'],
        ['.caption', 'caption'],
      ] as const) {
        const sidecar = join(group.dir, `${stem}${ext}`);
        if (!existsSync(sidecar)) continue;
        const text = firstLine(await readFile(sidecar, 'utf8'));
        if (text === '') {
          notes.push(`${relative(root, sidecar)}: empty caption file; using the next caption source`);
          continue;
        }
        caption = text;
        source = kind;
        break;
      }
      if (source === 'none' && row?.text?.trim()) {
        caption = row.text.trim();
        source = 'metadata';
      }
      if (source === 'none' && group.words) {
        caption = group.words;
        source = 'folder';
      }
      if (source === 'none') {
        caption = captionFromName(stem);
        source = caption ? 'filename' : 'none';
      }
      const conditions: Record<string, string> = {};
      if (options.condition) {
        const found = await findCondition(d.path, group.dir, root, options.condition, row);
        if (found) conditions[options.condition] = found;
        else if (!options.canExtractCondition) {
          skipped.push({
            file: rel,
            reason: `no paired ${options.condition} map in conditions/${options.condition}/ and ${options.condition === 'depth' ? 'no depth model to extract one (--depth-model <folder>)' : `no ${options.condition} annotator to extract one`}`,
          });
          continue;
        }
      }
      captionSources[source]++;
      images.push({
        path: d.path,
        file: rel,
        width: d.width,
        height: d.height,
        contentHash: createHash('sha256').update(d.bytes!).digest('hex'),
        caption,
        captionSource: source,
        repeats: group.repeats,
        conditions,
      });
    }
  }

  if (images.length === 0 && options.condition && skipped.some((s) => s.reason.startsWith('no paired '))) {
    throw new TrainingDataError(
      `No usable training images in ${root}: none has a paired ${options.condition} map. ${missingConditionAdvice(options.condition)}.`,
    );
  }
  if (images.length === 0) {
    const reasons = skipped.slice(0, 5).map((s) => `${s.file}: ${s.reason}`);
    throw new TrainingDataError(
      `No usable training images in ${root}: ${skipped.length} file(s) skipped.\n${reasons.join('\n')}${
        skipped.length > 5 ? `\n… and ${skipped.length - 5} more` : ''
      }`,
    );
  }
  const layout =
    groups.some((g) => g.dir === root) && groups.length > 1
      ? 'flat+repeat-folders'
      : groups[0]!.dir === root
        ? 'flat'
        : 'repeat-folders';
  const scan: TrainingScan = {
    folder,
    root,
    layout,
    images,
    skipped,
    notes,
    captionSources,
    folderWords: wordsOfUsedFolders(groups, images),
    samplesPerEpoch: images.reduce((n, i) => n + i.repeats, 0),
    summary: [],
  };
  scan.summary = summarize(scan, options);
  return scan;
}

function wordsOfUsedFolders(groups: readonly Group[], images: readonly TrainingImage[]): string[] {
  const used = new Set(images.map((i) => dirname(i.path)));
  const words = groups.flatMap((g) => (g.words && used.has(g.dir) ? [g.words.replace(/\s+/g, ' ')] : []));
  return [...new Set(words)];
}

function summarize(scan: TrainingScan, options: ScanOptions): string[] {
  const { images } = scan;
  const widths = images.map((i) => i.width);
  const heights = images.map((i) => i.height);
  const sizes = new Map<string, number>();
  for (const i of images) sizes.set(`${i.width}x${i.height}`, (sizes.get(`${i.width}x${i.height}`) ?? 0) + 1);
  const common = [...sizes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
  const aspects = images.map((i) => i.width / i.height);
  const captioned = images.length - scan.captionSources.none;
  const sourceText = (Object.entries(scan.captionSources) as [CaptionSource, number][])
    .filter(([k, n]) => n > 0 && k !== 'none')
    .map(
      ([k, n]) =>
        `${n} from ${k === 'txt' ? '.txt files' : k === 'caption' ? '.caption files' : k === 'metadata' ? 'metadata.jsonl' : k === 'folder' ? 'folder names' : 'file names'}`,
    )
    .join(', ');
  const lines = [
    `${images.length} usable image(s), ${scan.skipped.length} skipped; ${scan.samplesPerEpoch} sample(s) per epoch (${scan.layout === 'flat' ? 'flat folder, 1 repeat' : 'with folder repeats'})`,
    `resolution: ${Math.min(...widths)}–${Math.max(...widths)} wide, ${Math.min(...heights)}–${Math.max(...heights)} high; most common ${common.map(([s, n]) => `${s} (${n})`).join(', ')}; aspect ${Math.min(...aspects).toFixed(2)}–${Math.max(...aspects).toFixed(2)}`,
    `captions: ${captioned}/${images.length} (${Math.round((100 * captioned) / images.length)}%)${sourceText ? `: ${sourceText}` : ''}`,
  ];
  if (options.condition) {
    const paired = images.filter((i) => i.conditions[options.condition!]).length;
    lines.push(
      `${options.condition} maps: ${paired} paired${paired < images.length ? `, ${images.length - paired} to extract with the annotator` : ''}`,
    );
  }
  if (scan.folderWords.length > 0)
    lines.push(`trigger words (from the folder names): ${scan.folderWords.join(', ')}`);
  return lines;
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
