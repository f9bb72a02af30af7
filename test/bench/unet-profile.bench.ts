// `npm run bench -- unet-profile [--runs N] [--stock] [--shapes]`: where one U-Net training step
// (batch 8, epsilon MSE + Adam over every weight, as `unet` measures it) spends its time, by
// kernel. Every kernel registered for the backend is wrapped in a CPU-time timer (kernels our overrides
// call directly count inside their caller); what the step takes beyond the kernels' sum is tape,
// tidy and op bookkeeping. --shapes also lists the costliest input shapes of the top kernels.
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../../main/engine/backend.ts';
import { embedded } from '../../main/engine/models/configs/embedded.ts';
import { UNet } from '../../main/engine/models/unet/unet.ts';
import { median, table } from './stats.ts';
import { unetTrainingStep } from './unet-training-step.ts';

interface KernelTally {
  ms: number;
  calls: number;
  flops: number;
  byShape: Map<string, { ms: number; calls: number }>;
}

/** Process CPU time: on a machine shared with other jobs, wall time measures them too. */
function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

const tallies = new Map<string, KernelTally>();
let counting = false;
// Kernels our overrides run from inside themselves count in their caller's time only.
let depth = 0;

function wrapBackendKernels(backendName: string): void {
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (!counting || depth > 0) return inner(args);
        depth += 1;
        const t0 = cpuMs();
        let out: ReturnType<typeof inner>;
        try {
          out = inner(args);
        } finally {
          depth -= 1;
        }
        const ms = cpuMs() - t0;
        const tally = tallies.get(name) ?? { ms: 0, calls: 0, flops: 0, byShape: new Map() };
        tally.ms += ms;
        tally.calls += 1;
        tally.flops += productFlops(
          name,
          args.inputs as Record<string, tf.TensorInfo>,
          (args.attrs ?? {}) as Record<string, unknown>,
          out,
        );
        const key = Object.values(args.inputs)
          .map((t) => `[${(t as tf.TensorInfo).shape.join(',')}]`)
          .join(' ')
          .concat(name === 'BatchMatMul' ? ` tA=${args.attrs?.transposeA} tB=${args.attrs?.transposeB}` : '');
        const s = tally.byShape.get(key) ?? { ms: 0, calls: 0 };
        s.ms += ms;
        s.calls += 1;
        tally.byShape.set(key, s);
        tallies.set(name, tally);
        return out;
      },
    });
  }
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Multiply-adds × 2 of the products and convolutions (0 for other kernels). */
function productFlops(
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
  out: tf.TensorInfo | tf.TensorInfo[],
): number {
  const y = Array.isArray(out) ? out[0]! : out;
  switch (name) {
    case 'BatchMatMul': {
      const a = inputs.a!.shape;
      const k = attrs.transposeA ? a[a.length - 2]! : a[a.length - 1]!;
      return 2 * size(y.shape) * k;
    }
    case 'Conv2D':
    case 'Conv2DBackpropInput': {
      const f = inputs.filter!.shape;
      const big = name === 'Conv2D' ? y.shape : inputs.dy!.shape;
      return 2 * size(big) * f[0]! * f[1]! * f[2]!;
    }
    case 'Conv2DBackpropFilter': {
      const f = y.shape;
      return 2 * size(inputs.dy!.shape) * f[0]! * f[1]! * f[2]!;
    }
    default:
      return 0;
  }
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
}

export default async function unetProfileBench(args: string[]): Promise<void> {
  const runs = option(args, '--runs', 3);
  const report = await initBackend({ stockKernels: args.includes('--stock') });
  console.log(describeBackend(report));
  wrapBackendKernels(report.tfBackend);

  const unet = new UNet(embedded.unet, { seed: 1 });
  const variables = unet.variables();
  const training = unetTrainingStep(unet, embedded.text.contextLength, embedded.text.width);
  const step = () => training.run();
  await step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    counting = true;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await step();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    counting = false;
  }
  const kernelMs = [...tallies.values()].reduce((s, k) => s + k.ms, 0) / runs;
  const calls = [...tallies.values()].reduce((s, k) => s + k.calls, 0) / runs;
  console.log(
    `training step, batch 8: median ${median(wall).toFixed(1)} ms wall, ${median(cpu).toFixed(1)} ms cpu; ` +
      `kernels ${kernelMs.toFixed(1)} ms in ${calls} calls per step; ${variables.length} variables`,
  );
  const sorted = [...tallies.entries()].sort((a, b) => b[1].ms - a[1].ms);
  console.log(
    table(
      sorted.map(([name, k]) => ({
        kernel: name,
        'ms/step': k.ms / runs,
        'calls/step': k.calls / runs,
        'µs/call': (k.ms / k.calls) * 1000,
        'GFLOP/s': k.flops > 0 ? k.flops / k.ms / 1e6 : '',
        share: k.ms / runs / kernelMs,
      })),
    ),
  );
  if (args.includes('--shapes')) {
    for (const [name, k] of sorted.slice(0, 12)) {
      const shapes = [...k.byShape.entries()]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, name === 'BatchMatMul' ? 30 : 8);
      console.log(`\n${name}:`);
      for (const [key, s] of shapes) {
        console.log(`  ${(s.ms / runs).toFixed(2)} ms, ${s.calls / runs} calls  ${key}`);
      }
    }
  }
  training.dispose();
  unet.dispose();
}
