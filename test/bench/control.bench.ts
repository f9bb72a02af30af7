// `npm run bench -- control [--conditions canny-figures,canny-emoji,depth,pose] [--steps 200]
//   [--batch 8] [--lr 1e-4] [--train-images 512] [--eval-images 16] [--seed 0] [--gen-steps 20]
//   [--guidance 4] [--sampler euler] [--tuners DIR] [--model-dir DIR] [--style-tuner FILE]
//   [--skip composition,region,sheets]`
// Issue 11, items 3, 5 and 6: control fidelity of CSC-Tuners against ControlNet on the embedded
// model. Per condition (canny on figures and on emoji, depth, pose), a CSC-Tuner and a ControlNet
// are trained with the same data, steps, batch and seed (or reused from --tuners DIR); then each
// held-out condition is generated from with no control, the CSC-Tuner and the ControlNet (prompt =
// the held-out caption, same seed) and the generated picture is measured against the condition.
// Beside fidelity: trainable parameters, training memory (the trainer's estimate and a measured
// whole-step peak) and training time, the CSC/ControlNet ratios and the issue's targets. Then the
// composition experiment (depth + pose CSC-Tuners together vs each alone, and with a style SC-Tuner
// too when --style-tuner names one) and a region mask (canny
// control on the left half only: edge F1 inside vs outside). Writes test/bench/output/control.json
// and a contact sheet PNG per experiment (test/bench/output/control-*.png).
// Defaults (200 steps at batch 8 on 512 pictures, 16 held-out conditions, 20 euler steps, guidance 4)
// are sized for under an hour on 2 idle CPU cores (control/options.ts says how); the model is
// assets/models/embedded, or SCEDIT_MODEL_DIR / --model-dir (e.g. a preview export).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../../main/engine/backend.ts';
import type { PlaneMap } from '../../main/engine/eval/control-metrics.ts';
import { writeFileAtomic } from '../../main/engine/io/atomic-write.ts';
import { type RgbaImage, writePng } from '../../main/engine/io/image.ts';
import {
  EMBEDDED_MODEL_DIR,
  embeddedModelAvailable,
  loadDefaultModel,
} from '../../main/engine/pipeline/default-model.ts';
import { generate } from '../../main/engine/pipeline/generate.ts';
import { rgbaToTensor } from '../../main/engine/pipeline/images.ts';
import type { LatentDiffusionModel } from '../../main/engine/pipeline/latent-diffusion-model.ts';
import { loadBaseline } from '../../main/engine/tuners/baseline-file.ts';
import type { TunerMix } from '../../main/engine/tuners/composition.ts';
import type { ControlNet } from '../../main/engine/tuners/controlnet.ts';
import type { CscTuner } from '../../main/engine/tuners/csc-tuner.ts';
import type { ScTuner } from '../../main/engine/tuners/sc-tuner.ts';
import { loadTuner } from '../../main/engine/tuners/tuner-file.ts';
import {
  aggregateScores,
  checkTargets,
  costRatios,
  type ExperimentSummary,
  type Fidelity,
  type ImageScore,
  METRICS,
  type MethodName,
  meanInsideOutside,
} from './control/aggregate.ts';
import { drawContactSheet, shadeOutsideMask } from './control/contact-sheet.ts';
import { type DatasetSample, pickSamples, readSplit } from './control/datasets.ts';
import { EXPERIMENTS, type Experiment } from './control/experiments.ts';
import { createJudge, edgeF1ByRegion, type HeldoutCondition } from './control/fidelity.ts';
import { type ControlBenchOptions, evalSeed, parseControlBenchArgs } from './control/options.ts';
import { type MethodRun, trainOrReuse } from './control/training.ts';
import { table } from './stats.ts';

const OUTPUT = fileURLToPath(new URL('./output', import.meta.url));
/** Rows of a contact sheet (the first held-out conditions). */
const SHEET_ROWS = 8;
const METHODS: MethodName[] = ['none', 'csc', 'controlnet'];

