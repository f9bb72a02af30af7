// `npm run bench -- backend [--runs N] [--backends wasm,wasm-2-threads,wasm-stock,cpu]`: GFLOP/s of
// the products training spends its time in, per backend, side by side: wasm with our kernel
// overrides on one thread and on two (the multithreaded build, measured in a child process since
// a process holds one wasm module), wasm with tfjs's stock kernels (one run after a warm-up), and
// the cpu backend (one run each: it is ~100x slower). Medians.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../main/engine/backend.ts';
import {
  registerWasmKernelOverrides,
  unregisterWasmKernelOverrides,
} from '../../main/engine/kernels/wasm/register.ts';
import { median, table, timeRuns } from './stats.ts';

type Mode = 'wasm' | 'wasm-2-threads' | 'wasm-stock' | 'cpu';
const MODES: Mode[] = ['wasm', 'wasm-2-threads', 'wasm-stock', 'cpu'];
type InProcessMode = Exclude<Mode, 'wasm-2-threads'>;

interface Workload {
  name: string;
  flops: number;
  /** Builds the inputs once; returns the operation to time. */
  prepare: () => { run: () => void; dispose: () => void };
}

function random(shape: number[]): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', 7);
}

function conv(kind: 'forward' | 'backward-input' | 'backward-filter', x: number[], co: number): Workload {
  const [n, h, w, ci] = x as [number, number, number, number];
  const filter = [3, 3, ci, co];
  const dyShape = [n, h, w, co];
  return {
    name: `conv3x3 ${kind} [${x}]->${co}`,
    flops: 2 * n * h * w * 9 * ci * co,
    prepare: () => {
      const xs = random(x);
      const ws = random(filter);
      const dy = random(dyShape);
      const strides: [number, number] = [1, 1];
      const run = () => {
        let out: tf.Tensor;
        if (kind === 'forward') out = tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, 1, 'same');
        else if (kind === 'backward-input')
          out = tf
            .engine()
            .runKernel(
              'Conv2DBackpropInput',
              { dy, filter: ws },
              { strides, pad: 'same', dataFormat: 'NHWC', inputShape: x },
            ) as tf.Tensor;
        else
          out = tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x: xs, dy },
              { strides, pad: 'same', dataFormat: 'NHWC', filterShape: filter },
            ) as tf.Tensor;
        out.dispose();
      };
      return { run, dispose: () => tf.dispose([xs, ws, dy]) };
    },
  };
}

function matmul(name: string, a: number[], b: number[], transposeA: boolean, transposeB: boolean): Workload {
  const batch = a.length === 3 ? a[0]! : 1;
  const m = transposeA ? a[a.length - 1]! : a[a.length - 2]!;
  const k = transposeA ? a[a.length - 2]! : a[a.length - 1]!;
  const n = transposeB ? b[b.length - 2]! : b[b.length - 1]!;
  return {
    name: `${name} [${a}]${transposeA ? 'ᵀ' : ''} x [${b}]${transposeB ? 'ᵀ' : ''}`,
    flops: 2 * batch * m * k * n,
    prepare: () => {
      const x = random(a);
      const y = random(b);
      return {
        run: () => tf.matMul(x, y, transposeA, transposeB).dispose(),
        dispose: () => tf.dispose([x, y]),
      };
    },
  };
}

const workloads: Workload[] = [
  conv('forward', [1, 64, 64, 128], 128),
  conv('backward-input', [1, 64, 64, 128], 128),
  conv('backward-filter', [1, 64, 64, 128], 128),
  conv('forward', [8, 32, 32, 64], 64),
  conv('backward-input', [8, 32, 32, 64], 64),
  conv('backward-filter', [8, 32, 32, 64], 64),
  matmul('matmul', [1024, 1024], [1024, 1024], false, false),
  matmul('matmul', [1024, 1024], [1024, 1024], true, false),
  matmul('matmul', [1024, 1024], [1024, 1024], false, true),
  matmul('attention QKᵀ', [16, 256, 64], [16, 256, 64], false, true),
  matmul('attention PV', [16, 256, 256], [16, 256, 64], false, false),
  matmul('attention batched', [16, 256, 64], [16, 64, 256], false, false),
];

