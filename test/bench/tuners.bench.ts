// `npm run bench -- tuners [--batches 1,4,8] [--steps 3]`: trainable parameters, peak training
// memory (tfjs peak bytes and process RSS) and step time on the embedded config, for SC-Tuner vs
// LoRA vs full fine-tuning, and CSC-Tuner vs ControlNet. Each case runs in its own process so
// that RSS is its own; an Adam step is included so optimiser state counts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../main/engine/backend.ts';
import { embedded } from '../../main/engine/models/configs/embedded.ts';
import { UNet } from '../../main/engine/models/unet/unet.ts';
import {
  controlNetLossAndGrads,
  fullFineTuneLossAndGrads,
  loraLossAndGrads,
} from '../../main/engine/tuners/baseline-training.ts';
import { prepareMix } from '../../main/engine/tuners/composition.ts';
import { ControlNet } from '../../main/engine/tuners/controlnet.ts';
import { cscParameterBudget } from '../../main/engine/tuners/csc-budget.ts';
import { CscTuner, defaultCscTunerConfig } from '../../main/engine/tuners/csc-tuner.ts';
import { LoraTuner } from '../../main/engine/tuners/lora.ts';
import { ScTuner } from '../../main/engine/tuners/sc-tuner.ts';
import { type SkipTrainingResult, skipTunerLossAndGrads } from '../../main/engine/tuners/skip-training.ts';
import { median, table } from './stats.ts';

const METHODS = ['sc', 'lora', 'full', 'csc', 'controlnet'] as const;
type Method = (typeof METHODS)[number];
const LATENT = 16;
const IMAGE = 64;

interface CaseResult {
  method: Method;
  batch: number;
  params: number;
  peakMiB: number;
  rssMiB: number;
  stepMs: number;
}

async function runCase(method: Method, batch: number, steps: number, loraRank: number): Promise<CaseResult> {
  await initBackend();
  const unet = new UNet(embedded.unet, { seed: 1, trainable: method === 'full' });
  const layout = { skips: unet.skipInfo };
  const x = tf.randomNormal([batch, LATENT, LATENT, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
  const t = tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 97) % 1000));
  const context = tf.randomNormal(
    [batch, embedded.text.contextLength, embedded.unet.contextDim],
    0,
    1,
    'float32',
    2,
  ) as tf.Tensor3D;
  const target = tf.randomNormal(x.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
  const condition = tf.randomUniform([batch, IMAGE, IMAGE, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  const b = { x, t, context, target };
  let step: () => SkipTrainingResult;
  let variables: tf.Variable[];
  if (method === 'sc') {
    const sc = new ScTuner({ layout, downRatio: 1 });
    variables = sc.params.variables();
    step = () =>
      skipTunerLossAndGrads(
        unet,
        b,
        () => prepareMix({ sc: [{ tuner: sc, scale: 1 }], csc: [] }).skipHookAt(0)!,
        variables,
      );
  } else if (method === 'csc') {
    const csc = new CscTuner(
      defaultCscTunerConfig(layout, 'canny', IMAGE / LATENT, {
        maxParameters: cscParameterBudget(unet, IMAGE / LATENT),
      }),
    );
    variables = csc.params.variables();
    step = () =>
      skipTunerLossAndGrads(
        unet,
        b,
        () => {
          const hints = csc.hints(condition);
          return (j, skip) => tf.add(skip, csc.control(j, skip, hints[j]!)) as tf.Tensor4D;
        },
        variables,
      );
  } else if (method === 'lora') {
    const lora = new LoraTuner(unet, { rank: loraRank });
    variables = lora.params.variables();
    step = () => loraLossAndGrads(unet, lora, b);
  } else if (method === 'controlnet') {
    const cn = new ControlNet(unet, { latentFactor: IMAGE / LATENT, conditionChannels: 3 });
    variables = cn.variables();
    step = () => controlNetLossAndGrads(unet, cn, b, condition);
  } else {
    variables = unet.variables();
    step = () => fullFineTuneLossAndGrads(unet, b);
  }
  const params = variables.reduce((n, v) => n + v.size, 0);
  const optimizer = tf.train.adam(1e-4);
  const times: number[] = [];
  let peak = 0;
  for (let i = 0; i < steps + 1; i++) {
    const t0 = performance.now();
    const profile = await tf.profile(() => {
      const { grads } = step();
      (optimizer as tf.Optimizer).applyGradients(grads);
      tf.dispose(Object.values(grads));
    });
    if (i > 0) times.push(performance.now() - t0);
    peak = Math.max(peak, profile.peakBytes);
  }
  return {
    method,
    batch,
    params,
    peakMiB: peak / 2 ** 20,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    stepMs: median(times),
  };
}

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

export default async function tunersBench(args: string[]): Promise<void> {
  const steps = Number(flag(args, '--steps', '3'));
  const loraRank = Number(flag(args, '--lora-rank', '8'));
  if (args[0] === '--one') {
    const result = await runCase(args[1] as Method, Number(args[2]), steps, loraRank);
    console.log(`RESULT ${JSON.stringify(result)}`);
    return;
  }
  const batches = flag(args, '--batches', '1,4,8').split(',').map(Number);
  const runner = fileURLToPath(new URL('./run.ts', import.meta.url));
  const results: CaseResult[] = [];
  for (const batch of batches) {
    for (const method of METHODS) {
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          runner,
          'tuners',
          '--one',
          method,
          String(batch),
          '--steps',
          String(steps),
          '--lora-rank',
          String(loraRank),
        ],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`case ${method} batch ${batch} failed:\n${child.stderr}`);
      results.push(JSON.parse(line.slice(7)));
      console.error(`done ${method} batch ${batch}`);
    }
  }
  const by = (m: Method, b: number) => results.find((r) => r.method === m && r.batch === b)!;
  console.log(
    `\nTuner training on the embedded config (16x16x4 latents), wasm, LoRA rank ${loraRank}, median of ${steps} steps`,
  );
  console.log(
    table(
      results.map((r) => ({
        method: r.method,
        batch: r.batch,
        'trainable params': r.params,
        'tfjs peak MiB': r.peakMiB,
        'RSS MiB': r.rssMiB,
        'step ms': r.stepMs,
      })),
    ),
  );
  console.log('\nRatios (same batch):');
  console.log(
    table(
      batches.map((b) => ({
        batch: b,
        'SC/LoRA peak': by('sc', b).peakMiB / by('lora', b).peakMiB,
        'SC/full peak': by('sc', b).peakMiB / by('full', b).peakMiB,
        'CSC/ControlNet params': by('csc', b).params / by('controlnet', b).params,
        'CSC/ControlNet peak': by('csc', b).peakMiB / by('controlnet', b).peakMiB,
        'SC/LoRA step': by('sc', b).stepMs / by('lora', b).stepMs,
        'CSC/ControlNet step': by('csc', b).stepMs / by('controlnet', b).stepMs,
      })),
    ),
  );
}