function log(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function round(value: number | null, digits = 4): number | null {
  return value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
}

function mib(bytes: number | null): number | null {
  return bytes === null ? null : round(bytes / 1024 ** 2, 1);
}

/** Generates one picture; every method of a held-out condition gets the same prompt and seed. */
class Generator {
  private readonly plain = new Map<string, RgbaImage>();
  constructor(
    private readonly model: LatentDiffusionModel,
    private readonly o: ControlBenchOptions,
  ) {}

  async run(prompt: string, seed: number, mix?: TunerMix): Promise<RgbaImage> {
    const size = this.model.manifest.imageSize;
    const { image } = await generate(this.model, {
      prompt,
      seed,
      steps: this.o.genSteps,
      guidance: this.o.guidance,
      sampler: this.o.sampler,
      width: size,
      height: size,
      mix,
    });
    return image;
  }

  /** No control: the same prompt and seed give the same picture, so it is made once per sample. */
  async uncontrolled(prompt: string, seed: number): Promise<RgbaImage> {
    const key = `${seed}\u0000${prompt}`;
    let image = this.plain.get(key);
    if (!image) {
      image = await this.run(prompt, seed);
      this.plain.set(key, image);
    }
    return image;
  }
}

interface ExperimentResult {
  experiment: Experiment;
  summary: ExperimentSummary;
  fidelity: Record<MethodName, Fidelity>;
  runs: { csc: MethodRun; controlnet: MethodRun };
  /** Per held-out sample: its condition and the picture of each method (for later experiments and sheets). */
  pictures: { condition: HeldoutCondition; images: Record<MethodName, RgbaImage> }[];
  sheet: string | null;
  generateSeconds: number;
}

async function runExperiment(
  model: LatentDiffusionModel,
  o: ControlBenchOptions,
  experiment: Experiment,
  samples: { train: DatasetSample[]; heldout: DatasetSample[] },
  gen: Generator,
  dirs: { tuners: string; work: string; cache: string },
): Promise<{ result: ExperimentResult; csc: CscTuner }> {
  const settings = {
    steps: o.steps,
    batch: o.batch,
    lr: o.lr,
    seed: o.seed,
    trainImages: samples.train.length,
  };
  const common = {
    model,
    experiment: experiment.name,
    condition: experiment.condition,
    trainSamples: samples.train,
    settings,
    tunersDir: dirs.tuners,
    reuse: o.tuners !== null,
    workDir: dirs.work,
    cacheDir: dirs.cache,
    log,
  };
  const cscRun = await trainOrReuse({ ...common, kind: 'csc' });
  const cnRun = await trainOrReuse({ ...common, kind: 'controlnet' });
  const baseModel = { id: model.id, hash: model.hash };
  const { tuner, info } = await loadTuner(cscRun.path, { baseModel, layout: { skips: model.unet.skipInfo } });
  if (info.kind !== 'csc') {
    tuner.dispose();
    throw new Error(`${cscRun.path} is an SC-Tuner, not a CSC-Tuner`);
  }
  const csc = tuner as CscTuner;
  const { baseline } = await loadBaseline(cnRun.path, {
    baseModel,
    unet: model.unet,
    latentFactor: model.vaeFactor,
  });
  if (baseline.kind !== 'controlnet') throw new Error(`${cnRun.path} is a LoRA, not a ControlNet`);
  const controlNet: ControlNet = baseline.tuner;
  if (csc.params.count() !== cscRun.cost.parameterCount)
    log(
      `${experiment.name}: ${cscRun.path} holds ${csc.params.count()} parameters, the default CSC-Tuner measured for memory ${cscRun.cost.parameterCount}`,
    );
  const judge = await createJudge(experiment.condition, model.manifest.imageSize);
  const scores: Record<MethodName, ImageScore[]> = { none: [], csc: [], controlnet: [] };
  const pictures: ExperimentResult['pictures'] = [];
  const t0 = performance.now();
  try {
    for (const [i, sample] of samples.heldout.entries()) {
      const condition = await judge.load(sample);
      const seed = evalSeed(o.seed, i);
      const map = rgbaToTensor(condition.map, '0,1');
      try {
        const images: Record<MethodName, RgbaImage> = {
          none: await gen.uncontrolled(sample.caption, seed),
          csc: await gen.run(sample.caption, seed, {
            sc: [],
            csc: [{ tuner: csc, condition: map, weight: 1 }],
          }),
          controlnet: await gen.run(sample.caption, seed, {
            sc: [],
            csc: [],
            controlNets: [{ tuner: controlNet, condition: map, weight: 1 }],
          }),
        };
        for (const m of METHODS) scores[m].push(await judge.score(condition, images[m]));
        pictures.push({ condition, images });
      } finally {
        map.dispose();
      }
      if ((i + 1) % 4 === 0 || i + 1 === samples.heldout.length)
        log(`${experiment.name}: generated ${i + 1}/${samples.heldout.length} held-out conditions`);
    }
  } finally {
    controlNet.dispose();
    await judge.dispose();
  }
  const generateSeconds = (performance.now() - t0) / 1000;
  const fidelity = Object.fromEntries(
    METHODS.map((m) => [m, aggregateScores(experiment.metric, scores[m])]),
  ) as Record<MethodName, Fidelity>;
  let sheet: string | null = null;
  if (!o.skip.has('sheets')) {
    sheet = join(OUTPUT, `control-${experiment.name}.png`);
    await writePng(
      sheet,
      drawContactSheet(
        pictures
          .slice(0, SHEET_ROWS)
          .map((p) => [p.condition.map, p.images.none, p.images.csc, p.images.controlnet]),
      ),
    );
  }
  return {
    csc,
    result: {
      experiment,
      fidelity,
      runs: { csc: cscRun, controlnet: cnRun },
      pictures,
      sheet,
      generateSeconds,
      summary: {
        name: experiment.name,
        condition: experiment.condition,
        metric: experiment.metric,
        fidelity: {
          none: fidelity.none.value,
          csc: fidelity.csc.value,
          controlnet: fidelity.controlnet.value,
        },
        costs: { csc: cscRun.cost, controlnet: cnRun.cost },
      },
    },
  };
}

/** Depth + pose CSC-Tuners together on the same held-out figures, against each alone (+ a style SC-Tuner). */
async function runComposition(
  o: ControlBenchOptions,
  gen: Generator,
  depth: { result: ExperimentResult; csc: CscTuner },
  pose: { result: ExperimentResult; csc: CscTuner },
  style: ScTuner | null,
) {
  const size = depth.result.pictures[0]!.condition.map.width;
  const depthJudge = await createJudge('depth', size);
  const poseJudge = await createJudge('pose', size);
  const scores = {
    both: { depth: [] as ImageScore[], pose: [] as ImageScore[] },
    styled: { depth: [] as ImageScore[], pose: [] as ImageScore[] },
  };
  const rows: (RgbaImage | null)[][] = [];
  try {
    for (const [i, d] of depth.result.pictures.entries()) {
      const p = pose.result.pictures[i]!;
      if (p.condition.sample.file !== d.condition.sample.file)
        throw new Error('composition: the depth and pose experiments were given different held-out figures');
      const depthMap = rgbaToTensor(d.condition.map, '0,1');
      const poseMap = rgbaToTensor(p.condition.map, '0,1');
      try {
        const csc = [
          { tuner: depth.csc, condition: depthMap, weight: 1 },
          { tuner: pose.csc, condition: poseMap, weight: 1 },
        ];
        const seed = evalSeed(o.seed, i);
        const both = await gen.run(d.condition.sample.caption, seed, { sc: [], csc });
        scores.both.depth.push(await depthJudge.score(d.condition, both));
        scores.both.pose.push(await poseJudge.score(p.condition, both));
        let styled: RgbaImage | null = null;
        if (style) {
          styled = await gen.run(d.condition.sample.caption, seed, { sc: [{ tuner: style, scale: 1 }], csc });
          scores.styled.depth.push(await depthJudge.score(d.condition, styled));
          scores.styled.pose.push(await poseJudge.score(p.condition, styled));
        }
        if (rows.length < SHEET_ROWS)
          rows.push([
            d.condition.map,
            p.condition.map,
            d.images.none,
            d.images.csc,
            p.images.csc,
            both,
            ...(styled ? [styled] : []),
          ]);
      } finally {
        tf.dispose([depthMap, poseMap]);
      }
    }
  } finally {
    await depthJudge.dispose();
    await poseJudge.dispose();
  }
  const value = (metric: 'depthRmse' | 'posePck', s: ImageScore[]) => aggregateScores(metric, s).value;
  let sheet: string | null = null;
  if (!o.skip.has('sheets')) {
    sheet = join(OUTPUT, 'control-composition.png');
    await writePng(sheet, drawContactSheet(rows));
  }
  return {
    images: scores.both.depth.length,
    styleTuner: o.styleTuner,
    depthRmse: {
      none: depth.result.fidelity.none.value,
      alone: depth.result.fidelity.csc.value,
      withPose: value('depthRmse', scores.both.depth),
      withPoseAndStyle: style ? value('depthRmse', scores.styled.depth) : null,
    },
    posePck: {
      none: pose.result.fidelity.none.value,
      alone: pose.result.fidelity.csc.value,
      withDepth: value('posePck', scores.both.pose),
      withDepthAndStyle: style ? value('posePck', scores.styled.pose) : null,
    },
    sheet,
    sheetColumns: [
      'depth condition',
      'pose condition',
      'no control',
      'depth CSC alone',
      'pose CSC alone',
      'depth + pose CSC',
      ...(style ? ['style SC + depth + pose CSC'] : []),
    ],
  };
}

/** The style SC-Tuner of the composition experiment, for this base model. */
async function loadStyleTuner(model: LatentDiffusionModel, path: string): Promise<ScTuner> {
  const { tuner, info } = await loadTuner(path, {
    baseModel: { id: model.id, hash: model.hash },
    layout: { skips: model.unet.skipInfo },
  });
  if (info.kind !== 'sc') {
    tuner.dispose();
    throw new Error(`--style-tuner ${path}: a CSC-Tuner (condition), not an SC-Tuner (style)`);
  }
  return tuner as ScTuner;
}

/** The left half of a picture: the region the masked canny control applies to. */
function leftHalfMask(width: number, height: number): PlaneMap {
  const values = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width / 2; x++) values[y * width + x] = 255;
  return { width, height, values };
}

