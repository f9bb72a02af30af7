// Control strength, measured: each method's fidelity at several conditioning weights, with the
// weight chosen on validation conditions and reported on the bench's held-out ones.
//
//   node --import tsx scripts/control-study/weights.ts --tuners DIR [--weights 1,1.5,2]
//     [--conditions canny-figures,canny-emoji,depth,pose] [--methods csc,controlnet]
//     [--validation 16] [--out FILE]
//
// The held-out split's seeded order (the bench's): its first 16 samples are the bench's report set,
// the next --validation ones choose each method's weight (never the report set, so the choice is
// not fitted to what is reported). Every picture uses the bench's generation settings and seeds.
// DIR holds <condition>-csc.safetensors and <condition>-controlnet.safetensors (the bench's names).
//
// Every picture is also judged by the eval classifier (method-tuners.ts: createPromptJudge): the
// share of caption-named classes it shows, over report and validation pictures, says what a weight
// keeps of the prompt. `confirm.ts` then measures each chosen weight on fresh conditions.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../main/engine/io/atomic-write.ts';
import type { RgbaImage } from '../../main/engine/io/image.ts';
import { writePng } from '../../main/engine/io/image.ts';
import { rgbaToTensor } from '../../main/engine/pipeline/images.ts';
import {
  aggregateScores,
  type Fidelity,
  type ImageScore,
  METRICS,
} from '../../test/bench/control/aggregate.ts';
import { drawContactSheet } from '../../test/bench/control/contact-sheet.ts';
import type { DatasetSample } from '../../test/bench/control/datasets.ts';
import { EXPERIMENTS } from '../../test/bench/control/experiments.ts';
import { createJudge } from '../../test/bench/control/fidelity.ts';
import {
  CONTROL_BENCH_DEFAULTS,
  EXPERIMENT_NAMES,
  type ExperimentName,
  evalSeed,
} from '../../test/bench/control/options.ts';
import {
  heldoutConditions,
  loadMethodTuners,
  METHOD_LABEL,
  type Method,
  mixFor,
  openStudy,
  parseMethods,
  share,
} from './method-tuners.ts';

const REPORT = CONTROL_BENCH_DEFAULTS.evalImages;

const { values } = parseArgs({
  options: {
    tuners: { type: 'string' },
    weights: { type: 'string', default: '1,1.5,2' },
    conditions: { type: 'string', default: EXPERIMENT_NAMES.join(',') },
    validation: { type: 'string', default: '16' },
    methods: { type: 'string', default: 'csc,controlnet' },
    out: { type: 'string', default: 'test/bench/output/control-weights.json' },
  },
});
if (!values.tuners) throw new Error('--tuners DIR is required (the folder of trained tuner files)');
const weights = values.weights!.split(',').map(Number);
if (weights.some((w) => !Number.isFinite(w) || w <= 0))
  throw new Error(`--weights: positive numbers, got ${values.weights}`);
const validation = Number(values.validation);
const names = values.conditions!.split(',') as ExperimentName[];
const methods = parseMethods(values.methods!);
for (const n of names) if (!EXPERIMENT_NAMES.includes(n)) throw new Error(`unknown condition ${n}`);

const { log, model, o, gen, promptJudge } = await openStudy();

interface Row {
  condition: ExperimentName;
  method: Method | 'none';
  weight: number;
  report: Fidelity;
  validation: Fidelity;
  /** Share of caption-named classes the classifier finds in the pictures (report + validation). */
  promptAccuracy: { value: number; judgements: number };
}
const rows: Row[] = [];

