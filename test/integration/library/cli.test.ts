import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../main/cli/index.ts';
import { encodePng } from '../../../main/engine/io/image.ts';
import { writePngText } from '../../../main/engine/io/png-text.ts';
import { Library } from '../../../main/library/library.ts';
import { BASE_HASH, tempDir, writeTunerFile } from '../../unit/library/tuner-fixture.ts';

let t: ReturnType<typeof tempDir>;
let dataDir: string;
let styleFile: string;
let cannyFile: string;

/** The real `scedit` binary in a child process (slow to start: used for a few calls). */
function sceditProcess(args: string[]) {
  return spawnSync(process.execPath, ['bin/scedit.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SCEDIT_DATA_DIR: dataDir },
    timeout: 120_000,
  });
}

/** The same entry point in this process, capturing what it prints. */
async function scedit(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    stdout.push(a.join(' '));
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    stderr.push(a.join(' '));
  });
  const saved = process.env.SCEDIT_DATA_DIR;
  process.env.SCEDIT_DATA_DIR = dataDir;
  try {
    const status = await main(args);
    return { status, stdout: stdout.map((l) => `${l}\n`).join(''), stderr: stderr.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    if (saved === undefined) delete process.env.SCEDIT_DATA_DIR;
    else process.env.SCEDIT_DATA_DIR = saved;
  }
}

beforeAll(async () => {
  t = tempDir();
  dataDir = join(t.dir, 'data');
  styleFile = await writeTunerFile(join(t.dir, 'ink-wash.safetensors'), { seed: 3 });
  cannyFile = await writeTunerFile(join(t.dir, 'edges.safetensors'), { kind: 'csc', seed: 4 });
});
afterAll(() => t.cleanup());

describe('scedit tuners', () => {
  it('imports, lists, shows, tags, renames, exports and deletes, with clear exit codes', async () => {
    const imported = sceditProcess(['tuners', 'import', styleFile, cannyFile, '--tag', 'mine']);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/ink-wash\.safetensors: imported as "ink-wash" \(id 1, sc\)/);
    expect(imported.stdout).toMatch(/edges\.safetensors: imported as "edges" \(id 2, csc\)/);
    const again = await scedit(['tuners', 'import', styleFile]);
    expect(again.stdout).toMatch(/already in the library as "ink-wash"/);

    const list = await scedit(['tuners', 'list', '--sort', 'name']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(
      /csc canny .* edges {2}\[mine\]\n.*sc .* ink-wash {2}\[mine\]\n1-2 of 2 tuner\(s\)/,
    );
    const json = JSON.parse((await scedit(['tuners', 'list', '--kind', 'csc', '--json'])).stdout);
    expect(json.total).toBe(1);
    expect(json.items[0].condition).toBe('canny');

    expect((await scedit(['tuners', 'tag', 'ink-wash', 'sumi-e', 'monochrome'])).stdout).toMatch(
      /ink-wash: mine, monochrome, sumi-e/,
    );
    expect((await scedit(['tuners', 'tag', '1', 'mine', '--remove'])).stdout).toMatch(
      /ink-wash: monochrome, sumi-e/,
    );
    expect((await scedit(['tuners', 'rename', '1', 'Ink', 'Wash'])).stdout).toMatch(
      /renamed "ink-wash" to "Ink Wash"/,
    );
    expect((await scedit(['tuners', 'list', '--search', 'sumi'])).stdout).toMatch(/Ink Wash/);
    const show = await scedit(['tuners', 'show', 'Ink Wash']);
    expect(show.stdout).toMatch(/kind: +sc/);
    expect(show.stdout).toMatch(new RegExp(`base model: +tiny-sd ${BASE_HASH.slice(0, 10)}`));
    expect(show.stdout).toMatch(/dataset: +\/data\/cats, 12 images/);

    const set = await scedit([
      'tuners',
      'set',
      'Ink Wash',
      '--notes',
      'soft edges',
      '--rating',
      '4',
      '--weight',
      '0.7',
    ]);
    expect(set.status).toBe(0);
    expect(set.stdout).toMatch(/rating: +4/);
    expect(set.stdout).toMatch(/weight: +0\.7/);
    expect(set.stdout).toMatch(/notes: +soft edges/);
    const cleared = await scedit(['tuners', 'set', '1', '--rating', 'none', '--weight', 'none']);
    expect(cleared.stdout).toMatch(/rating: +-/);
    expect(cleared.stdout).toMatch(/weight: +1 \(no preference\)/);
    expect(cleared.stdout).toMatch(/notes: +soft edges/);
    const triggered = await scedit(['tuners', 'set', '1', '--trigger', 'ink wash', '--trigger', 'sumi-e']);
    expect(triggered.stdout).toMatch(/trigger: +ink wash, sumi-e/);
    expect((await scedit(['tuners', 'set', '1', '--trigger', ''])).stdout).toMatch(/trigger: +-/);
    expect((await scedit(['tuners', 'list', '--search', 'soft'])).stdout).toMatch(/Ink Wash/);

    const exported = join(t.dir, 'out.safetensors');
    expect((await scedit(['tuners', 'export', '1', exported])).status).toBe(0);
    expect(existsSync(exported)).toBe(true);
    const clash = await scedit(['tuners', 'export', '1', exported]);
    expect(clash.status).toBe(1);
    expect(clash.stderr).toMatch(/out\.safetensors: already exists/);

    const del = await scedit(['tuners', 'delete', '2']);
    expect(del.stdout).toMatch(/deleted "edges" \(id 2\); 1 file\(s\) removed/);
    expect(JSON.parse((await scedit(['tuners', 'list', '--json'])).stdout).total).toBe(1);
  });

  it('exit code 1 for a missing tuner or a bad file, 2 for wrong usage', async () => {
    const missing = await scedit(['tuners', 'show', 'nope']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no tuner matches "nope"/);
    const junk = join(t.dir, 'junk.safetensors');
    writeFileSync(junk, 'junk');
    const bad = await scedit(['tuners', 'import', junk]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/junk\.safetensors/);
    const unknown = sceditProcess(['tuners', 'fly']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown action "fly"/);
    const usage = await scedit(['tuners', 'list', '--kind', 'lora']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--kind must be sc or csc/);
    expect((await scedit(['tuners', 'list', '--limit', 'ten'])).status).toBe(2);
    expect((await scedit(['tuners', 'list', '--bogus'])).status).toBe(2);
    const badRating = await scedit(['tuners', 'set', '1', '--rating', '6']);
    expect(badRating.status).toBe(2);
    expect(badRating.stderr).toMatch(/--rating must be 1 to 5 or none, got "6"/);
    expect((await scedit(['tuners', 'set', '1', '--weight', '9'])).stderr).toMatch(
      /--weight must be above 0/,
    );
    expect((await scedit(['tuners', 'set', '1'])).stderr).toMatch(/nothing to set/);
    expect((await scedit(['tuners', 'set', '1', 'loose', 'words'])).stderr).toMatch(/--notes/);
  });

  it('uses --data-dir over $SCEDIT_DATA_DIR', async () => {
    const other = join(t.dir, 'other');
    const r = await scedit(['tuners', 'list', '--data-dir', other]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/0 of 0 tuner\(s\)/);
    expect(existsSync(join(other, 'library.db'))).toBe(true);
  });
});

