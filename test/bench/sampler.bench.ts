// `npm run bench -- sampler [--runs N]`: what the sampling loop itself costs around the network
// (a stand-in denoiser that does one multiply), with and without the guidance stack, at the
// embedded model's latent size; and safetensors read speed. The U-Net's own time is in `unet`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../../main/engine/backend.ts';
import { type Denoiser, denoiserFromPredictor } from '../../main/engine/diffusion/denoiser.ts';
import { guidedPredictor } from '../../main/engine/diffusion/guidance.ts';
import { seededNoise } from '../../main/engine/diffusion/noise.ts';
import { SAMPLER_NAMES, sample, startSample } from '../../main/engine/diffusion/samplers.ts';
import { makeSchedule, SD15_SCHEDULE } from '../../main/engine/diffusion/schedule.ts';
import { samplerSigmas } from '../../main/engine/diffusion/sigmas.ts';
import { openSafetensors, writeSafetensors } from '../../main/engine/io/safetensors.ts';
import { median, table, timeRuns } from './stats.ts';

export default async function (args: string[]): Promise<void> {
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
  console.log(describeBackend(await initBackend()));
  const schedule = makeSchedule(SD15_SCHEDULE);
  const steps = 20;
  const sigmas = samplerSigmas(schedule, steps, { karras: true });
  const shape = [1, 64, 64, 4];

  const plain: Denoiser = (x) => tf.mul(x, 0.5);
  const cond = tf.zeros([1, 16, 64]);
  const uncond = tf.zeros([1, 16, 64]);
  const guided = denoiserFromPredictor(
    guidedPredictor((xIn) => tf.mul(xIn, 0.5), { cond, uncond, scale: 7.5, rescale: 0.7 }),
    schedule,
  );

  const rows: Record<string, string | number>[] = [];
  for (const name of SAMPLER_NAMES)
    for (const [label, denoise] of [
      ['bare', plain],
      ['cfg+rescale', guided],
    ] as const) {
      const before = tf.memory().numTensors;
      const times = await timeRuns(async () => {
        const noise = seededNoise(1);
        const xT = startSample(noise, shape, sigmas);
        const out = await sample(name, denoise, xT, sigmas, { rng: noise });
        await out.data();
        tf.dispose([xT, out]);
      }, runs);
      rows.push({
        sampler: name,
        denoiser: label,
        'ms / 20 steps (median)': median(times),
        'ms / step': median(times) / steps,
        'tensor growth': tf.memory().numTensors - before,
      });
    }
  tf.dispose([cond, uncond]);
  console.log(`\nSampling loop around a stand-in network, latent ${shape.join('x')}, ${runs} runs:`);
  console.log(table(rows));

  const dir = mkdtempSync(join(tmpdir(), 'scedit-bench-'));
  try {
    const path = join(dir, 'weights.safetensors');
    const tensors = Array.from({ length: 64 }, (_, i) => ({
      name: `block.${i}.weight`,
      dtype: i % 2 ? ('F16' as const) : ('F32' as const),
      shape: [256, 1024],
      data: seededNoise(i).normal(256 * 1024),
    }));
    const megabytes = tensors.reduce((a, t) => a + t.data.length * (t.dtype === 'F16' ? 2 : 4), 0) / 2 ** 20;
    const writeTimes = await timeRuns(() => writeSafetensors(path, tensors, { bench: 'yes' }), 3);
    const readTimes = await timeRuns(async () => {
      const file = await openSafetensors(path);
      for (const name of file.keys()) await file.read(name);
      await file.close();
    }, 3);
    console.log(`\nsafetensors, ${megabytes.toFixed(0)} MB on disk (half F32, half F16 widened on read):`);
    console.log(
      table([
        {
          operation: 'write (atomic)',
          'ms (median)': median(writeTimes),
          'MB/s': megabytes / (median(writeTimes) / 1000),
        },
        {
          operation: 'open + read all',
          'ms (median)': median(readTimes),
          'MB/s': megabytes / (median(readTimes) / 1000),
        },
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