for (const name of names) {
  const experiment = EXPERIMENTS[name];
  const samples = heldoutConditions(experiment, REPORT + validation, o.seed);
  const tuners = await loadMethodTuners(values.tuners, name, methods, model);
  const judge = await createJudge(experiment.condition, model.manifest.imageSize);
  const scores = new Map<string, ImageScore[]>();
  const sheetRows: RgbaImage[][] = [];
  const add = (key: string, s: ImageScore) => scores.set(key, [...(scores.get(key) ?? []), s]);
  const hits = new Map<string, boolean[]>();
  const classify = (key: string, picture: RgbaImage, sample: DatasetSample) =>
    hits.set(key, [...(hits.get(key) ?? []), ...promptJudge.hits(picture, sample, experiment.dataset)]);
  for (const [i, sample] of samples.entries()) {
    const condition = await judge.load(sample);
    const seed = evalSeed(o.seed, i);
    const map = rgbaToTensor(condition.map, '0,1');
    const part = i < REPORT ? 'report' : 'validation';
    const sheetRow: RgbaImage[] = [condition.map];
    try {
      const none = await gen.uncontrolled(sample.caption, seed);
      add(`none|1|${part}`, await judge.score(condition, none));
      classify('none|1', none, sample);
      sheetRow.push(none);
      for (const method of methods) {
        for (const weight of weights) {
          const image = await gen.run(sample.caption, seed, mixFor(tuners, method, map, weight));
          add(`${method}|${weight}|${part}`, await judge.score(condition, image));
          classify(`${method}|${weight}`, image, sample);
          sheetRow.push(image);
        }
      }
    } finally {
      map.dispose();
    }
    if (i < 8) sheetRows.push(sheetRow);
    if ((i + 1) % 4 === 0) log(`${name}: ${i + 1}/${samples.length} conditions`);
  }
  tuners.dispose();
  await judge.dispose();
  const sheet = join(dirname(values.out!), `control-weights-${name}.png`);
  mkdirSync(dirname(sheet), { recursive: true });
  await writePng(sheet, drawContactSheet(sheetRows));
  const fidelity = (key: string) => aggregateScores(experiment.metric, scores.get(key) ?? []);
  const promptAccuracy = (key: string) => share(hits.get(key) ?? []);
  rows.push({
    condition: name,
    method: 'none',
    weight: 0,
    report: fidelity('none|1|report'),
    validation: fidelity('none|1|validation'),
    promptAccuracy: promptAccuracy('none|1'),
  });
  for (const method of methods)
    for (const weight of weights)
      rows.push({
        condition: name,
        method,
        weight,
        report: fidelity(`${method}|${weight}|report`),
        validation: fidelity(`${method}|${weight}|validation`),
        promptAccuracy: promptAccuracy(`${method}|${weight}`),
      });
  log(
    `${name}: sheet ${sheet} (columns: map, no control, ${methods.map((m) => `${METHOD_LABEL[m]} at ${weights.join('/')}`).join(', ')})`,
  );
}

// Each method at the weight its validation conditions score best at.
const chosen = names.flatMap((name) => {
  const { higherIsBetter } = METRICS[EXPERIMENTS[name].metric];
  const better = (a: number, b: number) => (higherIsBetter ? a > b : a < b);
  return methods.map((method) => {
    const candidates = rows.filter((r) => r.condition === name && r.method === method);
    const best = candidates.reduce((b, r) =>
      better(r.validation.value ?? Number.NaN, b.validation.value ?? Number.NaN) ? r : b,
    );
    return {
      condition: name,
      method,
      weight: best.weight,
      report: best.report.value ?? Number.NaN,
      validation: best.validation.value ?? Number.NaN,
    };
  });
});
for (const r of rows)
  log(
    `${r.condition} ${r.method} w${r.weight}: report ${(r.report.value ?? Number.NaN).toFixed(4)} (${r.report.images} pictures), validation ${(r.validation.value ?? Number.NaN).toFixed(4)} (${r.validation.images}), prompt accuracy ${r.promptAccuracy.value.toFixed(3)} (${r.promptAccuracy.judgements})`,
  );
for (const c of chosen)
  log(
    `chosen: ${c.condition} ${c.method} weight ${c.weight}: validation ${c.validation.toFixed(4)}, report ${c.report.toFixed(4)}`,
  );
await writeFileAtomic(
  values.out!,
  `${JSON.stringify({ weights, validation, report: REPORT, rows, chosen }, null, 2)}\n`,
);
log(`wrote ${values.out}`);