describe('scedit history', () => {
  it('lists and shows generations, and reads recipes from any PNG', async () => {
    const lib = Library.open({ dataDir });
    const tuner = lib.tuners.find('Ink Wash')!;
    const png = await encodePng({ width: 4, height: 4, data: new Uint8ClampedArray(64).fill(90) });
    const g = await lib.recordGeneration({
      png,
      recipe: {
        prompt: 'a heron in mist',
        seed: 11,
        sampler: 'DDIM',
        steps: 12,
        guidance: 6,
        width: 64,
        height: 64,
        baseModel: { name: 'tiny-sd', hash: BASE_HASH },
        tuners: [{ name: tuner.name, hash: tuner.fileHash, kind: 'sc', weight: 0.9 }],
      },
      durationMs: 2500,
      backend: 'wasm',
    });
    const stored = lib.store.pathOf(g.imageHash);
    lib.close();

    const list = await scedit(['history', 'list', '--tuner', 'Ink Wash']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/64x64 seed 11 {2}a heron in mist\n1-1 of 1 generation\(s\)/);
    expect((await scedit(['history', 'list', '--search', 'crane'])).stdout).toMatch(/0 of 0/);
    const show = await scedit(['history', 'show', String(g.id)]);
    expect(show.stdout).toMatch(/2\.5 s on wasm/);
    expect(show.stdout).toMatch(/Steps: 12, Sampler: DDIM, CFG scale: 6, Seed: 11, Size: 64x64/);
    expect(show.stdout).toMatch(new RegExp(`tuner sc Ink Wash weight 0.9 ${tuner.fileHash}`));

    const fromFile = await scedit(['history', 'show', stored]);
    expect(fromFile.stdout).toMatch(/SCEdit Studio recipe/);
    const foreign = join(t.dir, 'foreign.png');
    writeFileSync(
      foreign,
      writePngText(png, [
        { keyword: 'parameters', text: 'a cat\nSteps: 30, Sampler: Euler, CFG scale: 5, Seed: 1, Size: 4x4' },
      ]),
    );
    expect((await scedit(['history', 'show', foreign])).stdout).toMatch(
      /another tool \("parameters" text\)\n {2}prompt: a cat/,
    );
    const plain = join(t.dir, 'plain.png');
    writeFileSync(plain, png);
    const none = await scedit(['history', 'show', plain]);
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/no recipe in this picture/);
    expect((await scedit(['history', 'show', '99'])).status).toBe(1);
    expect((await scedit(['history', 'show', join(t.dir, 'absent.png')])).status).toBe(1);
    expect((await scedit(['history'])).status).toBe(2);
  });
});
