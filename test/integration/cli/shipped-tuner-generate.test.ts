// A newcomer's first run: on a fresh data folder, `scedit generate --control <shipped pose tuner>`
// finds the tuner by its shipped name and generates with it on the embedded model, at the weight the
// manifest gives it when the command names none. The shipped
// tuner here is a small untrained CSC-Tuner made for the embedded model (the real ones are
// trained), in a fixture folder pointed to by SCEDIT_TUNERS_DIR; the real `scedit` runs it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend.ts';
import { encodePng } from '../../../main/engine/io/image.ts';
import { readPngText } from '../../../main/engine/io/png-text.ts';
import { loadDefaultModel } from '../../../main/engine/pipeline/default-model.ts';
import { cscConfigFor } from '../../../main/engine/train/trainable-tuner.ts';
import { CscTuner } from '../../../main/engine/tuners/csc-tuner.ts';
import { saveTuner } from '../../../main/engine/tuners/tuner-file.ts';
import { sha256Of, writeManifest } from '../../unit/library/shipped-tuners-fixture.ts';
import { tempDir } from '../../unit/library/tuner-fixture.ts';

let t: ReturnType<typeof tempDir>;
let tunersDir: string;
let poseHash: string;

beforeAll(async () => {
  t = tempDir('scedit-shipped-generate-');
  tunersDir = join(t.dir, 'tuners');
  mkdirSync(tunersDir);
  await initBackend();
  const model = await loadDefaultModel();
  const tuner = new CscTuner(cscConfigFor(model, 'pose', 1), { seed: 5 });
  try {
    await saveTuner(join(tunersDir, 'pose.safetensors'), tuner, {
      baseModel: { id: model.id, hash: model.hash },
      training: { steps: 0 },
    });
  } finally {
    tuner.dispose();
    model.dispose();
  }
  poseHash = sha256Of(join(tunersDir, 'pose.safetensors'));
  writeManifest(tunersDir, [
    {
      file: 'pose.safetensors',
      name: 'Pose (embedded model)',
      kind: 'csc',
      condition: 'pose',
      tags: ['condition'],
      notes: 'Draw a pose; get a figure in that pose.',
      weight: 2,
      sha256: poseHash,
    },
  ]);
});
afterAll(() => t.cleanup());

describe('scedit generate with a shipped tuner', () => {
  it('names the shipped pose tuner on a fresh data folder and generates with it at its weight', async () => {
    const map = join(t.dir, 'pose.png');
    const data = new Uint8ClampedArray(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) {
      const [x, y] = [i % 64, Math.floor(i / 64)];
      const limb = Math.abs(x - 32) < 2 || (Math.abs(y - 24) < 2 && Math.abs(x - 32) < 16);
      data.set(limb ? [255, 85, 0, 255] : [0, 0, 0, 255], i * 4);
    }
    writeFileSync(map, await encodePng({ width: 64, height: 64, data }));
    const out = join(t.dir, 'figure.png');
    const run = spawnSync(
      process.execPath,
      [
        'bin/scedit.mjs',
        'generate',
        '--prompt',
        'a blue figure raising both arms',
        '--control',
        `Pose (embedded model)=${map}`,
        '--steps',
        '2',
        '--seed',
        '3',
        '--out',
        out,
        '--data-dir',
        join(t.dir, 'fresh'),
      ],
      { encoding: 'utf8', env: { ...process.env, SCEDIT_TUNERS_DIR: tunersDir }, timeout: 240_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/figure\.png {2}seed 3, 64x64/);
    const parameters = readPngText(readFileSync(out)).find((c) => c.keyword === 'parameters')?.text ?? '';
    expect(parameters).toContain('SCEdit tuners: "Pose (embedded model): 2"');
    expect(parameters).toContain(`"Pose (embedded model): ${poseHash.slice(0, 10)}"`);
  });
});
