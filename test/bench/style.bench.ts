// `npm run bench -- style [--steps 400] [--batch 8] [--images 1000] [--n 200] [--rank 4] [--lr 1e-4]
//   [--scale 1] [--gen-steps 20] [--guidance 7] [--sampler euler_a] [--gen-batch 16] [--seed 0]
//   [--sheet-rows 8] [--build-count 3786] [--dataset DIR] [--tuners DIR] [--model-dir DIR] [--classifier DIR]`
// Issue 11 item 4, style tuning measured: an SC-Tuner and a LoRA baseline trained with the same
// budget (steps, batch, learning rate, seed, pictures) on Twemoji pictures (another vendor's art
// than the Noto emoji the embedded model learned), then, for the base model, base + SC and
// base + LoRA: the Fréchet distance in the eval classifier's feature space from pictures generated
// for held-out captions (emoji neither training set holds) to the held-out Twemoji pictures of
// those captions, and to their Noto twins (the move away from the old style); prompt accuracy kept
// (the classifier's emoji category vs the caption's); trainable parameters, one step's peak memory,
// training time. Writes test/bench/output/style.json and style-contact-sheet.png.
// Defaults sized for < 1 h on 2 shared CPU cores (wasm, measured 2026-11-25 on the embedded model's
// architecture): an SC step at batch 8 ~0.85 s and a LoRA step ~1.5 s (400 steps: ~16 min for both),
// a 20-step guided picture ~2.5 s in batches of 16 (200 captions x 3 variants: ~25 min), the sheet
// ~2 min, building the 3,786-picture Twemoji dataset ~30 s. Tiny settings to see it work:
//   --build-count 400 --steps 4 --batch 2 --images 16 --n 16 --gen-steps 4 --sheet-rows 3
// Twemoji graphics: CC-BY 4.0, Twitter, Inc and other contributors (assets/licenses/twemoji.md);
// The tuners trained here are derived from them: style-training.json beside them carries that attribution.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../../main/engine/backend.ts';
import { SAMPLER_NAMES, type SamplerName } from '../../main/engine/diffusion/samplers.ts';
import { writeFileAtomic } from '../../main/engine/io/atomic-write.ts';
import { writePng } from '../../main/engine/io/image.ts';
import {
  EMBEDDED_MODEL_DIR,
  embeddedModelAvailable,
  loadDefaultModel,
} from '../../main/engine/pipeline/default-model.ts';
import type { TunerMix } from '../../main/engine/tuners/composition.ts';
import { CLASSIFIER_DIR, loadEvalClassifier } from './quality/classifier.ts';
import { frechetDistance } from './quality/frechet.ts';
import { type BatchGenerateOptions, generateBatch } from './quality/generate-batch.ts';
import { type HeldoutSample, loadPictures, readHeldout, seededPermutation } from './quality/heldout.ts';
import { as8bit, contactSheet, type PromptAccuracy, promptAccuracy } from './quality/metrics.ts';
import { table } from './stats.ts';
import { ClassifiedSet } from './style/classified-set.ts';
import { pickSheetRows, promptLabels, shareRemoved, sheetCells } from './style/style-measures.ts';
import {
  loadStyleTuners,
  readStyleTraining,
  type StyleTrainingRecord,
  trainStyleTuners,
} from './style/train-style-tuners.ts';
import {
  ensureTwemojiDataset,
  pairTwins,
  readSplit,
  TWEMOJI_ATTRIBUTION,
  TWIN_OF_NOTO,
  trainingSubset,
  writeTrainingFolder,
} from './style/twemoji-data.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUT = fileURLToPath(new URL('./output', import.meta.url));
const WORK = join(REPO, '.cache', 'bench-style');
/** Every emoji of the catalogue once: its held-out split (~8 %) gives ~300 pictures to measure on. */
const CATALOGUE_SIZE = 3786;
const HEADS = ['source', 'emoji_category', 'emoji_subcategory'];
const SHEET_SEEDS = [1, 2];
const VARIANTS = ['base', 'sc', 'lora'] as const;
type Variant = (typeof VARIANTS)[number];
const VARIANT_LABEL: Record<Variant, string> = {
  base: 'base model',
  sc: 'base + SC-Tuner',
  lora: 'base + LoRA',
};

