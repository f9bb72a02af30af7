// Measures the shipped condition tuners the way assets/tuners/README.md reports them: on held-out
// scenes of the embedded model's datasets (never trained on), the scene's caption as the prompt,
// the same seed with no tuner and with the tuner at each weight, scored by the control benchmark's
// judges (test/bench/control/fidelity.ts: canny edge F1 at 1 px, depth RMSE of the figure-world
// depth network's estimate, pose PCK@0.1 of the figure-world keypoint network).
//   node --import tsx scripts/ship-tuners/evaluate.ts [--tuners DIR] [--n 8] [--weights 1,2]
//        [--steps 20] [--guidance 4] [--out test/bench/output/shipped-tuners.json]
// DIR holds canny.safetensors, depth.safetensors and pose.safetensors (default assets/tuners).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../main/engine/backend.ts';
import { writeFileAtomicSync } from '../../main/engine/io/atomic-write.ts';
import { loadDefaultModel } from '../../main/engine/pipeline/default-model.ts';
import { generate } from '../../main/engine/pipeline/generate.ts';
import { rgbaToTensor } from '../../main/engine/pipeline/images.ts';
import type { CscTuner } from '../../main/engine/tuners/csc-tuner.ts';
import { loadTuner } from '../../main/engine/tuners/tuner-file.ts';
import { SOURCE_TREE_TUNERS_DIR } from '../../main/library/shipped-tuners-manifest.ts';
import { aggregateScores, type ConditionKind, type ImageScore } from '../../test/bench/control/aggregate.ts';
import { pickSamples, readSplit } from '../../test/bench/control/datasets.ts';
import { createJudge } from '../../test/bench/control/fidelity.ts';

const SETS: { name: string; dataset: string; condition: ConditionKind }[] = [
  { name: 'canny, figure scenes', dataset: 'figures', condition: 'canny' },
  { name: 'canny, emoji', dataset: 'emoji', condition: 'canny' },
  { name: 'depth', dataset: 'figures', condition: 'depth' },
  { name: 'pose', dataset: 'figures', condition: 'pose' },
];

const { values } = parseArgs({
  options: {
    tuners: { type: 'string', default: SOURCE_TREE_TUNERS_DIR },
    n: { type: 'string', default: '8' },
    weights: { type: 'string', default: '1,2' },
    steps: { type: 'string', default: '20' },
    guidance: { type: 'string', default: '4' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string', default: 'test/bench/output/shipped-tuners.json' },
  },
});
const n = Number(values.n);
const weights = values.weights!.split(',').map(Number);
if (!Number.isInteger(n) || n < 1) throw new Error(`--n must be a positive integer, got "${values.n}"`);
if (weights.some((w) => !Number.isFinite(w)))
  throw new Error(`--weights must be numbers, got "${values.weights}"`);

await initBackend();
const model = await loadDefaultModel();
const size = model.manifest.imageSize;
console.log(
  `model ${model.id} (${model.shortHash}); tuners from ${values.tuners}; ${n} held-out scenes per set`,
);
const results: Record<string, unknown>[] = [];
const tensorsBefore = tf.memory().numTensors;
for (const set of SETS) {
  const file = join(values.tuners!, `${set.condition}.safetensors`);
  if (!existsSync(file)) throw new Error(`${file} is missing (expected one tuner file per condition)`);
  const { tuner } = await loadTuner(file, {
    baseModel: { id: model.id, hash: model.hash },
    layout: { skips: model.unet.skipInfo },
  });
  const judge = await createJudge(set.condition, size);
  const needs = set.condition === 'canny' ? [] : [set.condition];
  const samples = pickSamples(readSplit(set.dataset, 'heldout'), n, Number(values.seed), needs);
  const scores = new Map<string, ImageScore[]>([
    ['none', []],
    ...weights.map((w) => [`weight ${w}`, []] as [string, ImageScore[]]),
  ]);
  for (const [i, sample] of samples.entries()) {
    const condition = await judge.load(sample);
    const options = {
      prompt: sample.caption,
      seed: 1000 + i,
      steps: Number(values.steps),
      guidance: Number(values.guidance),
      sampler: 'euler' as const,
      width: size,
      height: size,
    };
    scores.get('none')!.push(await judge.score(condition, (await generate(model, options)).image));
    const map = rgbaToTensor(condition.map, '0,1');
    try {
      for (const weight of weights) {
        const mix = { sc: [], csc: [{ tuner: tuner as CscTuner, condition: map, weight }] };
        const { image } = await generate(model, { ...options, mix });
        scores.get(`weight ${weight}`)!.push(await judge.score(condition, image));
      }
    } finally {
      map.dispose();
    }
  }
  tuner.dispose();
  await judge.dispose();
  const metric = scores.get('none')![0]!.metric;
  const fidelity = Object.fromEntries([...scores].map(([k, v]) => [k, aggregateScores(metric, v)]));
  results.push({ set: set.name, condition: set.condition, metric, fidelity });
  console.log(
    `${set.name} (${metric}): ${[...Object.entries(fidelity)].map(([k, f]) => `${k} ${f.value?.toFixed(3)}`).join(', ')}`,
  );
}
if (tf.memory().numTensors !== tensorsBefore)
  console.log(`warning: ${tf.memory().numTensors - tensorsBefore} tensors left behind`);
writeFileAtomicSync(
  values.out!,
  `${JSON.stringify({ model: { id: model.id, hash: model.hash }, tuners: values.tuners, n, weights, steps: Number(values.steps), guidance: Number(values.guidance), results }, null, 2)}\n`,
);
console.log(`wrote ${values.out}`);
model.dispose();
