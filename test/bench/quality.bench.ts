// `npm run bench -- quality [--n 1000] [--batch 16] [--steps 20] [--guidance 7] [--sampler euler_a]
//   [--seed 0] [--skip psnr,generate,sheet] [--model-dir DIR] [--classifier DIR]`
// Issue 6's quality measures of the embedded model (assets/models/embedded, or SCEDIT_MODEL_DIR):
// VAE reconstruction PSNR on held-out pictures; the Fréchet distance in the eval classifier's
// feature space between N generated and N held-out real pictures, beside the distance between two
// disjoint sets of N real ones (the floor); prompt accuracy (the classifier's class of a picture
// generated from a held-out caption is the caption's label); a contact sheet of 64 generations
// for fixed prompts and seeds. Writes test/bench/output/quality.json and quality-contact-sheet.png.
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
import type { LatentDiffusionModel } from '../../main/engine/pipeline/latent-diffusion-model.ts';
import { CLASSIFIER_DIR, type EvalClassifier, loadEvalClassifier } from './quality/classifier.ts';
import { frechetDistance, gaussianStats } from './quality/frechet.ts';
import { generateBatch } from './quality/generate-batch.ts';
import {
  type HeldoutSample,
  labelFor,
  loadPictures,
  readHeldout,
  seededPermutation,
} from './quality/heldout.ts';
import {
  as8bit,
  contactSheet,
  mean,
  type PromptAccuracy,
  promptAccuracy,
  psnr8bit,
} from './quality/metrics.ts';
import { SHEET_PROMPTS, SHEET_SEEDS } from './quality/sheet-prompts.ts';
import { table } from './stats.ts';

const OUTPUT = fileURLToPath(new URL('./output', import.meta.url));
/** The heads whose prompt accuracy issue 6 asks for, in report order. */
const PROMPT_HEADS = ['source', 'emoji_category', 'emoji_subcategory', 'figure_pose', 'figure_color'];
/** `--skip generate` leaves only the real-data measures (floor, classifier ceiling): seconds, not an hour. */
const SKIPPABLE = ['psnr', 'generate', 'sheet'];

function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

interface Classified {
  features: Float32Array;
  /** Head name -> predicted class per picture. */
  predicted: Record<string, string[]>;
}

function emptyClassified(): Classified {
  return { features: new Float32Array(0), predicted: {} };
}

/** Classifies pictures (resized to the classifier's input where the model's size differs), appending to `into`. */
async function classifyInto(
  classifier: EvalClassifier,
  pictures: tf.Tensor4D,
  into: Classified,
): Promise<void> {
  const size = classifier.config.input.size;
  const input =
    pictures.shape[1] === size && pictures.shape[2] === size
      ? pictures
      : tf.image.resizeBilinear(pictures, [size, size], true);
  const out = classifier.forward(input);
  if (input !== pictures) input.dispose();
  const features = (await out.features.data()) as Float32Array;
  const merged = new Float32Array(into.features.length + features.length);
  merged.set(into.features);
  merged.set(features, into.features.length);
  into.features = merged;
  for (const name of classifier.headNames) {
    const classes = classifier.head(name).classes;
    const argmax = tf.argMax(out.logits[name]!, 1);
    const indices = await argmax.data();
    argmax.dispose();
    into.predicted[name] = [...(into.predicted[name] ?? []), ...Array.from(indices, (i) => classes[i]!)];
  }
  out.features.dispose();
  for (const t of Object.values(out.logits)) t.dispose();
}

async function classifyReal(
  classifier: EvalClassifier,
  samples: HeldoutSample[],
  batch: number,
): Promise<Classified> {
  const out = emptyClassified();
  for (let i = 0; i < samples.length; i += batch) {
    const pictures = await loadPictures(samples.slice(i, i + batch), classifier.config.input.size);
    await classifyInto(classifier, pictures, out);
    pictures.dispose();
  }
  return out;
}

async function reconstructionPsnr(
  model: LatentDiffusionModel,
  samples: HeldoutSample[],
  batch: number,
): Promise<Record<string, number>> {
  const size = model.manifest.imageSize;
  const values: number[] = [];
  for (let i = 0; i < samples.length; i += batch) {
    const loaded = await loadPictures(samples.slice(i, i + batch), 64);
    const pictures =
      size === 64 ? loaded : (tf.image.resizeBilinear(loaded, [size, size], true) as tf.Tensor4D);
    const recon = tf.tidy(() => model.vae.decode(model.vae.encode(pictures).mean as tf.Tensor4D));
    values.push(...psnr8bit(recon, pictures));
    tf.dispose([loaded, pictures, recon]);
  }
  const result: Record<string, number> = { all: mean(values) };
  for (const source of [...new Set(samples.map((s) => s.source))].sort())
    result[source] = mean(values.filter((_, i) => samples[i]!.source === source));
  return result;
}

