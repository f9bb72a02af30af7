// `npm run bench -- library [--tuners 10000] [--generations 100000] [--runs 50] [--keep <dir>]`
// A library with 10,000 tuners and 100,000 generations in a real database file: page listing and
// full-text search must each take < 20 ms (median).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Recipe } from '../../main/engine/io/recipe.ts';
import { Library } from '../../main/library/library.ts';
import { median, table, timeRuns } from './stats.ts';

const WORDS = (
  'ink wash watercolour oil pastel charcoal anime pixel neon noir cyber retro vintage sketch comic ' +
  'portrait landscape city forest ocean desert mountain river night dawn autumn winter spring summer ' +
  'cat dog fox heron dragon robot castle garden temple market harbour bridge train lantern storm ' +
  'canny depth pose scribble edges soft bold muted vivid pale warm cold grainy glossy matte gothic ' +
  'baroque deco nouveau ukiyo sumi gouache tempera fresco mosaic glass paper clay wool felt'
).split(' ');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const hex = (n: number, salt: string) => (salt + n.toString(16)).padStart(64, '0').slice(-64);

/** Rows straight through the repositories, in two big transactions (no files are written). */
function fill(lib: Library, nTuners: number, nGenerations: number): void {
  const rand = rng(42);
  const pick = () => WORDS[Math.floor(rand() * WORDS.length)]!;
  const phrase = (n: number) => Array.from({ length: n }, pick).join(' ');
  const baseModelId = lib.baseModels.ensure({ modelId: 'sd15', hash: 'b'.repeat(64), name: 'SD 1.5' });
  const insertFile = lib.db.prepare('INSERT INTO files (hash, size, media_type) VALUES (?, ?, ?)');
  const tunerHashes: string[] = [];
  lib.db.transaction(() => {
    for (let i = 0; i < nTuners; i++) {
      const hash = hex(i, 'a1');
      insertFile.run(hash, 80_000_000, 'safetensors');
      tunerHashes.push(hash);
      const kind = rand() < 0.5 ? 'sc' : 'csc';
      lib.tuners.insert({
        name: `${phrase(2)} ${i}`,
        fileHash: hash,
        baseModelId,
        config: {
          kind,
          condition: kind === 'csc' ? ['canny', 'depth', 'pose', 'scribble'][i % 4]! : null,
          parameterCount: 19_000_000 + i,
          baseModelId: 'sd15',
          baseModelHash: 'b'.repeat(64),
          tuner: { downRatio: 1 },
          training: { steps: 1000 },
          metadata: {},
        },
        notes: phrase(8),
        tags: [pick(), pick()],
        createdAt: 1_700_000_000_000 + i * 1000,
      });
    }
  })();
  lib.db.transaction(() => {
    for (let i = 0; i < nGenerations; i++) {
      const image = hex(i, 'c2');
      insertFile.run(image, 400_000, 'png');
      const recipe: Recipe = {
        prompt: phrase(10),
        negativePrompt: phrase(3),
        seed: i,
        sampler: 'Euler a',
        steps: 20,
        guidance: 7,
        width: 512,
        height: 512,
        baseModel: { name: 'SD 1.5', hash: 'b'.repeat(64) },
        tuners: [
          {
            name: 'style',
            hash: tunerHashes[Math.floor(rand() * tunerHashes.length)]!,
            kind: 'sc',
            weight: 0.8,
          },
        ],
        conditions: [],
        controlScale: 1,
      };
      lib.generations.insert({ imageHash: image, recipe, durationMs: 4000, backend: 'wasm' });
    }
  })();
  lib.db.pragma('optimize');
}

export default async function (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      tuners: { type: 'string', default: '10000' },
      generations: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '50' },
      // Reuse (or leave behind) a filled data folder, to compare query changes quickly.
      keep: { type: 'string' },
    },
  });
  const nTuners = Number(values.tuners);
  const nGenerations = Number(values.generations);
  const runs = Number(values.runs);
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'scedit-library-bench-'));
  const reuse = values.keep !== undefined && existsSync(join(dir, 'library.db'));
  const lib = Library.open({ dataDir: dir, checkIntegrity: false });
  try {
    const t0 = performance.now();
    if (!reuse) fill(lib, nTuners, nGenerations);
    const filled = (performance.now() - t0) / 1000;
    const tunerHashes = lib.db.prepare('SELECT file_hash FROM tuners ORDER BY id').pluck().all() as string[];
    const someTuner = tunerHashes[1234 % tunerHashes.length]!;
    const deep = lib.generations.list({ limit: 50, offset: 999 * 50 }).items[0]!.id + 1;
    const cases: [string, () => { total: number }][] = [
      ['tuners: page 1 (newest, 50)', () => lib.tuners.list({ limit: 50 })],
      ['tuners: page 100 by name', () => lib.tuners.list({ sort: 'name', limit: 50, offset: 99 * 50 })],
      ['tuners: filter csc + canny', () => lib.tuners.list({ kind: 'csc', condition: 'canny', limit: 50 })],
      ['tuners: filter by tag', () => lib.tuners.list({ tag: 'neon', limit: 50 })],
      ['tuners: FTS one word (prefix)', () => lib.tuners.list({ search: 'water', limit: 50 })],
      ['tuners: FTS two words', () => lib.tuners.list({ search: 'ink fox', limit: 50 })],
      ['tuners: FTS + sort by name', () => lib.tuners.list({ search: 'neon', sort: 'name', limit: 50 })],
      ['history: page 1 (newest, 50)', () => lib.generations.list({ limit: 50 })],
      ['history: page 1000 (cursor)', () => lib.generations.list({ limit: 50, before: deep })],
      ['history: page 1000 (offset)', () => lib.generations.list({ limit: 50, offset: 999 * 50 })],
      ['history: FTS prompt word', () => lib.generations.list({ search: 'heron', limit: 50 })],
      ['history: FTS two words', () => lib.generations.list({ search: 'heron castle', limit: 50 })],
      ['history: by tuner', () => lib.generations.list({ tunerHash: someTuner, limit: 50 })],
    ];
    const rows: Record<string, string | number>[] = [];
    for (const [name, fn] of cases) {
      let total = 0;
      // CPU time beside wall time: on a shared, oversubscribed machine the wall clock mostly
      // measures waiting for a core; the queries are single-threaded, so CPU time is their cost.
      const cpu: number[] = [];
      const times = await timeRuns(
        () => {
          const c = process.cpuUsage();
          total = fn().total;
          const d = process.cpuUsage(c);
          cpu.push((d.user + d.system) / 1000);
        },
        runs,
        3,
      );
      const m = median(times);
      rows.push({
        query: name,
        matches: total,
        'median ms': m,
        'max ms': Math.max(...times),
        'median CPU ms': median(cpu.slice(3)),
        '< 20 ms': m < 20 ? 'yes' : 'NO',
      });
    }
    const counts = lib.db
      .prepare(
        'SELECT (SELECT count(*) FROM tuners) AS tuners, (SELECT count(*) FROM generations) AS generations',
      )
      .get() as { tuners: number; generations: number };
    console.log(
      `library: ${counts.tuners} tuners, ${counts.generations} generations in ${join(dir, 'library.db')} ` +
        `(${reuse ? 'reused' : `filled in ${filled.toFixed(1)} s`}); ${runs} runs each`,
    );
    console.log(table(rows));
  } finally {
    lib.close();
    if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