/** Canny control on a region only: edge F1 inside vs outside the mask for none / whole / masked. */
async function runRegion(
  o: ControlBenchOptions,
  gen: Generator,
  canny: { result: ExperimentResult; csc: CscTuner },
) {
  const first = canny.result.pictures[0]!.condition.map;
  const mask = leftHalfMask(first.width, first.height);
  const maskTensor = tf.tensor4d(
    Float32Array.from(mask.values, (v) => v / 255),
    [1, mask.height, mask.width, 1],
  );
  const f1: Record<'none' | 'whole' | 'masked', { inside: number; outside: number }[]> = {
    none: [],
    whole: [],
    masked: [],
  };
  const rows: (RgbaImage | null)[][] = [];
  try {
    for (const [i, p] of canny.result.pictures.entries()) {
      const map = rgbaToTensor(p.condition.map, '0,1');
      try {
        const masked = await gen.run(p.condition.sample.caption, evalSeed(o.seed, i), {
          sc: [],
          csc: [{ tuner: canny.csc, condition: map, weight: 1, mask: maskTensor }],
        });
        f1.none.push(await edgeF1ByRegion(p.condition, p.images.none, mask));
        f1.whole.push(await edgeF1ByRegion(p.condition, p.images.csc, mask));
        f1.masked.push(await edgeF1ByRegion(p.condition, masked, mask));
        if (rows.length < SHEET_ROWS)
          rows.push([shadeOutsideMask(p.condition.map, mask), p.images.none, p.images.csc, masked]);
      } finally {
        map.dispose();
      }
    }
  } finally {
    maskTensor.dispose();
  }
  let sheet: string | null = null;
  if (!o.skip.has('sheets')) {
    sheet = join(OUTPUT, 'control-region.png');
    await writePng(sheet, drawContactSheet(rows));
  }
  return {
    experiment: canny.result.experiment.name,
    mask: 'left half of the picture',
    images: f1.none.length,
    edgeF1: {
      noControl: meanInsideOutside(f1.none),
      cscWhole: meanInsideOutside(f1.whole),
      cscMasked: meanInsideOutside(f1.masked),
    },
    sheet,
    sheetColumns: [
      'condition (outside the mask darkened)',
      'no control',
      'CSC everywhere',
      'CSC in the mask only',
    ],
  };
}

