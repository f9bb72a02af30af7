// The TypeScript half of the PyTorch port's parity check (parity.py writes the other half): loads
// the tuner files PyTorch wrote with the engine's own loaders (tuner-file.ts, baseline-file.ts),
// applies them as generation does (composition.ts's prepareMix().forward) to the same inputs, and
// computes one batch's loss and gradients with the engine's training objectives; then compares
// with what PyTorch computed. Fails (exit 1) when the prediction differs by more than 1e-4.
//
//   /usr/bin/python3 scripts/control-study/parity.py --out .study/parity
//   npx tsx scripts/control-study/check-parity.ts --dir .study/parity
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../main/engine/backend.ts';
import { toTorchLayout } from '../../main/engine/io/param-file.ts';
import { openSafetensors } from '../../main/engine/io/safetensors.ts';
import { EMBEDDED_MODEL_DIR, loadDefaultModel } from '../../main/engine/pipeline/default-model.ts';
import type { LatentDiffusionModel } from '../../main/engine/pipeline/latent-diffusion-model.ts';
import { controlNetObjective } from '../../main/engine/train/baseline-objectives.ts';
import type { DiffusionBatch } from '../../main/engine/train/sample-stream.ts';
import { skipTunerObjective } from '../../main/engine/train/skip-tuner-objective.ts';
import { createTrainableTuner } from '../../main/engine/train/trainable-tuner.ts';
import type { TrainingObjective } from '../../main/engine/train/trainer.ts';
import { CONTROLNET_PREFIX, loadBaseline } from '../../main/engine/tuners/baseline-file.ts';
import { prepareMix, type TunerMix } from '../../main/engine/tuners/composition.ts';
import { CscTuner, type CscTunerConfig } from '../../main/engine/tuners/csc-tuner.ts';
import { CSC_PREFIX, inspectTuner, loadTuner } from '../../main/engine/tuners/tuner-file.ts';
import { readNpyF32 } from './npy.ts';

const TOLERANCE = 1e-4;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

interface CaseResult {
  case: string;
  predictionMaxAbsDiff: number;
  controlEffectMaxAbs: number;
  lossTs: number;
  lossPy: number;
  gradMaxAbsDiff: number;
  gradMaxAbs: number;
  gradWorstParam: string;
}

async function checkCase(
  model: LatentDiffusionModel,
  dir: string,
  method: 'csc' | 'controlnet',
  variant: string,
) {
  const caseDir = join(dir, `${method}-${variant}`);
  const file = join(
    dir,
    variant === 'trained' ? `${method}.safetensors` : `${method}-${variant}.safetensors`,
  );
  const read = (name: string) => readNpyF32(join(caseDir, `${name}.npy`));
  const x = read('x');
  const x0 = read('x0');
  const noise = read('noise');
  const context = read('context');
  const condition = read('condition');
  const expected = read('out');
  const t = read('t');
  const pyLoss = read('loss').data[0]!;
  const baseModel = { id: model.id, hash: model.hash };
  const xT = tf.tensor4d(x.data, x.shape as [number, number, number, number]);
  const tT = tf.tensor1d(t.data);
  const cT = tf.tensor3d(context.data, context.shape as [number, number, number]);
  const condT = tf.tensor4d(condition.data, condition.shape as [number, number, number, number]);
  let mix: TunerMix;
  let objective: TrainingObjective<DiffusionBatch>;
  let prefix: string;
  let dispose: () => void;
  if (method === 'csc') {
    const { tuner } = await loadTuner(file, { baseModel, layout: { skips: model.unet.skipInfo } });
    if (!(tuner instanceof CscTuner)) throw new Error(`${file} is not a CSC-Tuner`);
    mix = { sc: [], csc: [{ tuner, condition: condT, weight: 1 }] };
    objective = skipTunerObjective(model, tuner);
    prefix = CSC_PREFIX;
    dispose = () => tuner.dispose();
  } else {
    const { baseline } = await loadBaseline(file, {
      baseModel,
      unet: model.unet,
      latentFactor: model.vaeFactor,
    });
    if (baseline.kind !== 'controlnet') throw new Error(`${file} is not a ControlNet`);
    mix = { sc: [], csc: [], controlNets: [{ tuner: baseline.tuner, condition: condT, weight: 1 }] };
    objective = controlNetObjective(model, baseline.tuner);
    prefix = CONTROLNET_PREFIX;
    dispose = () => baseline.tuner.dispose();
  }
  try {
    const prepared = prepareMix(mix);
    const out = prepared.forward(model.unet, xT, tT, cT, 0);
    const base = model.unet.forward(xT, tT, cT);
    const outData = (await out.data()) as Float32Array;
    const baseData = (await base.data()) as Float32Array;
    tf.dispose([out, base]);
    prepared.dispose();
    const batch: DiffusionBatch = {
      x0: tf.tensor4d(x0.data, x0.shape as [number, number, number, number]),
      noise: tf.tensor4d(noise.data, noise.shape as [number, number, number, number]),
      timesteps: Array.from(t.data),
      context: cT,
      condition: condT,
      samples: [],
    };
    const { loss, grads } = objective.lossAndGrads(batch);
    const pyGrads = await openSafetensors(join(caseDir, 'grads.safetensors'));
    let gradDiff = 0;
    let gradMax = 0;
    let worst = '';
    try {
      for (const [i, p] of objective.params.entries()) {
        const ours = toTorchLayout(p.spec, (await grads[i]!.data()) as Float32Array);
        const theirs = await pyGrads.read(`${prefix}${p.name}`);
        const d = maxAbsDiff(ours, theirs);
        if (d > gradDiff) {
          gradDiff = d;
          worst = p.name;
        }
        gradMax = Math.max(gradMax, maxAbs(theirs));
      }
      if (pyGrads.keys().length !== objective.params.length)
        throw new Error(
          `${pyGrads.keys().length} PyTorch gradients for ${objective.params.length} parameters`,
        );
    } finally {
      await pyGrads.close();
      tf.dispose([...grads, batch.x0, batch.noise]);
    }
    let effect = 0;
    for (let i = 0; i < outData.length; i++) effect = Math.max(effect, Math.abs(outData[i]! - baseData[i]!));
    const result: CaseResult = {
      case: `${method}-${variant}`,
      predictionMaxAbsDiff: maxAbsDiff(outData, expected.data),
      controlEffectMaxAbs: effect,
      lossTs: loss,
      lossPy: pyLoss,
      gradMaxAbsDiff: gradDiff,
      gradMaxAbs: gradMax,
      gradWorstParam: worst,
    };
    return result;
  } finally {
    dispose();
    tf.dispose([xT, tT, cT, condT]);
  }
}