async function switchTo(mode: InProcessMode): Promise<void> {
  if (mode === 'cpu') {
    await tf.setBackend('cpu');
    return;
  }
  await tf.setBackend('wasm');
  if (mode === 'wasm') registerWasmKernelOverrides();
  else unregisterWasmKernelOverrides();
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Runs this benchmark's wasm column in a child process with two wasm threads. */
function twoThreadColumn(runs: number): Promise<Record<string, string>> {
  const runner = fileURLToPath(new URL('./run.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', runner, 'backend', '--json', '--backends', 'wasm', '--runs', String(runs)],
      { env: { ...process.env, SCEDIT_BACKEND: 'wasm', SCEDIT_WASM_THREADS: '2' }, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`the two-thread run failed: ${stderr.slice(-1000)}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, string>);
      },
    );
  });
}

export default async function backendBench(args: string[]): Promise<void> {
  const runs = Number(option(args, '--runs') ?? 5);
  const json = args.includes('--json');
  const modes = (option(args, '--backends')?.split(',') ?? MODES) as Mode[];
  for (const m of modes)
    if (!MODES.includes(m)) throw new Error(`--backends: unknown "${m}" (use ${MODES.join(', ')})`);
  process.env.SCEDIT_BACKEND ??= 'wasm';
  // The in-process columns are the single-threaded build; the two-thread column has its own process.
  process.env.SCEDIT_WASM_THREADS ??= '1';
  const report = await initBackend();
  if (report.tfBackend !== 'wasm')
    throw new Error(`this benchmark needs the wasm backend, got ${report.tfBackend}`);
  const os = await import('node:os');
  if (!json)
    console.log(
      `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; wasm SIMD ${report.simd}, threads ${report.threads}; ${runs} runs (cpu: 1), medians`,
    );

  const gflops = new Map<string, Record<Mode, string>>();
  if (modes.includes('wasm-2-threads')) {
    const column = await twoThreadColumn(runs);
    for (const w of workloads) {
      gflops.set(w.name, { ...gflops.get(w.name), 'wasm-2-threads': column[w.name] ?? '' } as Record<
        Mode,
        string
      >);
    }
  }
  for (const mode of modes) {
    if (mode === 'wasm-2-threads') continue;
    await switchTo(mode);
    for (const w of workloads) {
      const row = gflops.get(w.name) ?? ({} as Record<Mode, string>);
      const { run, dispose } = w.prepare();
      try {
        // The slow columns get fewer runs: a stock transposed product takes ~20 s, a cpu conv longer.
        const times =
          mode === 'cpu'
            ? await timeRuns(run, 1, 0)
            : mode === 'wasm-stock'
              ? await timeRuns(run, 1, 1)
              : await timeRuns(run, runs, 1);
        row[mode] = (w.flops / (median(times) * 1e6)).toFixed(1);
        if (!json) console.error(`${mode.padEnd(10)} ${w.name}: ${row[mode]} GFLOP/s`);
      } catch (err) {
        const missing = /not registered/.test(String(err));
        if (!missing) console.error(`${w.name} on ${mode}: ${String(err)}`);
        row[mode] = missing ? 'missing' : 'error';
      } finally {
        dispose();
      }
      gflops.set(w.name, row);
    }
  }
  await switchTo('wasm');
  if (json) {
    console.log(
      JSON.stringify(Object.fromEntries(workloads.map((w) => [w.name, gflops.get(w.name)?.wasm ?? '']))),
    );
    return;
  }
  console.log('GFLOP/s');
  const rows = workloads.map((w) => {
    const row: Record<string, string> = { workload: w.name };
    for (const m of MODES) if (modes.includes(m)) row[m] = gflops.get(w.name)?.[m] ?? '';
    return row;
  });
  console.log(table(rows));
}
