// Each method at the weight the weight study chose for it, measured on fresh held-out conditions:
// the sweep chose on its validation conditions and reported on the bench's 16, so these N pictures
// were seen by neither. With the difference CSC - ControlNet's 95 % interval from a paired bootstrap
// over conditions (both methods resampled together), and prompt accuracy as in weights.ts.
//
//   node --import tsx scripts/control-study/confirm.ts --tuners DIR --chosen WEIGHTS.json [--n 64]
//     [--conditions …] [--weight W] [--out FILE]
//
// WEIGHTS.json is what weights.ts wrote (its `chosen`, `report` and `validation`), or several such
// files separated by commas (one sweep per method); the fresh
// conditions are the held-out split's next N in the bench's seeded order, after those it used.
// --weight W puts both methods at W instead (a like-for-like comparison at one weight).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../main/engine/io/atomic-write.ts';
import { rgbaToTensor } from '../../main/engine/pipeline/images.ts';
import { uniformStream } from '../../main/engine/train/rng.ts';
import { aggregateScores, type ImageScore, METRICS } from '../../test/bench/control/aggregate.ts';
import { EXPERIMENTS } from '../../test/bench/control/experiments.ts';
import { createJudge } from '../../test/bench/control/fidelity.ts';
import { EXPERIMENT_NAMES, type ExperimentName, evalSeed } from '../../test/bench/control/options.ts';
import {
  heldoutConditions,
  loadMethodTuners,
  type Method,
  mixFor,
  openStudy,
  share,
} from './method-tuners.ts';

const { values } = parseArgs({
  options: {
    tuners: { type: 'string' },
    chosen: { type: 'string' },
    n: { type: 'string', default: '64' },
    conditions: { type: 'string' },
    resamples: { type: 'string', default: '2000' },
    weight: { type: 'string' },
    out: { type: 'string', default: 'test/bench/output/control-confirm.json' },
  },
});
if (!values.tuners || !values.chosen) throw new Error('--tuners DIR and --chosen WEIGHTS.json are required');
interface Sweep {
  report: number;
  validation: number;
  chosen: { condition: ExperimentName; method: Method; weight: number }[];
}
// One sweep per method (weights.ts --methods csc, then controlnet) is fine: their choices join.
const sweeps = values.chosen.split(',').map((file) => JSON.parse(readFileSync(file, 'utf8')) as Sweep);
for (const s of sweeps)
  if (s.report !== sweeps[0]!.report || s.validation !== sweeps[0]!.validation)
    throw new Error(`--chosen: the sweeps used different report/validation counts; they cannot be joined`);
const sweep: Sweep = { ...sweeps[0]!, chosen: sweeps.flatMap((s) => s.chosen) };
const n = Number(values.n);
if (!Number.isInteger(n) || n < 2) throw new Error(`--n: a whole number of conditions >= 2, got ${values.n}`);
const skip = sweep.report + sweep.validation;
const names = (values.conditions?.split(',') ?? [
  ...new Set(sweep.chosen.map((c) => c.condition)),
]) as ExperimentName[];
for (const name of names) if (!EXPERIMENT_NAMES.includes(name)) throw new Error(`unknown condition ${name}`);
const fixedWeight = values.weight === undefined ? null : Number(values.weight);
if (fixedWeight !== null && !(fixedWeight > 0))
  throw new Error(`--weight: a positive number, got ${values.weight}`);
const weightOf = (name: ExperimentName, method: Method) => {
  if (fixedWeight !== null) return fixedWeight;
  const c = sweep.chosen.find((x) => x.condition === name && x.method === method);
  if (!c) throw new Error(`${values.chosen}: no chosen weight for ${name} ${method}`);
  return c.weight;
};

const { log, model, o, gen, promptJudge } = await openStudy();
const methods: Method[] = ['csc', 'controlnet'];

