import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../main/cli/index.ts';
import { initBackend } from '../../../main/engine/backend.ts';
import { saveModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { perturbParams } from '../../unit/engine/models/perturb.ts';
import { tinyModel } from '../../unit/engine/pipeline/tiny-model.ts';
import { patternFolder, tempDir } from '../../unit/engine/train/folders.ts';

let root = '';
let modelDir = '';

beforeAll(async () => {
  await initBackend();
  root = await tempDir('scedit-train-cli-');
  modelDir = join(root, 'model');
  const model = tinyModel(3);
  perturbParams(model.unet.params, 3, 0.2);
  await saveModel(modelDir, model);
  model.dispose();
});

/** The CLI in this process (cheap: no child start-up), with what it writes to stderr. */
async function inProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  });
  try {
    return { code: await main(['train', ...args]), stderr: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

function scedit(args: string[]) {
  return spawnSync(process.execPath, ['bin/scedit.mjs', 'train', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('scedit train', () => {
  it('rejects bad options with the usage and exit code 2', async () => {
    const noKind = await inProcess(['--data', root, '--name', 'x']);
    expect(noKind.code).toBe(2);
    expect(noKind.stderr).toMatch(/--kind must be sc or csc\nusage: scedit train --kind sc\|csc/);
    expect((await inProcess(['--kind', 'csc', '--data', root, '--name', 'x'])).stderr).toMatch(
      /--kind csc needs --condition/,
    );
    expect(
      (await inProcess(['--kind', 'sc', '--data', root, '--name', 'x', '--batch', 'two'])).stderr,
    ).toMatch(/--batch must be a whole number/);
    expect(
      (await inProcess(['--kind', 'sc', '--data', root, '--name', 'x', '--steps', '2', '--epochs', '1']))
        .code,
    ).toBe(2);
  });

  it('refuses a folder without usable images, explains the layout, and creates nothing', async () => {
    const data = join(root, 'wrong');
    await patternFolder(join(data, 'cats'), 1);
    const out = join(root, 'wrong-out');
    const run = await inProcess([
      '--kind',
      'sc',
      '--data',
      data,
      '--name',
      'x',
      '--out',
      out,
      '--model',
      modelDir,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/No usable training images/);
    expect(run.stderr).toMatch(/rename it to e\.g\. "10_cats"/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(data, '.scedit-cache'))).toBe(false);
  });

  it('trains, shows the scan report and progress with loss and ETA, and prints the tuner path', async () => {
    const data = join(root, 'good');
    await patternFolder(data, 3);
    writeFileSync(join(data, 'broken.jpg'), 'nope');
    const prompts = join(root, 'prompts.txt');
    writeFileSync(prompts, '# preview\na red apple --s 2 --d 3\n');
    const out = join(root, 'good-out');
    const run = scedit([
      '--kind',
      'sc',
      '--data',
      data,
      '--name',
      'Good One',
      '--out',
      out,
      '--model',
      modelDir,
      '--steps',
      '3',
      '--batch',
      '2',
      '--sample-every',
      '3',
      '--sample-prompts',
      prompts,
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/3 usable image\(s\), 1 skipped/);
    expect(run.stderr).toMatch(/skipped broken\.jpg: not a PNG, JPEG, WebP or BMP image/);
    expect(run.stderr).toMatch(/\[#+\] 3\/3 loss \d+\.\d{4} \(avg \d+\.\d{4}\) [\d.]+ it\/s ETA 0m00s/);
    expect(run.stderr).toMatch(/cache: latents 0 reused\/3 computed/);
    expect(existsSync(join(out, 'previews', 'step-000003-0.png'))).toBe(true);
    expect(run.stdout.trim()).toBe(join(out, 'Good-One.safetensors'));
    expect(existsSync(join(out, 'Good-One.safetensors'))).toBe(true);
  });
});
