import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../main/cli/command.ts';
import { datasetCommand } from '../../../main/cli/commands/dataset.ts';

const root = mkdtempSync(join(tmpdir(), 'scedit-dataset-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function scedit(args: string[]) {
  return spawnSync(process.execPath, ['bin/scedit.mjs', 'dataset', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('scedit dataset', () => {
  it('builds a small figures dataset and records the command', () => {
    const out = join(root, 'figures');
    const run = scedit([
      'build',
      'figures',
      '--out',
      out,
      '--count',
      '4',
      '--seed',
      '3',
      '--size',
      '32',
      '--heldout',
      '0.5',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/figures: \d+ train \+ \d+ held out/);
    expect(run.stderr).toMatch(/figures: 4\/4 \(100%\)/);
    const manifest = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8'));
    expect(manifest.command).toBe(
      `scedit dataset build figures --out ${out} --count 4 --seed 3 --size 32 --heldout 0.5`,
    );
    expect(manifest.counts.train + manifest.counts.heldout).toBe(4);
  });

  it('builds emoji from the Twemoji package with --vendor twitter', async () => {
    const out = join(root, 'twemoji');
    const args = [
      'build',
      'emoji',
      '--out',
      out,
      '--count',
      '3',
      '--seed',
      '1',
      '--vendor',
      'twitter',
      '--heldout',
      '0',
    ];
    expect(await datasetCommand.run(args)).toBe(0);
    const rows = readFileSync(join(out, 'train', 'metadata.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(rows.length).toBe(3);
    expect(JSON.parse(rows[0]!).vendor).toBe('twitter');
    expect(existsSync(join(out, 'heldout'))).toBe(false);
    // A folder that is not empty is a usage mistake (exit code 2), not a crash.
    await expect(datasetCommand.run(args)).rejects.toThrow(/is not empty .* --force/);
    await expect(datasetCommand.run(args)).rejects.toThrow(UsageError);
    expect(await datasetCommand.run([...args, '--force'])).toBe(0);
  });

  it.each([
    [['build'], /missing the source/],
    [['make', 'figures'], /unknown action "make"/],
    [['build', 'cats', '--out', 'x'], /unknown source "cats"/],
    [['build', 'figures', '--count', '3', '--seed', '1'], /--out <dir> is required/],
    [['build', 'figures', '--out', 'x', '--seed', '1'], /--count is required/],
    [['build', 'figures', '--out', 'x', '--count', '3'], /--seed is required/],
    [
      ['build', 'figures', '--out', 'x', '--count', '0', '--seed', '1'],
      /--count must be a whole number from 1/,
    ],
    [['build', 'figures', '--out', 'x', '--count', '2.5', '--seed', '1'], /--count must be a whole number/],
    [['build', 'figures', '--out', 'x', '--count', '3', '--seed=-1'], /--seed must be a whole number from 0/],
    [
      ['build', 'figures', '--out', 'x', '--count', '3', '--seed', '1', '--size', '8'],
      /--size must be a whole number from 16/,
    ],
    [
      ['build', 'figures', '--out', 'x', '--count', '3', '--seed', '1', '--heldout', '1'],
      /--heldout must be a fraction/,
    ],
    [
      ['build', 'figures', '--out', 'x', '--count', '3', '--seed', '1', '--vendor', 'google'],
      /--vendor applies to emoji only/,
    ],
    [
      ['build', 'emoji', '--out', 'x', '--seed', '1', '--vendor', 'apple'],
      /--vendor must be one of google, twitter/,
    ],
  ])('rejects %j with a usage error that says what is wrong', async (args, message) => {
    const run = datasetCommand.run(args);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(message);
  });

  it('exits with code 2 and the usage on a bad option', () => {
    const bad = scedit(['build', 'figures', '--out', 'x', '--count', '3', '--seed', '1', '--colour', 'red']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--colour'/);
    expect(bad.stderr).toMatch(/usage: scedit dataset build figures/);
  });
});