/** The 2.5th and 97.5th percentiles of CSC - ControlNet over conditions resampled with replacement. */
function pairedInterval(
  metric: ImageScore['metric'],
  csc: ImageScore[],
  controlNet: ImageScore[],
  resamples: number,
): [number, number] {
  const uniform = uniformStream(7);
  const diffs: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const picks = Array.from({ length: csc.length }, () => Math.floor(uniform() * csc.length));
    const a = aggregateScores(
      metric,
      picks.map((i) => csc[i]!),
    ).value!;
    const b = aggregateScores(
      metric,
      picks.map((i) => controlNet[i]!),
    ).value!;
    diffs.push(a - b);
  }
  diffs.sort((x, y) => x - y);
  return [diffs[Math.floor(0.025 * resamples)]!, diffs[Math.ceil(0.975 * resamples) - 1]!];
}

const results = [];
for (const name of names) {
  const experiment = EXPERIMENTS[name];
  const samples = heldoutConditions(experiment, skip + n, o.seed);
  if (samples.length < skip + n)
    throw new Error(`${name}: only ${samples.length - skip} fresh held-out conditions`);
  const tuners = await loadMethodTuners(values.tuners, name, methods, model);
  const judge = await createJudge(experiment.condition, model.manifest.imageSize);
  const scores: Record<Method | 'none', ImageScore[]> = { none: [], csc: [], controlnet: [] };
  const hits: Record<Method | 'none', boolean[]> = { none: [], csc: [], controlnet: [] };
  for (let i = skip; i < skip + n; i++) {
    const sample = samples[i]!;
    const condition = await judge.load(sample);
    const seed = evalSeed(o.seed, i);
    const map = rgbaToTensor(condition.map, '0,1');
    try {
      const none = await gen.uncontrolled(sample.caption, seed);
      scores.none.push(await judge.score(condition, none));
      hits.none.push(...promptJudge.hits(none, sample, experiment.dataset));
      for (const method of methods) {
        const image = await gen.run(
          sample.caption,
          seed,
          mixFor(tuners, method, map, weightOf(name, method)),
        );
        scores[method].push(await judge.score(condition, image));
        hits[method].push(...promptJudge.hits(image, sample, experiment.dataset));
      }
    } finally {
      map.dispose();
    }
    if ((i - skip + 1) % 8 === 0) log(`${name}: ${i - skip + 1}/${n} conditions`);
  }
  tuners.dispose();
  await judge.dispose();
  const value = (m: Method | 'none') => aggregateScores(experiment.metric, scores[m]).value!;
  const interval = pairedInterval(experiment.metric, scores.csc, scores.controlnet, Number(values.resamples));
  const result = {
    condition: name,
    metric: experiment.metric,
    higherIsBetter: METRICS[experiment.metric].higherIsBetter,
    conditions: n,
    none: { value: value('none'), promptAccuracy: share(hits.none) },
    csc: { weight: weightOf(name, 'csc'), value: value('csc'), promptAccuracy: share(hits.csc) },
    controlnet: {
      weight: weightOf(name, 'controlnet'),
      value: value('controlnet'),
      promptAccuracy: share(hits.controlnet),
    },
    difference: { value: value('csc') - value('controlnet'), interval95: interval },
    perCondition: { csc: scores.csc, controlnet: scores.controlnet, none: scores.none },
  };
  results.push(result);
  log(
    `${name}: none ${result.none.value.toFixed(4)}, CSC@${result.csc.weight} ${result.csc.value.toFixed(4)}, ControlNet@${result.controlnet.weight} ${result.controlnet.value.toFixed(4)}; CSC - ControlNet ${result.difference.value.toFixed(4)} [${interval.map((x) => x.toFixed(4)).join(', ')}]; prompt accuracy ${result.none.promptAccuracy.value.toFixed(3)} / ${result.csc.promptAccuracy.value.toFixed(3)} / ${result.controlnet.promptAccuracy.value.toFixed(3)}`,
  );
}
mkdirSync(dirname(values.out!), { recursive: true });
await writeFileAtomic(
  values.out!,
  `${JSON.stringify({ sweep: values.chosen, skip, n, fixedWeight, results }, null, 2)}\n`,
);
log(`wrote ${values.out}`);
