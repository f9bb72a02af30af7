// Tuner training throughput (samples/s) for SC- and CSC-Tuners and the baselines they are measured
// against (LoRA, ControlNet) on the tiny test model and the embedded config (random weights: the
// arithmetic is the same), at several batch sizes, with trainable parameters and the peak memory of
// one whole step (tf.profile, forward + backward); and what the feature cache saves: preparing a
// folder cold vs warm, and the throughput training would have if every sample's latent and
// embedding (and map) were computed at each step instead of read from the cache.
// `npm run bench -- train [--models tiny,embedded] [--kinds sc,csc,lora,controlnet] [--batches 1,4,8] [--steps 4]`
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
import {
  createTrainableTuner,
  type TrainableKind,
  takesCondition,
} from '../../main/engine/train/trainable-tuner.ts';
import { runTrainer } from '../../main/engine/train/trainer.ts';
import { type PreparedData, prepareTrainingData } from '../../main/engine/train/training-data.ts';
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
      kinds: { type: 'string', default: 'sc,csc,lora,controlnet' },
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
  const ratioRows: Record<string, string | number>[] = [];
  const kinds = values.kinds!.split(',') as TrainableKind[];
  for (const name of values.models!.split(',')) {
    const model: LatentDiffusionModel = name === 'tiny' ? tinyModel() : createUntrainedEmbeddedModel();
    const size = model.manifest.imageSize;
    const folder = await folderFor(size);
    // Data per condition (none for SC/LoRA, canny for CSC/ControlNet), with the encode cost per image.
    const prepared = new Map<
      string,
      { data: PreparedData; encodeMsPerSample: number; encodeCpuPerSample: number }
    >();
    for (const condition of [...new Set(kinds.map((k) => (takesCondition(k) ? 'canny' : null)))]) {
      const scan = await scanTrainingFolder(folder, {
        condition: condition ?? undefined,
        canExtractCondition: true,
      });
      const settings = { resolution: size, flip: false, condition };
      const cacheDir = join(folder, `.cache-${condition ?? 'none'}`);
      const [, coldMs, coldCpu] = await timed(() =>
        prepareTrainingData(model, scan, settings, new FeatureCache(cacheDir)),
      );
      const [data, warmMs, warmCpu] = await timed(() =>
        prepareTrainingData(model, scan, settings, new FeatureCache(cacheDir)),
      );
      const [, uncachedMs, uncachedCpu] = await timed(() =>
        prepareTrainingData(model, scan, settings, new FeatureCache(null)),
      );
      // What computing a sample's latent + embedding (+ map) costs when nothing is cached.
      prepared.set(String(condition), {
        data,
        encodeMsPerSample: uncachedMs / IMAGES,
        encodeCpuPerSample: uncachedCpu / IMAGES,
      });
      cacheRows.push({
        model: name,
        data: condition ? `pictures + ${condition} maps` : 'pictures',
        'cold ms/img': coldMs / IMAGES,
        'cold CPU ms/img': coldCpu / IMAGES,
        'warm ms/img': warmMs / IMAGES,
        'warm CPU ms/img': warmCpu / IMAGES,
        'no-cache ms/img': uncachedMs / IMAGES,
        'no-cache CPU ms/img': uncachedCpu / IMAGES,
      });
    }
    for (const batch of batches) {
      // The first steps at a new size grow the wasm heap and warm the kernels: whichever kind ran
      // first paid for it (SC looked slower than CSC). One step of every kind first, unmeasured.
      for (const kind of kinds) {
        const condition = takesCondition(kind) ? 'canny' : null;
        const tuner = createTrainableTuner(model, { kind, condition, downRatio: 1, rank: 4, seed: 1 });
        const stream = new SampleStream(
          prepared.get(String(condition))!.data,
          1,
          model.schedule.alphasCumprod.length,
          false,
        );
        const warm = stream.batch(0, batch);
        tf.dispose(tuner.objective().lossAndGrads(warm).grads);
        disposeBatch(warm);
        tuner.dispose();
      }
      for (const kind of kinds) {
        const condition = takesCondition(kind) ? 'canny' : null;
        const { data, encodeMsPerSample, encodeCpuPerSample } = prepared.get(String(condition))!;
        const tuner = createTrainableTuner(model, { kind, condition, downRatio: 1, rank: 4, seed: 1 });
        const stream = new SampleStream(data, 1, model.schedule.alphasCumprod.length, false);
        // Peak bytes of one whole step above what was held before it (gradients included).
        const probe = stream.batch(0, batch);
        const objective = tuner.objective();
        const startBytes = tf.memory().numBytes;
        let grads: tf.Tensor[] = [];
        const profile = await tf.profile(() => {
          grads = objective.lossAndGrads(probe).grads;
        });
        const peakStep = profile.peakBytes - startBytes;
        tf.dispose(grads);
        disposeBatch(probe);
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
          objective,
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
          tunerParams: tuner.parameterCount,
          batchSize: batch,
          resolution: size,
          condition: condition !== null,
          ema: false,
          method: tuner.memoryMethod,
        });
        rows.push({
          model: name,
          kind,
          batch,
          'trainable params': tuner.parameterCount,
          'step ms': stepMs,
          'samples/s': (batch * 1000) / stepMs,
          'samples/s no cache': (batch * 1000) / (stepMs + batch * encodeMsPerSample),
          'samples/CPU-s': (batch * 1000) / cpuMs,
          'samples/CPU-s no cache': (batch * 1000) / (cpuMs + batch * encodeCpuPerSample),
          // The measured step peak plus what AdamW holds beside it (two moments per parameter).
          'peak MiB': (peakStep + 2 * 4 * tuner.parameterCount) / 1024 ** 2,
          'est. MiB': (estimate.parts.activations + estimate.parts.trainingState) / 1024 ** 2,
          leaked: tf.memory().numTensors - before,
        });
        tuner.dispose();
        console.log(JSON.stringify(rows.at(-1)));
      }
      const of = (kind: string) => rows.find((r) => r.model === name && r.batch === batch && r.kind === kind);
      for (const [mine, theirs] of [
        ['sc', 'lora'],
        ['csc', 'controlnet'],
      ] as const) {
        const a = of(mine);
        const b = of(theirs);
        if (!a || !b) continue;
        ratioRows.push({
          model: name,
          batch,
          pair: `${mine} / ${theirs}`,
          'params ratio': (a['trainable params'] as number) / (b['trainable params'] as number),
          'peak memory ratio': (a['peak MiB'] as number) / (b['peak MiB'] as number),
          'samples/s ratio': (a['samples/s'] as number) / (b['samples/s'] as number),
          'samples/CPU-s ratio': (a['samples/CPU-s'] as number) / (b['samples/CPU-s'] as number),
        });
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
  console.log(`\nSCEdit against its baselines, measured side by side in this run\n${table(ratioRows)}`);
}
