// `npm run bench -- control [--conditions canny-figures,canny-emoji,depth,pose] [--steps 800]
//   [--batch 8] [--lr 2e-3] [--controlnet-lr 2e-4] [--caption-dropout 0.5] [--train-images 512] [--eval-images 16] [--seed 0] [--gen-steps 20]
//   [--guidance 4] [--sampler euler] [--tuners DIR] [--model-dir DIR] [--style-tuner FILE]
//   [--skip composition,region,sheets]`
// Issue 11, items 3, 5 and 6: control fidelity of CSC-Tuners against ControlNet on the embedded
// model. Per condition (canny on figures and on emoji, depth, pose), a CSC-Tuner and a ControlNet
// are trained with the same data, steps, batch and seed, each at its own learning rate (or reused from --tuners DIR); then each
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
import { describeBackend, initBackend } from '../../main/engine/backend.ts';
import { writeFileAtomic } from '../../main/engine/io/atomic-write.ts';
import {
  EMBEDDED_MODEL_DIR,
  embeddedModelAvailable,
  loadDefaultModel,
} from '../../main/engine/pipeline/default-model.ts';
import type { CscTuner } from '../../main/engine/tuners/csc-tuner.ts';
import type { ScTuner } from '../../main/engine/tuners/sc-tuner.ts';
import { checkTargets, costRatios, METRICS } from './control/aggregate.ts';
import { loadStyleTuner, runComposition } from './control/composition.ts';
import type { BenchContext } from './control/context.ts';
import { type DatasetSample, pairedMapsFor, pickSamples, readSplit } from './control/datasets.ts';
import { type ExperimentResult, runExperiment } from './control/experiment-run.ts';
import { EXPERIMENTS } from './control/experiments.ts';
import { Generator } from './control/generator.ts';
import { parseControlBenchArgs } from './control/options.ts';
import { runRegion } from './control/region.ts';
import { table } from './stats.ts';

const OUTPUT = fileURLToPath(new URL('./output', import.meta.url));

function log(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function round(value: number | null, digits = 4): number | null {
  return value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
}

function mib(bytes: number | null): number | null {
  return bytes === null ? null : round(bytes / 1024 ** 2, 1);
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
      const needs = pairedMapsFor(dataset);
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
  const ctx: BenchContext = { model, o, gen, outputDir: OUTPUT, log };
  const results = new Map<string, { result: ExperimentResult; csc: CscTuner }>();
  let style: ScTuner | null = null;
  try {
    // Loaded first, so a wrong file stops the run before any training.
    style = o.styleTuner ? await loadStyleTuner(model, o.styleTuner) : null;
    for (const name of o.experiments) {
      const experiment = EXPERIMENTS[name];
      log(`— ${name}: ${experiment.condition} on ${experiment.dataset}`);
      results.set(name, await runExperiment(ctx, experiment, samplesFor(experiment.dataset), dirs));
    }
    const depth = results.get('depth');
    const pose = results.get('pose');
    const canny = results.get('canny-figures');
    const t0 = performance.now();
    let composition: Awaited<ReturnType<typeof runComposition>> | null = null;
    if (depth && pose && !o.skip.has('composition')) {
      composition = await runComposition(ctx, depth, pose, style);
    }
    const compositionSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const region = canny && !o.skip.has('region') ? await runRegion(ctx, canny) : null;
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
        controlNetLr: o.controlNetLr,
        captionDropout: o.captionDropout,
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
        // What measures the generated pictures: controlFidelity's defaults (main/engine/eval/control-fidelity.ts).
        measuredWith: {
          canny: 'canny 100/200 on the generated picture, edge F1 with 1 px tolerance',
          depth: "the 'figures' depth network, RMSE in levels after a least-squares scale and shift",
          pose: 'keypoints of the figure-world network, PCK@0.1 of the condition pose box, pooled over keypoints',
        },
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
