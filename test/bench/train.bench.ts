// Tuner training throughput (samples/s) for SC- and CSC-Tuners on the tiny test model and the
// embedded config (random weights: the arithmetic is the same), at several batch sizes, and what
// the feature cache saves: preparing a folder cold vs warm, and the throughput training would have
// if every sample's latent and embedding were computed at each step instead of read from the cache.
// `npm run bench -- train [--models tiny,embedded] [--batches 1,4,8] [--steps 4]`
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { backendReport, initBackend } from '../../main/engine/backend.ts';
import { createUntrainedEmbeddedModel } from '../../main/engine/pipeline/default-model.ts';
import type { LatentDiffusionModel } from '../../main/engine/pipeline/latent-diffusion-model.ts';
import { scanTrainingFolder } from '../../main/engine/train/dataset-scan.ts';
import { FeatureCache } from '../../main/engine/train/feature-cache.ts';
import { estimateTrainingMemory } from '../../main/engine/train/memory-estimate.ts';
import { disposeBatch, SampleStream } from '../../main/engine/train/sample-stream.ts';
import { skipTunerObjective } from '../../main/engine/train/skip-tuner-objective.ts';
import { cscConfigFor } from '../../main/engine/train/train-tuner.ts';
import { runTrainer } from '../../main/engine/train/trainer.ts';
import { prepareTrainingData } from '../../main/engine/train/training-data.ts';
import { CscTuner } from '../../main/engine/tuners/csc-tuner.ts';
import { ScTuner } from '../../main/engine/tuners/sc-tuner.ts';
import { tinyModel } from '../unit/engine/pipeline/tiny-model.ts';
import { patternImage, writeImage, writeText } from '../unit/engine/train/folders.ts';
import { median, table } from './stats.ts';

const IMAGES = 16;

async function folderFor(size: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `scedit-bench-train-${size}-`));
  for (let i = 0; i < IMAGES; i++) {
    await writeImage(join(dir, `p${i}.png`), patternImage(size, size, i % 4, (i * 13) % 200));
    writeText(
      join(dir, `p${i}.txt`),
      ['a red apple', 'a blue figure raising both arms', 'green ground'][i % 3]!,
    );
  }
  return dir;
}

/** Result, wall ms and process CPU ms. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number, number]> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return [value, performance.now() - t0, (c.user + c.system) / 1000];
}

export default async function (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      models: { type: 'string', default: 'tiny,embedded' },
      batches: { type: 'string', default: '1,4,8' },
      steps: { type: 'string', default: '4' },
    },
  });
  await initBackend();
  const report = backendReport()!;
  console.log(
    `backend: ${report.chosen} (simd ${report.simd}, threads ${report.threads}); machine shared with other work`,
  );
  const batches = values.batches!.split(',').map(Number);
  const measured = Number(values.steps);
  const rows: Record<string, string | number>[] = [];
  const cacheRows: Record<string, string | number>[] = [];
  for (const name of values.models!.split(',')) {
    const model: LatentDiffusionModel = name === 'tiny' ? tinyModel() : createUntrainedEmbeddedModel();
    const size = model.manifest.imageSize;
    const folder = await folderFor(size);
    for (const kind of ['sc', 'csc'] as const) {
      const condition = kind === 'csc' ? 'canny' : null;
      const scan = await scanTrainingFolder(folder, {
        condition: condition ?? undefined,
        canExtractCondition: true,
      });
      const settings = { resolution: size, flip: false, condition };
      const cacheDir = join(folder, `.cache-${kind}`);
      const [, coldMs, coldCpu] = await timed(() =>
        prepareTrainingData(model, scan, settings, new FeatureCache(cacheDir)),
      );
      const [data, warmMs, warmCpu] = await timed(() =>
        prepareTrainingData(model, scan, settings, new FeatureCache(cacheDir)),
      );
      const [, , uncachedCpu] = await timed(() =>
        prepareTrainingData(model, scan, settings, new FeatureCache(null)),
      );
      // What computing a sample's latent + embedding (+ map) costs when nothing is cached.
      const encodeCpuPerSample = uncachedCpu / IMAGES;
      cacheRows.push({
        model: name,
        kind,
        'cold ms/img': coldMs / IMAGES,
        'cold CPU ms/img': coldCpu / IMAGES,
        'warm ms/img': warmMs / IMAGES,
        'warm CPU ms/img': warmCpu / IMAGES,
        'no-cache CPU ms/img': encodeCpuPerSample,
      });
      for (const batch of batches) {
        const tuner =
          kind === 'sc'
            ? new ScTuner({ layout: { skips: model.unet.skipInfo }, downRatio: 1 })
            : new CscTuner(cscConfigFor(model, 'canny', 1));
        const stream = new SampleStream(data, 1, model.schedule.alphasCumprod.length, false);
        const stepTimes: number[] = [];
        const stepCpu: number[] = [];
        let last = performance.now();
        let lastCpu = process.cpuUsage();
        const before = tf.memory().numTensors;
        await runTrainer(
          {
            steps: measured + 1,
            batchSize: batch,
            gradientAccumulation: 1,
            lr: 1e-4,
            schedule: 'constant',
            warmupSteps: 0,
            seed: 1,
            emaDecay: null,
            checkpointEvery: 0,
            checkpointPath: null,
            previewEvery: 0,
            fingerprint: 'bench',
          },
          skipTunerObjective(model, tuner),
          {
            epochLength: stream.epochLength,
            batch: (f, s) => stream.batch(f, s),
            dispose: disposeBatch,
            epochOrder: (e) => stream.epochOrder(e),
          },
          {
            onProgress: (p) => {
              const now = performance.now();
              const cpu = process.cpuUsage(lastCpu);
              if (p.step > 1) {
                stepTimes.push(now - last);
                stepCpu.push((cpu.user + cpu.system) / 1000);
              }
              last = now;
              lastCpu = process.cpuUsage();
            },
          },
        );
        const stepMs = median(stepTimes);
        const cpuMs = median(stepCpu);
        const estimate = estimateTrainingMemory({
          model,
          tunerParams: tuner.params.count(),
          batchSize: batch,
          resolution: size,
          condition: kind === 'csc',
          ema: false,
        });
        rows.push({
          model: name,
          kind,
          batch,
          'tuner params': tuner.params.count(),
          'step ms': stepMs,
          'step CPU ms': cpuMs,
          'samples/s': (batch * 1000) / stepMs,
          'samples/CPU-s': (batch * 1000) / cpuMs,
          'samples/CPU-s no cache': (batch * 1000) / (cpuMs + batch * encodeCpuPerSample),
          'est. MiB': estimate.bytes / 1024 ** 2,
          leaked: tf.memory().numTensors - before,
        });
        tuner.dispose();
        console.log(JSON.stringify(rows.at(-1)));
      }
    }
    model.dispose();
  }
  console.log(
    `\ntraining throughput (median of ${measured} steps after 1 warm-up; wall time is inflated by other work, CPU time is this process's)\n${table(rows)}`,
  );
  console.log(
    `\nfeature cache (${IMAGES} images): preparing cold, warm, and with no cache at all\n${table(cacheRows)}`,
  );
}
