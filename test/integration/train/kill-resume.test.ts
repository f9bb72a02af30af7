// `scedit train` in child processes: one run straight through; one SIGKILLed mid-run after a
// checkpoint and resumed with --resume. The resumed run's loss curve must equal the uninterrupted
// one (same seed), and its tuner the same weights. For an SC-Tuner and for the LoRA baseline.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../main/engine/backend.ts';
import { openSafetensors } from '../../../main/engine/io/safetensors.ts';
import { saveModel } from '../../../main/engine/pipeline/latent-diffusion-model.ts';
import { perturbParams } from '../../unit/engine/models/perturb.ts';
import { tinyModel } from '../../unit/engine/pipeline/tiny-model.ts';
import { patternFolder, tempDir } from '../../unit/engine/train/folders.ts';

let root = '';
let modelDir = '';
let dataDir = '';

beforeAll(async () => {
  await initBackend();
  root = await tempDir('scedit-kill-');
  modelDir = join(root, 'model');
  dataDir = join(root, 'data');
  const model = tinyModel(3);
  perturbParams(model.unet.params, 3, 0.2);
  await saveModel(modelDir, model);
  model.dispose();
  await patternFolder(dataDir, 4);
});

const STEPS = 8;

function trainArgs(kind: string, out: string, extra: string[] = []): string[] {
  return [
    'bin/scedit.mjs',
    'train',
    '--kind',
    kind,
    '--no-library',
    '--data',
    dataDir,
    '--name',
    'kill test',
    '--model',
    modelDir,
    '--out',
    out,
    '--steps',
    String(STEPS),
    '--batch',
    '2',
    '--lr',
    '1e-2',
    '--checkpoint-every',
    '3',
    '--seed',
    '7',
    '--json',
    ...extra,
  ];
}

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(args: string[], onLine?: (event: Record<string, unknown>, child: ChildProcess) => void): Run {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      onLine?.(JSON.parse(line) as Record<string, unknown>, child);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** The loss curve a tuner or baseline file carries in its training metadata. */
async function lossHistory(tunerPath: string): Promise<{ step: number; loss: number }[]> {
  const file = await openSafetensors(tunerPath);
  const training = JSON.parse(file.metadata.training!) as { lossHistory: { step: number; loss: number }[] };
  await file.close();
  return training.lossHistory;
}

async function weights(path: string): Promise<Map<string, Float32Array>> {
  const file = await openSafetensors(path);
  const out = new Map<string, Float32Array>();
  for (const k of file.keys()) out.set(k, await file.read(k));
  await file.close();
  return out;
}

describe.each(['sc', 'lora'])('scedit train --kind %s, killed and resumed', (kind) => {
  it('gives the loss curve and weights of an uninterrupted run with the same seed', {
    timeout: 240_000,
  }, async () => {
    // Both runs at once (two cores); the killed one is resumed after.
    let checkpointed = 0;
    const killedOut = join(root, kind, 'killed');
    const straightRun = start(trainArgs(kind, join(root, kind, 'straight')));
    const killedRun = start(trainArgs(kind, killedOut), (event, child) => {
      if (event.type === 'checkpoint') checkpointed = event.step as number;
      if (event.type === 'step' && checkpointed >= 6 && (event.progress as { step: number }).step >= 7)
        child.kill('SIGKILL');
    });
    const [straight, killed] = await Promise.all([straightRun.done, killedRun.done]);
    expect(straight.code, straight.stderr).toBe(0);
    const straightTuner = straight.stdout.trim().split('\n').at(-1)!;
    expect(existsSync(straightTuner)).toBe(true);
    const expected = await lossHistory(straightTuner);
    expect(expected.map((h) => h.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));

    // Killed after the step-6 checkpoint, once step 7 was done: step 7 must be redone on resume.
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(killedOut, 'checkpoint.safetensors'))).toBe(true);
    expect(existsSync(join(killedOut, 'kill-test.safetensors'))).toBe(false);

    const resumed = await start(trainArgs(kind, killedOut, ['--resume'])).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    const firstStep = resumed.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"type":"step"'))
      .map((l) => JSON.parse(l).progress.step as number)[0];
    expect(firstStep).toBe(7);
    const resumedTuner = resumed.stdout.trim().split('\n').at(-1)!;
    const got = await lossHistory(resumedTuner);
    expect(got.map((h) => h.step)).toEqual(expected.map((h) => h.step));
    for (const [i, h] of got.entries()) expect(h.loss).toBeCloseTo(expected[i]!.loss, 5);

    const a = await weights(straightTuner);
    const b = await weights(resumedTuner);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, va] of a) {
      const vb = b.get(k)!;
      let max = 0;
      for (let i = 0; i < va.length; i++) max = Math.max(max, Math.abs(va[i]! - vb[i]!));
      expect(max, k).toBeLessThan(1e-5);
    }
  });
});
