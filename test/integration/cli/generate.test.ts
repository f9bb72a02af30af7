import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImage } from '../../../main/engine/io/image.ts';
import { readPngText } from '../../../main/engine/io/png-text.ts';

function scedit(args: string[]) {
  return spawnSync(process.execPath, ['bin/scedit.mjs', ...args], { encoding: 'utf8', timeout: 240_000 });
}

describe('scedit generate', () => {
  it('writes a PNG with its recipe and records it in the history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scedit-cli-generate-'));
    const out = join(dir, 'apple.png');
    const run = scedit([
      'generate',
      '--prompt',
      'red apple',
      '--seed',
      '7',
      '--steps',
      '3',
      '--out',
      out,
      '--data-dir',
      dir,
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/apple\.png {2}seed 7, 64x64/);
    const image = await readImage(out);
    expect([image.width, image.height]).toEqual([64, 64]);
    const chunks = readPngText(readFileSync(out));
    const parameters = chunks.find((c) => c.keyword === 'parameters')?.text ?? '';
    expect(parameters).toMatch(/^red apple\n/);
    expect(parameters).toMatch(/Steps: 3, .*Seed: 7, Size: 64x64/);
    const history = scedit(['history', 'list', '--data-dir', dir]);
    expect(history.stdout).toMatch(/seed 7 +red apple/);
  });

  it('explains what is missing or wrong, with exit code 2', () => {
    const noPrompt = scedit(['generate', '--out', 'x.png']);
    expect(noPrompt.status).toBe(2);
    expect(noPrompt.stderr).toMatch(/--prompt is required/);
    const badSampler = scedit(['generate', '--prompt', 'a', '--out', 'x.png', '--sampler', 'magic']);
    expect(badSampler.status).toBe(2);
    expect(badSampler.stderr).toMatch(/--sampler must be one of/);
  });
});
