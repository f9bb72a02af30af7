import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../main/cli/index.ts';
import { initBackend } from '../../../main/engine/backend.ts';
import { loadModel, saveModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { inspectBaseline } from '../../../main/engine/tuners/baseline-file.ts';
import { inspectTuner } from '../../../main/engine/tuners/tuner-file.ts';
import { Library } from '../../../main/library/library.ts';
import { perturbParams } from '../../unit/engine/models/perturb.ts';
import { tinyModel } from '../../unit/engine/pipeline/tiny-model.ts';
import { patternFolder, tempDir } from '../../unit/engine/train/folders.ts';

let root = '';
let modelDir = '';
let modelHash = '';

beforeAll(async () => {
  await initBackend();
  root = await tempDir('scedit-train-cli-');
  modelDir = join(root, 'model');
  const model = tinyModel(3);
  perturbParams(model.unet.params, 3, 0.2);
  await saveModel(modelDir, model);
  const loaded = await loadModel(modelDir);
  modelHash = loaded.hash;
  loaded.dispose();
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

/** The CLI in this process with everything it writes to stderr and stdout. */
async function withOutput(args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(`${a.map(String).join(' ')}\n`);
  });
  try {
    return { code: await main(args), text: lines.join('') };
  } finally {
    write.mockRestore();
    log.mockRestore();
  }
}

function scedit(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/scedit.mjs', 'train', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}

describe('scedit train', () => {
  it('rejects bad options with the usage and exit code 2', async () => {
    const noKind = await inProcess(['--data', root, '--name', 'x']);
    expect(noKind.code).toBe(2);
    expect(noKind.stderr).toMatch(
      /--kind must be sc, csc, lora or controlnet\nusage: scedit train --kind sc\|csc\|lora\|controlnet/,
    );
    expect((await inProcess(['--kind', 'controlnet', '--data', root, '--name', 'x'])).stderr).toMatch(
      /--kind controlnet needs --condition/,
    );
    expect((await inProcess(['--kind', 'sc', '--data', root, '--name', 'x', '--rank', '8'])).stderr).toMatch(
      /--rank applies to --kind lora only/,
    );
    expect(
      (
        await inProcess([
          '--kind',
          'csc',
          '--condition',
          'canny',
          '--data',
          root,
          '--name',
          'x',
          '--depth-model',
          root,
        ])
      ).stderr,
    ).toMatch(/--depth-model applies to --condition depth only/);
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

  it('trains, shows the scan report and progress with loss and ETA, prints the tuner path and adds it to the library', async () => {
    const data = join(root, 'good');
    await patternFolder(data, 3);
    writeFileSync(join(data, 'broken.jpg'), 'nope');
    const prompts = join(root, 'prompts.txt');
    writeFileSync(prompts, '# preview\na red apple --s 2 --d 3\n');
    const out = join(root, 'good-out');
    const dataDir = join(root, 'library');
    const run = scedit(
      [
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
      ],
      { SCEDIT_DATA_DIR: dataDir },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/3 usable image\(s\), 1 skipped/);
    expect(run.stderr).toMatch(/skipped broken\.jpg: not a PNG, JPEG, WebP or BMP image/);
    expect(run.stderr).toMatch(/\[#+\] 3\/3 loss \d+\.\d{4} \(avg \d+\.\d{4}\) [\d.]+ it\/s ETA 0m00s/);
    expect(run.stderr).toMatch(/cache: latents 0 reused\/3 computed/);
    expect(existsSync(join(out, 'previews', 'step-000003-0.png'))).toBe(true);
    expect(run.stdout.trim()).toBe(join(out, 'Good-One.safetensors'));
    expect(existsSync(join(out, 'Good-One.safetensors'))).toBe(true);

    // In the library (the SQLite file under $SCEDIT_DATA_DIR) with its lineage.
    expect(run.stderr).toContain(`library: tuner 1 "Good One" in ${dataDir}`);
    const library = Library.open({ dataDir, checkIntegrity: false });
    try {
      const tuner = library.tuners.require(1);
      expect(tuner).toMatchObject({ name: 'Good One', kind: 'sc', condition: null });
      expect(tuner.trainingRunId).not.toBeNull();
      const run = library.trainingRuns.get(tuner.trainingRunId!)!;
      expect(run).toMatchObject({ status: 'completed', kind: 'sc', step: 3, totalSteps: 3 });
      expect(run.dataset).toMatchObject({ folder: data, imageCount: 3 });
      expect(run.config).toMatchObject({ source: 'cli', batchSize: 2, steps: 3, dataFolder: data });
      expect(library.trainingRuns.losses(run.id).map((l) => l.step)).toEqual([1, 2, 3]);
      expect(library.baseModels.list().map((m) => m.hash)).toContain(modelHash);
      // The run's last sample is its card's preview: the same picture as the file in previews/.
      expect(tuner.previews).toHaveLength(1);
      const sample = readFileSync(join(out, 'previews', 'step-000003-0.png'));
      expect(createHash('sha256').update(sample).digest('hex')).toBe(tuner.previews[0]);
      expect(library.checkIntegrity().missingFiles).toEqual([]);
    } finally {
      library.close();
    }
  });

  it('trains a LoRA baseline, says it stays out of the library, and refuses depth without maps or a model', async () => {
    const data = join(root, 'lora-data');
    await patternFolder(data, 2);
    const dataDir = join(root, 'lora-library');
    const out = join(root, 'lora-out');
    const { code, text } = await withOutput([
      'train',
      '--kind',
      'lora',
      '--rank',
      '2',
      '--data',
      data,
      '--name',
      'lora one',
      '--out',
      out,
      '--model',
      modelDir,
      '--steps',
      '1',
      '--data-dir',
      dataDir,
    ]);
    expect(code, text).toBe(0);
    expect(text).toContain(
      'library: not added (the library holds SC- and CSC-Tuners; a LoRA file is used from where it is)',
    );
    expect(text).toContain(join(out, 'lora-one.safetensors'));
    expect((await inspectBaseline(join(out, 'lora-one.safetensors'))).config).toMatchObject({ rank: 2 });
    expect(existsSync(dataDir)).toBe(false);

    const depth = await inProcess([
      '--kind',
      'csc',
      '--condition',
      'depth',
      '--data',
      data,
      '--name',
      'x',
      '--out',
      join(root, 'depth-out'),
      '--model',
      modelDir,
      '--no-library',
    ]);
    expect(depth.code).toBe(1);
    expect(depth.stderr).toMatch(
      /depth training needs paired depth maps in conditions\/depth\/ .*--depth-model <folder>/,
    );
  });

  it('trains a condition tuner at the settings measured to make one follow its map, unless told otherwise', async () => {
    const data = join(root, 'canny-data');
    await patternFolder(data, 2);
    const train = async (out: string, extra: string[] = []) => {
      const run = await inProcess([
        '--kind',
        'csc',
        '--condition',
        'canny',
        '--data',
        data,
        '--name',
        'edges',
        '--out',
        join(root, out),
        '--model',
        modelDir,
        '--steps',
        '1',
        '--no-library',
        ...extra,
      ]);
      expect(run.code, run.stderr).toBe(0);
      return (await inspectTuner(join(root, out, 'edges.safetensors'))).training;
    };
    expect(await train('canny-preset')).toMatchObject({ batchSize: 8, lr: 2e-3, captionDropout: 0.5 });
    expect(
      await train('canny-own', ['--batch', '2', '--lr', '1e-4', '--caption-dropout', '0']),
    ).toMatchObject({ batchSize: 2, lr: 1e-4, captionDropout: 0 });
  });

  it('adds the very same tuner file once: a repeated identical run gets the same library id', async () => {
    const data = join(root, 'twice-data');
    await patternFolder(data, 2);
    const dataDir = join(root, 'twice-library');
    const args = (out: string) => [
      'train',
      '--kind',
      'sc',
      '--data',
      data,
      '--name',
      'twice',
      '--out',
      join(root, out),
      '--model',
      modelDir,
      '--steps',
      '1',
      '--data-dir',
      dataDir,
    ];
    const first = await withOutput(args('twice-a'));
    const second = await withOutput(args('twice-b'));
    expect(first.text).toContain('library: tuner 1 "twice"');
    expect(second.text).toContain('library: tuner 1 "twice"');
    const library = Library.open({ dataDir, checkIntegrity: false });
    try {
      expect(library.trainingRuns.list()).toHaveLength(1);
    } finally {
      library.close();
    }
  });
});