/** Max abs difference of PyTorch's initial weights from the engine's seeded ones (same seed). */
async function checkInit(
  model: LatentDiffusionModel,
  dir: string,
  method: 'csc' | 'controlnet',
  condition: string,
) {
  const file = join(dir, `${method}-init.safetensors`);
  // A CSC-Tuner is built from the file's own config (it may set downsampleHintKernel), seed 0 as training.
  const cscConfig = method === 'csc' ? ((await inspectTuner(file)).config as CscTunerConfig) : null;
  const csc = cscConfig ? new CscTuner(cscConfig, { seed: 0 }) : null;
  const tuner = csc
    ? { params: csc.params.list(), dispose: () => csc.dispose() }
    : createTrainableTuner(model, { kind: method, condition, downRatio: 1, rank: 4, seed: 0 });
  const py = await openSafetensors(file);
  const prefix = method === 'csc' ? CSC_PREFIX : CONTROLNET_PREFIX;
  let worst = 0;
  try {
    for (const p of tuner.params) {
      const ours = toTorchLayout(p.spec, (await p.value.data()) as Float32Array);
      worst = Math.max(worst, maxAbsDiff(ours, await py.read(`${prefix}${p.name}`)));
    }
  } finally {
    await py.close();
    tuner.dispose();
  }
  return { case: `${method}-init`, initMaxAbsDiff: worst };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string', default: '.study/parity' } } });
  const dir = values.dir!;
  await initBackend();
  const model = await loadDefaultModel(EMBEDDED_MODEL_DIR);
  const results: CaseResult[] = [];
  for (const method of ['csc', 'controlnet'] as const)
    for (const variant of ['trained', 'perturbed'])
      if (existsSync(join(dir, `${method}-${variant}`)))
        results.push(await checkCase(model, dir, method, variant));
  console.table(results);
  const inits = [];
  for (const method of ['csc', 'controlnet'] as const)
    if (existsSync(join(dir, `${method}-init.safetensors`)))
      inits.push(await checkInit(model, dir, method, 'depth'));
  console.table(inits);
  model.dispose();
  const bad = results.filter((r) => !(r.predictionMaxAbsDiff <= TOLERANCE));
  if (results.length === 0 || bad.length > 0) {
    console.error(
      `parity FAILED (tolerance ${TOLERANCE}): ${bad.map((r) => r.case).join(', ') || 'no cases found'}`,
    );
    process.exit(1);
  }
  console.log(`parity OK: every prediction within ${TOLERANCE}`);
}

await main();
