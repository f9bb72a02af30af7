// One condition experiment: train (or reuse) its CSC-Tuner and ControlNet, generate every held-out
// condition with no control, the CSC-Tuner and the ControlNet, and measure each picture.
import { join } from 'node:path';
import type { RgbaImage } from '../../../main/engine/io/image.ts';
import { writePng } from '../../../main/engine/io/image.ts';
import { rgbaToTensor } from '../../../main/engine/pipeline/images.ts';
import { loadBaseline } from '../../../main/engine/tuners/baseline-file.ts';
import type { ControlNet } from '../../../main/engine/tuners/controlnet.ts';
import type { CscTuner } from '../../../main/engine/tuners/csc-tuner.ts';
import { loadTuner } from '../../../main/engine/tuners/tuner-file.ts';
import {
  aggregateScores,
  type ExperimentSummary,
  type Fidelity,
  type ImageScore,
  METHOD_NAMES,
  type MethodName,
} from './aggregate.ts';
import { drawContactSheet, SHEET_ROWS } from './contact-sheet.ts';
import type { BenchContext } from './context.ts';
import type { DatasetSample } from './datasets.ts';
import type { Experiment } from './experiments.ts';
import { createJudge, type HeldoutCondition } from './fidelity.ts';
import { evalSeed } from './options.ts';
import { type MethodRun, trainOrReuse } from './training.ts';

export interface ExperimentResult {
  experiment: Experiment;
  summary: ExperimentSummary;
  fidelity: Record<MethodName, Fidelity>;
  runs: { csc: MethodRun; controlnet: MethodRun };
  /** Per held-out sample: its condition and the picture of each method (for later experiments and sheets). */
  pictures: { condition: HeldoutCondition; images: Record<MethodName, RgbaImage> }[];
  sheet: string | null;
  generateSeconds: number;
}

export async function runExperiment(
  ctx: BenchContext,
  experiment: Experiment,
  samples: { train: DatasetSample[]; heldout: DatasetSample[] },
  dirs: { tuners: string; work: string; cache: string },
): Promise<{ result: ExperimentResult; csc: CscTuner }> {
  const { model, o, gen, log } = ctx;
  const settings = {
    steps: o.steps,
    batch: o.batch,
    lr: o.lr,
    captionDropout: o.captionDropout,
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
  const cnRun = await trainOrReuse({
    ...common,
    kind: 'controlnet',
    settings: { ...settings, lr: o.controlNetLr },
  });
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
        for (const m of METHOD_NAMES) scores[m].push(await judge.score(condition, images[m]));
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
    METHOD_NAMES.map((m) => [m, aggregateScores(experiment.metric, scores[m])]),
  ) as Record<MethodName, Fidelity>;
  let sheet: string | null = null;
  if (!o.skip.has('sheets')) {
    sheet = join(ctx.outputDir, `control-${experiment.name}.png`);
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