function frechetBySource(
  a: Classified,
  aSamples: HeldoutSample[],
  b: Classified,
  bSamples: HeldoutSample[],
  dim: number,
): Record<string, number> {
  const pick = (c: Classified, samples: HeldoutSample[], source: string | null) => {
    const rows = samples.flatMap((s, i) => (source === null || s.source === source ? [i] : []));
    const data = new Float32Array(rows.length * dim);
    rows.forEach((r, k) => {
      data.set(c.features.subarray(r * dim, (r + 1) * dim), k * dim);
    });
    return gaussianStats(data, rows.length, dim);
  };
  const result: Record<string, number> = {
    all: frechetDistance(pick(a, aSamples, null), pick(b, bSamples, null)),
  };
  for (const source of [...new Set(aSamples.map((s) => s.source))].sort())
    result[source] = frechetDistance(pick(a, aSamples, source), pick(b, bSamples, source));
  return result;
}

function accuracies(
  classifier: EvalClassifier,
  samples: HeldoutSample[],
  classified: Classified,
): Record<string, PromptAccuracy> {
  const result: Record<string, PromptAccuracy> = {};
  for (const name of PROMPT_HEADS.filter((h) => classifier.headNames.includes(h))) {
    const head = classifier.head(name);
    result[name] = promptAccuracy(
      samples.map((s) => labelFor(head, s)),
      classified.predicted[name]!,
      head.classes,
    );
  }
  return result;
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}