function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

function positiveNumber(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} must be a number > 0, got "${value}"`);
  return n;
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

function mib(bytes: number | null): number | string {
  return bytes === null ? '-' : Math.round((bytes / 2 ** 20) * 10) / 10;
}

async function classifyReal(
  set: ClassifiedSet,
  samples: readonly HeldoutSample[],
  size: number,
  batch: number,
): Promise<void> {
  for (let i = 0; i < samples.length; i += batch) {
    const pictures = await loadPictures(samples.slice(i, i + batch), size);
    await set.add(pictures);
    pictures.dispose();
  }
}

export default async function (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      steps: { type: 'string', default: '400' },
      batch: { type: 'string', default: '8' },
      images: { type: 'string', default: '1000' },
      n: { type: 'string', default: '200' },
      rank: { type: 'string', default: '4' },
      lr: { type: 'string', default: '1e-4' },
      scale: { type: 'string', default: '1' },
      'gen-steps': { type: 'string', default: '20' },
      guidance: { type: 'string', default: '7' },
      sampler: { type: 'string', default: 'euler_a' },
      'gen-batch': { type: 'string', default: '16' },
      seed: { type: 'string', default: '0' },
      'sheet-rows': { type: 'string', default: '8' },
      'build-count': { type: 'string', default: String(CATALOGUE_SIZE) },
      dataset: { type: 'string', default: join(WORK, 'twemoji') },
      tuners: { type: 'string' },
      'model-dir': { type: 'string', default: EMBEDDED_MODEL_DIR },
      classifier: { type: 'string', default: CLASSIFIER_DIR },
    },
  });
  const budget = {
    steps: positiveInt(values.steps, '--steps'),
    batch: positiveInt(values.batch, '--batch'),
    lr: positiveNumber(values.lr, '--lr'),
    seed: Number(values.seed),
    rank: positiveInt(values.rank, '--rank'),
  };
  if (!Number.isSafeInteger(budget.seed) || budget.seed < 0)
    throw new Error(`--seed must be an integer >= 0, got "${values.seed}"`);
  const images = positiveInt(values.images, '--images');
  const n = positiveInt(values.n, '--n');
  const scale = Number(values.scale);
  if (!Number.isFinite(scale)) throw new Error(`--scale must be a number, got "${values.scale}"`);
  const genBatch = positiveInt(values['gen-batch'], '--gen-batch');
  const sheetRows = positiveInt(values['sheet-rows'], '--sheet-rows');
  const buildCount = positiveInt(values['build-count'], '--build-count');
  const guidance = Number(values.guidance);
  if (!(guidance >= 0)) throw new Error(`--guidance must be a number >= 0, got "${values.guidance}"`);
  if (!(SAMPLER_NAMES as readonly string[]).includes(values.sampler!))
    throw new Error(`--sampler must be one of ${SAMPLER_NAMES.join(', ')}, got "${values.sampler}"`);
  const gen: BatchGenerateOptions = {
    steps: positiveInt(values['gen-steps'], '--gen-steps'),
    guidance,
    sampler: values.sampler as SamplerName,
  };
  const log = (line: string) => console.log(line);
  const started = performance.now();
  const timings: Record<string, number> = {};

  const backend = await initBackend();
  console.log(describeBackend(backend));
  const machine = `${backend.chosen}, ${backend.threads} thread(s), 2 CPU cores shared with other work`;
  const modelDir = values['model-dir']!;
  const model = await loadDefaultModel(modelDir);
  const shipped = embeddedModelAvailable(modelDir);
  console.log(
    `model: ${model.manifest.name} (id ${model.id}, ${model.shortHash})${shipped ? ` from ${modelDir}` : ` — no model folder at ${modelDir}, so the untrained stand-in`}`,
  );
  const classifier = await loadEvalClassifier(values.classifier);
  const size = model.manifest.imageSize;
  // Pictures on disk stay at the Noto dataset's size (the classifier's); the trainer and the sheet resize.
  const dataSize = TWIN_OF_NOTO.size;

  // Data: the Twemoji twin of the Noto dataset, its first N training pictures, the held-out twins.
  let t0 = performance.now();
  const datasetDir = values.dataset!;
  const build = { count: buildCount, ...TWIN_OF_NOTO };
  const { built } = await ensureTwemojiDataset(datasetDir, build, log);
  timings.datasetSeconds = seconds(t0);
  const notoHeldout = readHeldout().filter((s) => s.source === 'emoji');
  const { pairs, unmatched } = pairTwins(readSplit(datasetDir, 'heldout'), notoHeldout);
  if (pairs.length < 2)
    throw new Error(
      `only ${pairs.length} held-out Twemoji pictures have a Noto twin (${unmatched} without); build with --build-count >= 400`,
    );
  const chosen = seededPermutation(pairs.length, budget.seed)
    .slice(0, n)
    .map((i) => pairs[i]!);
  if (chosen.length < n)
    console.log(`note: --n ${n}, but only ${chosen.length} held-out twins exist; measuring on those`);
  const twemoji = chosen.map((p) => p.twemoji);
  const noto = chosen.map((p) => p.noto);
  console.log(
    `data: ${chosen.length} held-out captions with both vendors' pictures (${pairs.length} twins, ${unmatched} unmatched)`,
  );

  // Tuners: trained here with one budget, or an earlier run's.
  t0 = performance.now();
  let record: StyleTrainingRecord;
  if (values.tuners) {
    record = readStyleTraining(values.tuners, model);
    console.log(`tuners: reusing ${values.tuners} (trained ${JSON.stringify(record.budget)})`);
  } else {
    const train = trainingSubset(readSplit(datasetDir, 'train'), images);
    const folder = join(WORK, `train-${images}`);
    const { reused } = writeTrainingFolder(train, folder);
    console.log(`training folder: ${train.length} Twemoji pictures in ${folder}${reused ? ' (kept)' : ''}`);
    record = await trainStyleTuners(
      model,
      {
        folder,
        images: train.length,
        outDir: join(WORK, 'tuners'),
        cacheDir: join(WORK, 'feature-cache'),
        budget,
        machine,
      },
      log,
    );
    console.log(`tuners: ${join(WORK, 'tuners')} (reuse with --tuners)`);
  }
  timings.trainingSeconds = seconds(t0);
  const tuners = await loadStyleTuners(model, record);
  const mixes: Record<Variant, TunerMix | null> = {
    base: null,
    sc: { sc: [{ tuner: tuners.sc, scale }], csc: [] },
    lora: { sc: [], csc: [], lora: [{ tuner: tuners.lora, scale }] },
  };

  t0 = performance.now();
  const realTwemoji = new ClassifiedSet(classifier);
  const realNoto = new ClassifiedSet(classifier);
  await classifyReal(realTwemoji, twemoji, dataSize, 64);
  await classifyReal(realNoto, noto, dataSize, 64);
  // The target style on other emoji (the training split's first pictures): where a tuner that
  // learned the style perfectly, without copying, would sit.
  const twemojiTrain = readSplit(datasetDir, 'train').slice(0, chosen.length);
  const realTwemojiTrain = new ClassifiedSet(classifier);
  await classifyReal(realTwemojiTrain, twemojiTrain, dataSize, 64);
  timings.classifyRealSeconds = seconds(t0);

  const generated = {} as Record<Variant, ClassifiedSet>;
  const captions = twemoji.map((s) => s.caption);
  const seeds = captions.map((_, i) => budget.seed * 1_000_000 + i);
  for (const variant of VARIANTS) {
    t0 = performance.now();
    const set = new ClassifiedSet(classifier);
    for (let i = 0; i < captions.length; i += genBatch) {
      const pictures = await generateBatch(
        model,
        captions.slice(i, i + genBatch),
        seeds.slice(i, i + genBatch),
        gen,
        mixes[variant],
      );
      const saved = as8bit(pictures);
      pictures.dispose();
      await set.add(saved);
      saved.dispose();
    }
    generated[variant] = set;
    timings[`generate_${variant}_seconds`] = seconds(t0);
    console.log(
      `${VARIANT_LABEL[variant]}: ${captions.length} pictures in ${timings[`generate_${variant}_seconds`]} s`,
    );
  }

  t0 = performance.now();
  const twemojiStats = realTwemoji.stats();
  const notoStats = realNoto.stats();
  const trainStats = realTwemojiTrain.stats();
  const fd = {
    realNotoVsRealTwemoji: frechetDistance(notoStats, twemojiStats),
    realTwemojiTrain: {
      toTwemoji: frechetDistance(trainStats, twemojiStats),
      toNoto: frechetDistance(trainStats, notoStats),
    },
    ...Object.fromEntries(
      VARIANTS.map((v) => {
        const stats = generated[v].stats();
        return [
          v,
          { toTwemoji: frechetDistance(stats, twemojiStats), toNoto: frechetDistance(stats, notoStats) },
        ];
      }),
    ),
  } as { realNotoVsRealTwemoji: number; realTwemojiTrain: { toTwemoji: number; toNoto: number } } & Record<
    Variant,
    { toTwemoji: number; toNoto: number }
  >;
  timings.frechetSeconds = seconds(t0);

  const heads = HEADS.filter((h) => classifier.headNames.includes(h));
  const accuracy = (set: ClassifiedSet, samples: HeldoutSample[]) =>
    Object.fromEntries(
      heads.map((name) => {
        const head = classifier.head(name);
        return [name, promptAccuracy(promptLabels(head, samples), set.predicted[name]!, head.classes)];
      }),
    ) as Record<string, PromptAccuracy>;
  const prompt = {
    realTwemoji: accuracy(realTwemoji, twemoji),
    realNoto: accuracy(realNoto, noto),
    realTwemojiTrain: accuracy(realTwemojiTrain, twemojiTrain),
    ...Object.fromEntries(VARIANTS.map((v) => [v, accuracy(generated[v], twemoji)])),
  } as Record<'realTwemoji' | 'realNoto' | 'realTwemojiTrain' | Variant, Record<string, PromptAccuracy>>;

  // Contact sheet: a row per held-out caption (different categories first):
  // Noto picture | Twemoji picture | base × seeds | SC × seeds | LoRA × seeds.
  t0 = performance.now();
  mkdirSync(OUTPUT, { recursive: true });
  const rows = pickSheetRows(
    twemoji.map((s) => String(s.labels.category)),
    sheetRows,
  ).map((i) => chosen[i]!);
  const rowCaptions = rows.flatMap((p) => SHEET_SEEDS.map(() => p.twemoji.caption));
  const rowSeeds = rows.flatMap(() => SHEET_SEEDS);
  const reference = async (samples: HeldoutSample[]): Promise<tf.Tensor4D> => {
    const pictures = await loadPictures(samples, dataSize);
    if (size === dataSize) return pictures;
    const resized = tf.image.resizeBilinear(pictures, [size, size], true);
    pictures.dispose();
    return resized;
  };
  const groups: tf.Tensor4D[] = [
    await reference(rows.map((p) => p.noto)),
    await reference(rows.map((p) => p.twemoji)),
  ];
  for (const variant of VARIANTS) {
    const parts: tf.Tensor4D[] = [];
    for (let i = 0; i < rowCaptions.length; i += genBatch)
      parts.push(
        await generateBatch(
          model,
          rowCaptions.slice(i, i + genBatch),
          rowSeeds.slice(i, i + genBatch),
          gen,
          mixes[variant],
        ),
      );
    groups.push(tf.concat(parts, 0));
    tf.dispose(parts);
  }
  const perRow = [1, 1, ...VARIANTS.map(() => SHEET_SEEDS.length)];
  const cells = sheetCells(perRow, rows.length);
  const sheetPictures = tf.tidy(() =>
    tf.stack(cells.map(([g, k]) => tf.squeeze(tf.slice(groups[g]!, [k, 0, 0, 0], [1, -1, -1, -1]), [0]))),
  ) as tf.Tensor4D;
  tf.dispose(groups);
  const columns = perRow.reduce((a, b) => a + b, 0);
  const sheetPath = join(OUTPUT, 'style-contact-sheet.png');
  await writePng(sheetPath, await contactSheet(sheetPictures, columns));
  sheetPictures.dispose();
  timings.sheetSeconds = seconds(t0);
  timings.totalSeconds = seconds(started);

  const acc = (v: keyof typeof prompt, head: string) => prompt[v][head]?.accuracy ?? '-';
  console.log(
    `\nStyle tuning on Twemoji (${record.images} pictures, ${record.budget.steps} steps at batch ${record.budget.batch}, lr ${record.budget.lr}, seed ${record.budget.seed}, LoRA rank ${record.budget.rank}, tuner scale ${scale}); ${chosen.length} held-out captions.`,
  );
  console.log(
    'FD: Fréchet distance in the eval classifier feature space (lower = closer; it shrinks as the picture count grows).',
  );
  const row = (
    pictures: string,
    accuracyOf: keyof typeof prompt,
    toTwemoji: number | null,
    toNoto: number | null,
    variant: Variant | null,
  ) => {
    const trained = variant === null || variant === 'base' ? null : record.tuners[variant];
    return {
      pictures,
      'FD to Twemoji': toTwemoji ?? '-',
      'FD to Noto': toNoto ?? '-',
      'Twemoji FD removed': trained && toTwemoji !== null ? shareRemoved(fd.base.toTwemoji, toTwemoji) : '-',
      'category acc': acc(accuracyOf, 'emoji_category'),
      'subcategory acc': acc(accuracyOf, 'emoji_subcategory'),
      params: variant === null ? '-' : (trained?.parameterCount ?? 0),
      'step peak MiB': mib(trained?.peakStepBytes ?? null),
      'state MiB': mib(trained?.stateBytes ?? null),
      'train s': trained?.trainSeconds ?? '-',
    };
  };
  console.log(
    table([
      row('real Noto (held-out)', 'realNoto', fd.realNotoVsRealTwemoji, null, null),
      row('real Twemoji (held-out)', 'realTwemoji', null, fd.realNotoVsRealTwemoji, null),
      row(
        'real Twemoji (training split)',
        'realTwemojiTrain',
        fd.realTwemojiTrain.toTwemoji,
        fd.realTwemojiTrain.toNoto,
        null,
      ),
      ...VARIANTS.map((v) => row(VARIANT_LABEL[v], v, fd[v].toTwemoji, fd[v].toNoto, v)),
    ]),
  );
  const sc = record.tuners.sc;
  const lora = record.tuners.lora;
  console.log(
    `SC / LoRA: parameters ${(sc.parameterCount / lora.parameterCount).toFixed(2)}, step peak memory ${(sc.peakStepBytes / lora.peakStepBytes).toFixed(2)}, training time ${(sc.trainSeconds / lora.trainSeconds).toFixed(2)} (measured side by side in one run; ${record.machine})`,
  );
  console.log(
    `chance for the category head: ${prompt.base.emoji_category?.chanceUniform.toFixed(3) ?? '-'} (uniform); emoji-ness (source head says emoji): base ${acc('base', 'source')}, SC ${acc('sc', 'source')}, LoRA ${acc('lora', 'source')}`,
  );
  console.log(`times (s): ${JSON.stringify(timings)}`);

  const report = {
    measuredAt: new Date().toISOString(),
    model: { dir: modelDir, shipped, id: model.id, name: model.manifest.name, sha256: model.hash },
    classifier: values.classifier,
    data: {
      twemojiDataset: datasetDir,
      builtNow: built,
      build,
      attribution: TWEMOJI_ATTRIBUTION,
      trainingFolder: record.folder,
      trainingPictures: record.images,
      heldoutTwins: pairs.length,
      measuredCaptions: chosen.length,
    },
    settings: {
      ...budget,
      images,
      scale,
      ...gen,
      genBatch,
      backend: backend.chosen,
      threads: backend.threads,
    },
    training: record,
    frechetDistance: fd,
    twemojiDistanceRemoved: {
      sc: shareRemoved(fd.base.toTwemoji, fd.sc.toTwemoji),
      lora: shareRemoved(fd.base.toTwemoji, fd.lora.toTwemoji),
    },
    promptAccuracy: prompt,
    contactSheet: {
      path: sheetPath,
      layout: `one row per held-out caption; columns: Noto picture, Twemoji picture, then base, SC, LoRA with seeds ${SHEET_SEEDS.join(', ')} each`,
      captions: rows.map((p) => p.twemoji.caption),
    },
    timings,
  };
  const jsonPath = join(OUTPUT, 'style.json');
  await writeFileAtomic(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${jsonPath} and ${sheetPath}`);
  tuners.sc.dispose();
  tuners.lora.dispose();
  model.dispose();
  classifier.dispose();
}
