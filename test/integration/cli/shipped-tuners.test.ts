// The real `scedit` in a child process on a fresh data folder: the shipped tuners are in the
// library the first time it is listed, a deleted one is not listed again, and a broken manifest
// is reported on stderr while the command still works.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TunerRecord } from '../../../main/library/tuner-repository.ts';
import { type ShippedFixture, writeShippedTuners } from '../../unit/library/shipped-tuners-fixture.ts';
import { tempDir } from '../../unit/library/tuner-fixture.ts';

let t: ReturnType<typeof tempDir>;
let shipped: ShippedFixture;

function scedit(args: string[], tunersDir: string) {
  return spawnSync(process.execPath, ['bin/scedit.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, SCEDIT_TUNERS_DIR: tunersDir },
    timeout: 120_000,
  });
}

beforeAll(async () => {
  t = tempDir('scedit-shipped-cli-');
  shipped = await writeShippedTuners(join(t.dir, 'tuners'));
});
afterAll(() => t.cleanup());

describe('scedit tuners list with shipped tuners', () => {
  it('lists the shipped tuners of a fresh data folder, once, and a deleted one stays deleted', () => {
    const dataDir = join(t.dir, 'fresh');
    const first = scedit(['tuners', 'list', '--data-dir', dataDir, '--json'], shipped.dir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    const page = JSON.parse(first.stdout) as { items: TunerRecord[]; total: number };
    expect(page.total).toBe(2);
    expect(page.items.map((x) => [x.name, x.kind, x.condition, x.tags, x.notes])).toEqual(
      expect.arrayContaining([
        ['Ink style', 'sc', null, ['shipped', 'style'], 'Black ink on paper.'],
        [
          'Canny edges (embedded model)',
          'csc',
          'canny',
          ['canny', 'condition', 'shipped'],
          'Follows the edges of a canny map.',
        ],
      ]),
    );

    const deleted = scedit(['tuners', 'delete', 'Ink style', '--data-dir', dataDir], shipped.dir);
    expect(deleted.status, deleted.stderr).toBe(0);
    const after = scedit(['tuners', 'list', '--data-dir', dataDir], shipped.dir);
    expect(after.status, after.stderr).toBe(0);
    expect(after.stdout).toMatch(
      /csc canny\s+[0-9a-f]{10} {2}Canny edges \(embedded model\) {2}\[canny, condition, shipped\]/,
    );
    expect(after.stdout).not.toContain('Ink style');
    expect(after.stdout).toMatch(/1-1 of 1 tuner\(s\)/);
  });

  it('reports a broken manifest on stderr, naming it, and still lists the library', () => {
    const dir = join(t.dir, 'broken');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ format: 'scedit-studio.shipped-tuners/2', tuners: [] }),
    );
    const run = scedit(['tuners', 'list', '--data-dir', join(t.dir, 'other')], dir);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `scedit tuners: shipped tuners not registered: ${join(dir, 'manifest.json')}: not a shipped-tuners manifest`,
    );
    expect(run.stdout).toMatch(/0 of 0 tuner\(s\)/);
  });
});