export default async function (args: string[]): Promise<void> {
  const o = parseControlBenchArgs(args);
  const started = performance.now();
  const backend = await initBackend();
  log(describeBackend(backend));
  const modelDir = o.modelDir ?? EMBEDDED_MODEL_DIR;
  const model = await loadDefaultModel(modelDir);
  const trained = embeddedModelAvailable(modelDir);
  log(
    `model: ${model.manifest.name} (id ${model.id}, ${model.shortHash})${trained ? ` from ${modelDir}` : ` — no model at ${modelDir}, so the untrained stand-in`}`,
  );
  mkdirSync(OUTPUT, { recursive: true });
  const work = join(OUTPUT, 'control');
  const dirs = { tuners: o.tuners ?? join(work, 'tuners'), work, cache: join(work, 'features') };

  // Every figure experiment uses the same held-out figures (with depth and pose maps), so the
  // no-control pictures are shared and the composition compares like with like.
  const splits = new Map<string, { train: DatasetSample[]; heldout: DatasetSample[] }>();
  const samplesFor = (dataset: 'figures' | 'emoji') => {
    let s = splits.get(dataset);
    if (!s) {
      const needs = dataset === 'figures' ? ['depth', 'pose'] : [];
      s = {
        train: pickSamples(readSplit(dataset, 'train'), o.trainImages, o.seed, needs),
        heldout: pickSamples(readSplit(dataset, 'heldout'), o.evalImages, o.seed, needs),
      };
      splits.set(dataset, s);
      log(`${dataset}: ${s.train.length} training pictures, ${s.heldout.length} held-out conditions`);
    }
    return s;
  };

  const gen = new Generator(model, o);
  const results = new Map<string, { result: ExperimentResult; csc: CscTuner }>();
  let style: ScTuner | null = null;
  try {
    // Loaded first, so a wrong file stops the run before any training.
    style = o.styleTuner ? await loadStyleTuner(model, o.styleTuner) : null;
    for (const name of o.experiments) {
      const experiment = EXPERIMENTS[name];
      log(`— ${name}: ${experiment.condition} on ${experiment.dataset}`);
      results.set(name, await runExperiment(model, o, experiment, samplesFor(experiment.dataset), gen, dirs));
    }
    const depth = results.get('depth');
    const pose = results.get('pose');
    const canny = results.get('canny-figures');
    const t0 = performance.now();
    let composition: Awaited<ReturnType<typeof runComposition>> | null = null;
    if (depth && pose && !o.skip.has('composition')) {
      composition = await runComposition(o, gen, depth, pose, style);
    }
    const compositionSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const region = canny && !o.skip.has('region') ? await runRegion(o, gen, canny) : null;
    const regionSeconds = (performance.now() - t1) / 1000;

    const all = [...results.values()].map((r) => r.result);
    const summaries = all.map((r) => r.summary);
    const targets = checkTargets(summaries);

    console.log('\nControl fidelity on held-out conditions (same prompts and seeds for every method):');
    console.log(
      table(
        all.map((r) => ({
          experiment: r.experiment.name,
          metric: METRICS[r.experiment.metric].label,
          images: r.fidelity.none.images,
          'no control': round(r.fidelity.none.value) ?? '-',
          'CSC-Tuner': round(r.fidelity.csc.value) ?? '-',
          ControlNet: round(r.fidelity.controlnet.value) ?? '-',
        })),
      ),
    );
    console.log(
      '\nCost of each method (memory: estimate / measured whole-step peak + AdamW moments + frozen weights):',
    );
    console.log(
      table(
        all.flatMap((r) =>
          (['csc', 'controlnet'] as const).map((k) => {
            const run = r.runs[k];
            return {
              experiment: r.experiment.name,
              method: k === 'csc' ? 'CSC-Tuner' : 'ControlNet',
              'trainable params': run.cost.parameterCount,
              'est. MiB': mib(run.cost.estimatedBytes)!,
              'measured MiB': mib(run.cost.measuredBytes) ?? '-',
              'train s': round(run.cost.trainSeconds, 1) ?? '-',
              'CPU s': round(run.record?.cpuSeconds ?? null, 1) ?? '-',
              'final loss': round(run.record?.finalLoss ?? null) ?? '-',
              reused: run.reused ? 'yes' : 'no',
            };
          }),
        ),
      ),
    );
    console.log('\nCSC-Tuner / ControlNet (targets: params <= 0.08, memory <= 0.7):');
    console.log(
      table(
        all.map((r) => {
          const ratio = costRatios(r.runs.csc.cost, r.runs.controlnet.cost);
          const fixed = (v: number | null) => (v === null ? '-' : v.toFixed(3));
          return {
            experiment: r.experiment.name,
            params: fixed(ratio.params),
            'memory (est.)': fixed(ratio.memoryEstimated),
            'memory (measured)': fixed(ratio.memoryMeasured),
            'train time': fixed(ratio.trainTime),
          };
        }),
      ),
    );
    const yes = (v: boolean | null) => (v === null ? 'n/a' : v ? 'met' : 'NOT met');
    console.log(
      `\ntargets: params ${yes(targets.params.met)} (worst ${round(targets.params.worst)}), memory est. ${yes(targets.memoryEstimated.met)} (worst ${round(targets.memoryEstimated.worst)}), memory measured ${yes(targets.memoryMeasured.met)} (worst ${round(targets.memoryMeasured.worst)}), fidelity >= ControlNet on ${targets.fidelity.wins} of ${targets.fidelity.conditions} conditions (${yes(targets.fidelity.met)}${targets.fidelity.complete ? '' : '; not all 3 conditions measured'})`,
    );
    for (const v of targets.fidelity.perCondition)
      if (v.cscAboveFloor === false || v.controlNetAboveFloor === false)
        console.log(
          `note: ${v.condition}: ${[v.cscAboveFloor === false ? 'the CSC-Tuner' : null, v.controlNetAboveFloor === false ? 'the ControlNet' : null].filter(Boolean).join(' and ')} did no better than no control; train longer before reading the comparison`,
        );
    if (composition)
      console.log(
        `\ncomposition (${composition.images} figures): depth RMSE none ${round(composition.depthRmse.none, 2)}, depth alone ${round(composition.depthRmse.alone, 2)}, with pose ${round(composition.depthRmse.withPose, 2)}${style ? `, with pose + style ${round(composition.depthRmse.withPoseAndStyle, 2)}` : ''}; pose PCK none ${round(composition.posePck.none)}, pose alone ${round(composition.posePck.alone)}, with depth ${round(composition.posePck.withDepth)}${style ? `, with depth + style ${round(composition.posePck.withDepthAndStyle)}` : ''}`,
      );
    if (region)
      console.log(
        `\nregion (canny CSC on the left half; edge F1 inside / outside): no control ${round(region.edgeF1.noControl.inside)} / ${round(region.edgeF1.noControl.outside)}, CSC everywhere ${round(region.edgeF1.cscWhole.inside)} / ${round(region.edgeF1.cscWhole.outside)}, CSC masked ${round(region.edgeF1.cscMasked.inside)} / ${round(region.edgeF1.cscMasked.outside)}`,
      );

    const report = {
      measuredAt: new Date().toISOString(),
      model: { dir: modelDir, trained, id: model.id, name: model.manifest.name, sha256: model.hash },
      backend: {
        chosen: backend.chosen,
        threads: backend.threads,
        note: 'machine shared with other work: wall times are inflated',
      },
      settings: {
        experiments: o.experiments,
        steps: o.steps,
        batch: o.batch,
        lr: o.lr,
        trainImages: o.trainImages,
        evalImages: o.evalImages,
        seed: o.seed,
        generation: {
          steps: o.genSteps,
          guidance: o.guidance,
          sampler: o.sampler,
          size: model.manifest.imageSize,
        },
        tunersDir: dirs.tuners,
        reuseTuners: o.tuners !== null,
        memoryMeasuredAtBatch: o.batch,
        styleTuner: o.styleTuner,
        skipped: [...o.skip],
      },
      experiments: all.map((r) => ({
        name: r.experiment.name,
        condition: r.experiment.condition,
        dataset: r.experiment.dataset,
        metric: r.experiment.metric,
        metricLabel: METRICS[r.experiment.metric].label,
        higherIsBetter: METRICS[r.experiment.metric].higherIsBetter,
        heldout: r.pictures.map((p) => p.condition.sample.file),
        fidelity: r.fidelity,
        methods: Object.fromEntries(
          (['csc', 'controlnet'] as const).map((k) => {
            const run = r.runs[k];
            return [
              k,
              {
                file: run.path,
                reused: run.reused,
                parameterCount: run.cost.parameterCount,
                memoryBytes: {
                  estimated: run.memory.estimated,
                  measured: run.cost.measuredBytes,
                  measuredStepPeak: run.memory.measuredStepPeak,
                  optimiserMoments: run.memory.optimiserMoments,
                  frozenWeights: run.memory.frozenWeights,
                },
                training: run.record,
              },
            ];
          }),
        ),
        ratios: costRatios(r.runs.csc.cost, r.runs.controlnet.cost),
        contactSheet: r.sheet,
        sheetColumns: ['condition', 'no control', 'CSC-Tuner', 'ControlNet'],
        generateSeconds: round(r.generateSeconds, 1),
      })),
      targets,
      composition,
      region,
      timings: {
        compositionSeconds: round(compositionSeconds, 1),
        regionSeconds: round(regionSeconds, 1),
        totalSeconds: round((performance.now() - started) / 1000, 1),
      },
    };
    const jsonPath = join(OUTPUT, 'control.json');
    await writeFileAtomic(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${jsonPath} (total ${report.timings.totalSeconds} s)`);
  } finally {
    for (const r of results.values()) r.csc.dispose();
    style?.dispose();
    model.dispose();
  }
}