export default async function (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      n: { type: 'string', default: '1000' },
      batch: { type: 'string', default: '16' },
      steps: { type: 'string', default: '20' },
      guidance: { type: 'string', default: '7' },
      sampler: { type: 'string', default: 'euler_a' },
      seed: { type: 'string', default: '0' },
      skip: { type: 'string', default: '' },
      'model-dir': { type: 'string', default: EMBEDDED_MODEL_DIR },
      classifier: { type: 'string', default: CLASSIFIER_DIR },
    },
  });
  const n = positiveInt(values.n, '--n');
  const batch = positiveInt(values.batch, '--batch');
  const steps = positiveInt(values.steps, '--steps');
  const guidance = Number(values.guidance);
  if (!(guidance >= 0)) throw new Error(`--guidance must be a number >= 0, got "${values.guidance}"`);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`--seed must be an integer >= 0, got "${values.seed}"`);
  if (!(SAMPLER_NAMES as readonly string[]).includes(values.sampler!))
    throw new Error(`--sampler must be one of ${SAMPLER_NAMES.join(', ')}, got "${values.sampler}"`);
  const sampler = values.sampler as SamplerName;
  const skip = new Set(values.skip!.split(',').filter((s) => s !== ''));
  for (const part of skip)
    if (!SKIPPABLE.includes(part)) throw new Error(`--skip: "${part}" is not one of ${SKIPPABLE.join(', ')}`);
  const genOptions = { steps, guidance, sampler };
  const started = performance.now();
  const timings: Record<string, number> = {};

  const backend = await initBackend();
  console.log(describeBackend(backend));
  const modelDir = values['model-dir']!;
  const model = await loadDefaultModel(modelDir);
  const shipped = embeddedModelAvailable(modelDir);
  console.log(
    `model: ${model.manifest.name} (id ${model.id}, ${model.shortHash})${shipped ? ` from ${modelDir}` : ` — no model folder at ${modelDir}, so the untrained stand-in`}`,
  );
  const classifier = await loadEvalClassifier(values.classifier);
  const dim = classifier.config.architecture.features;

  const heldout = readHeldout();
  const order = seededPermutation(heldout.length, seed);
  const real = order.slice(0, n).map((i) => heldout[i]!);
  const floorSet = order.slice(n, 2 * n).map((i) => heldout[i]!);
  if (real.length < n) throw new Error(`--n ${n}: only ${heldout.length} held-out pictures exist`);
  if (floorSet.length < 2)
    throw new Error(
      `--n ${n}: no disjoint second real set is left for the floor (${heldout.length} held-out pictures)`,
    );
  if (floorSet.length < n)
    console.log(
      `note: the floor's second real set has only ${floorSet.length} pictures (held-out total ${heldout.length})`,
    );
  const count = (samples: HeldoutSample[]) =>
    Object.fromEntries(
      [...new Set(samples.map((s) => s.source))]
        .sort()
        .map((s) => [s, samples.filter((x) => x.source === s).length]),
    );
  console.log(
    `held-out: ${heldout.length} pictures; real set ${JSON.stringify(count(real))}, floor set ${JSON.stringify(count(floorSet))}`,
  );

  let t0 = performance.now();
  let psnr: Record<string, number> | null = null;
  if (!skip.has('psnr')) {
    psnr = await reconstructionPsnr(model, real, 32);
    timings.psnrSeconds = seconds(t0);
    console.log(
      `VAE reconstruction PSNR (dB, target >= 26): ${JSON.stringify(psnr)} — ${timings.psnrSeconds} s`,
    );
  }

  t0 = performance.now();
  const realOut = await classifyReal(classifier, real, 64);
  const floorOut = await classifyReal(classifier, floorSet, 64);
  timings.classifyRealSeconds = seconds(t0);

  t0 = performance.now();
  const generated = emptyClassified();
  const generating = !skip.has('generate');
  for (let i = 0; generating && i < n; i += batch) {
    const part = real.slice(i, i + batch);
    const pictures = await generateBatch(
      model,
      part.map((s) => s.caption),
      part.map((_, k) => seed * 1_000_000 + i + k),
      genOptions,
    );
    // Classified as the saved PNG would be, like the real pictures.
    const saved = as8bit(pictures);
    pictures.dispose();
    await classifyInto(classifier, saved, generated);
    saved.dispose();
    const done = Math.min(n, i + batch);
    const elapsed = (performance.now() - t0) / 1000;
    console.log(
      `generated ${done}/${n} (${(elapsed / done).toFixed(2)} s/picture, eta ${Math.round((elapsed / done) * (n - done))} s)`,
    );
  }
  if (generating) {
    timings.generateSeconds = seconds(t0);
    timings.secondsPerPicture = Math.round((timings.generateSeconds / n) * 1000) / 1000;
  }

  t0 = performance.now();
  const fd = {
    generatedVsReal: generating ? frechetBySource(generated, real, realOut, real, dim) : null,
    floorRealVsReal: frechetBySource(floorOut, floorSet, realOut, real, dim),
  };
  timings.frechetSeconds = seconds(t0);
  const prompt = {
    generated: generating ? accuracies(classifier, real, generated) : null,
    realCeiling: accuracies(classifier, real, realOut),
  };

  let sheetPath: string | null = null;
  mkdirSync(OUTPUT, { recursive: true });
  if (!skip.has('sheet')) {
    t0 = performance.now();
    const prompts = SHEET_PROMPTS.flatMap((p) => SHEET_SEEDS.map(() => p));
    const seeds = SHEET_PROMPTS.flatMap(() => SHEET_SEEDS);
    const parts: tf.Tensor4D[] = [];
    for (let i = 0; i < prompts.length; i += batch)
      parts.push(
        await generateBatch(model, prompts.slice(i, i + batch), seeds.slice(i, i + batch), genOptions),
      );
    const all = tf.concat(parts, 0);
    tf.dispose(parts);
    sheetPath = join(OUTPUT, 'quality-contact-sheet.png');
    await writePng(sheetPath, await contactSheet(all, 8));
    all.dispose();
    timings.sheetSeconds = seconds(t0);
  }
  timings.totalSeconds = seconds(started);

  console.log(
    `\nFréchet distance in the eval classifier feature space (lower is better; ${n} pictures a side, and it shrinks as that grows):`,
  );
  console.log(
    table(
      Object.keys(fd.floorRealVsReal).map((k) => ({
        set: k,
        'generated vs real': fd.generatedVsReal?.[k] ?? '-',
        'floor: real vs real': fd.floorRealVsReal[k]!,
      })),
    ),
  );
  console.log("\nPrompt accuracy (the classifier finds the caption's class in the picture; target >= 0.5):");
  console.log(
    table(
      Object.keys(prompt.realCeiling).map((k) => ({
        head: k,
        pictures: prompt.realCeiling[k]!.pictures,
        generated: prompt.generated?.[k]?.accuracy ?? '-',
        'chance (uniform)': prompt.realCeiling[k]!.chanceUniform,
        'chance (independent)': prompt.generated?.[k]?.chanceIndependent ?? '-',
        'real pictures': prompt.realCeiling[k]!.accuracy,
      })),
    ),
  );
  console.log(
    `\ntimes (s): ${JSON.stringify(timings)} (machine shared; ${backend.chosen}, ${backend.threads} thread(s))`,
  );

  const report = {
    measuredAt: new Date().toISOString(),
    model: { dir: modelDir, shipped, id: model.id, name: model.manifest.name, sha256: model.hash },
    classifier: {
      dir: values.classifier,
      heldoutAccuracy: Object.fromEntries(
        classifier.headNames.map((h) => [h, classifier.head(h).heldoutAccuracy]),
      ),
    },
    settings: {
      n,
      batch,
      seed,
      ...genOptions,
      size: model.manifest.imageSize,
      backend: backend.chosen,
      threads: backend.threads,
      skipped: [...skip],
    },
    sets: { heldout: heldout.length, real: count(real), floor: count(floorSet) },
    vaeReconstructionPsnrDb: psnr,
    frechetDistance: fd,
    promptAccuracy: prompt,
    contactSheet: sheetPath
      ? {
          path: sheetPath,
          layout: `8 columns; each prompt fills ${SHEET_SEEDS.length} cells in a row, seeds ${SHEET_SEEDS.join(', ')}`,
          prompts: SHEET_PROMPTS,
        }
      : null,
    timings,
  };
  const jsonPath = join(OUTPUT, 'quality.json');
  await writeFileAtomic(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${jsonPath}${sheetPath ? ` and ${sheetPath}` : ''}`);
  model.dispose();
  classifier.dispose();
}
