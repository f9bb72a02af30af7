// Chooses the tensor backend the engine runs on: the fastest one that actually works here.
// Order: TensorFlow with CUDA (tfjs-node-gpu) > TensorFlow CPU (tfjs-node) > wasm (SIMD) > cpu.
// tfjs-node(-gpu) are optional dependencies: their install downloads libtensorflow, which fails
// offline, and then npm leaves them out. Every step records why a faster backend was passed over.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerCpuKernelFixes } from './kernels/cpu/register.ts';
import { registerGradients } from './kernels/register-gradients.ts';
import { registerWasmKernelOverrides } from './kernels/wasm/register.ts';
import { startThreadedWasm, wasmThreadCount } from './kernels/wasm/threads/threaded-wasm.ts';
import { relaxedSimd } from './kernels/wasm/wasm-bytes.ts';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendPreference = BackendName | 'auto';

export interface BackendReport {
  chosen: BackendName;
  /** The name tfjs knows the backend by ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** Why the chosen backend won, and why each other one was not used. */
  reasons: Record<BackendName, string>;
  /** How the preference was given: environment variable, setting, or automatic. */
  source: 'env' | 'setting' | 'auto';
  simd: boolean;
  /** Whether wasm SIMD has relaxed SIMD's fused multiply-add (our matrix product uses it). */
  fusedMultiplyAdd: boolean;
  /** Threads the wasm backend computes with (1 elsewhere). */
  threads: number;
  /** Why the wasm backend has that many threads. */
  threadsReason: string;
  /** Kernels of ours registered over the stock ones (wasm only). */
  kernelOverrides: string[];
}

export const BACKEND_ENV_VAR = 'SCEDIT_BACKEND';
/** Threads for the wasm backend: a count, or 1 for tfjs's own single-threaded build. */
export const WASM_THREADS_ENV_VAR = 'SCEDIT_WASM_THREADS';

const require = createRequire(import.meta.url);

let current: BackendReport | null = null;
let pending: Promise<BackendReport> | null = null;

export function parseBackendPreference(value: string | undefined): BackendPreference | null {
  if (value === undefined || value.trim() === '') return null;
  const v = value.trim().toLowerCase();
  if (v === 'auto') return 'auto';
  if ((BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(
    `Unknown backend "${value}" in ${BACKEND_ENV_VAR} or settings; use one of: auto, ${BACKEND_NAMES.join(', ')}.`,
  );
}

type Attempt = { ok: true; tfBackend: string } | { ok: false; why: string };

function loadTensorflowPackage(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Attempt {
  try {
    require.resolve(pkg);
  } catch {
    return {
      ok: false,
      why: `${pkg} is not installed (an optional dependency; its install downloads libtensorflow, which needs internet${pkg.endsWith('gpu') ? ' and CUDA' : ''})`,
    };
  }
  try {
    require(pkg);
  } catch (err) {
    return { ok: false, why: `${pkg} is installed but failed to load: ${firstLine(err)}` };
  }
  return { ok: true, tfBackend: 'tensorflow' };
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}

async function activate(tfBackend: string): Promise<boolean> {
  try {
    return await tf.setBackend(tfBackend);
  } catch {
    return false;
  }
}

/** True when the TensorFlow backend reports a CUDA device. */
function tensorflowUsesGpu(): boolean {
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  return backend.isUsingGpuDevice === true;
}

export function parseThreadCount(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < 1 || n > 8) {
    throw new Error(`${WASM_THREADS_ENV_VAR} must be a whole number from 1 to 8, got "${value}".`);
  }
  return n;
}

let threadsReason = 'not the wasm backend';

/**
 * Threads the wasm backend takes unless told: every core but one, which the window (and the artist
 * drawing in it) keeps, and at most 4. On two cores that is one thread: a second one makes the
 * U-Net's training step ~20 % faster there (2026-11-26, with XNNPACK's pool at one thread), but
 * leaves the window no core.
 */
export function defaultWasmThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

/** Swaps in the multithreaded wasm build when more than one thread is wanted; notes why or why not. */
async function prepareWasmThreads(options: InitBackendOptions): Promise<void> {
  const fromEnv = parseThreadCount(process.env[WASM_THREADS_ENV_VAR]);
  const wanted = fromEnv ?? options.threads ?? defaultWasmThreads();
  const source =
    fromEnv !== null ? WASM_THREADS_ENV_VAR : options.threads !== undefined ? 'setting' : 'default';
  if (wanted <= 1) {
    threadsReason = `one thread (${source}): tfjs's single-threaded SIMD build`;
    return;
  }
  const result = await startThreadedWasm(wanted, { stockKernels: options.stockKernels });
  threadsReason = result.ok
    ? `${wanted} threads (${source}): the multithreaded SIMD build with our thread bootstrap`
    : `one thread: ${wanted} were wanted (${source}) but ${result.why}`;
}

async function tryBackend(name: BackendName, options: InitBackendOptions): Promise<Attempt> {
  switch (name) {
    case 'tensorflow-gpu': {
      const loaded = loadTensorflowPackage('@tensorflow/tfjs-node-gpu');
      if (!loaded.ok) return loaded;
      if (!(await activate('tensorflow')))
        return { ok: false, why: 'the TensorFlow backend failed to start' };
      if (!tensorflowUsesGpu()) return { ok: false, why: 'tfjs-node-gpu loaded but found no CUDA device' };
      return loaded;
    }
    case 'tensorflow': {
      const loaded = loadTensorflowPackage('@tensorflow/tfjs-node');
      if (!loaded.ok) return loaded;
      if (!(await activate('tensorflow')))
        return { ok: false, why: 'the TensorFlow backend failed to start' };
      return loaded;
    }
    case 'wasm': {
      // Without SIMD wasm is slower but still ahead of cpu; the report says which it got.
      await prepareWasmThreads(options);
      if (!(await activate('wasm'))) return { ok: false, why: 'the wasm backend failed to initialise' };
      return { ok: true, tfBackend: 'wasm' };
    }
    case 'cpu':
      if (!(await activate('cpu'))) return { ok: false, why: 'the cpu backend failed to start' };
      return { ok: true, tfBackend: 'cpu' };
  }
}

export interface InitBackendOptions {
  /** The user's setting; the environment variable wins over it. */
  setting?: BackendPreference;
  /** Skip our kernel overrides on wasm (to measure the stock kernels). */
  stockKernels?: boolean;
  /** Threads for the wasm backend; the environment variable wins over it. */
  threads?: number;
}

async function choose(options: InitBackendOptions): Promise<BackendReport> {
  const fromEnv = parseBackendPreference(process.env[BACKEND_ENV_VAR]);
  const preference: BackendPreference = fromEnv ?? options.setting ?? 'auto';
  const source: BackendReport['source'] = fromEnv ? 'env' : options.setting ? 'setting' : 'auto';

  const reasons = {} as Record<BackendName, string>;
  const order: readonly BackendName[] = preference === 'auto' ? BACKEND_NAMES : [preference];
  for (const name of BACKEND_NAMES) {
    if (!order.includes(name)) reasons[name] = `not tried: ${preference} was requested (${source})`;
  }
  let chosen: BackendName | null = null;
  let tfBackend = '';
  for (const name of order) {
    const attempt = await tryBackend(name, options);
    if (attempt.ok) {
      chosen = name;
      tfBackend = attempt.tfBackend;
      reasons[name] = preference === 'auto' ? 'the fastest backend available here' : `requested (${source})`;
      break;
    }
    reasons[name] = attempt.why;
  }
  if (chosen === null) {
    const tried = order.map((n) => `${n}: ${reasons[n]}`).join('; ');
    throw new Error(`No tensor backend could start (${tried}).`);
  }
  for (const name of BACKEND_NAMES) {
    reasons[name] ??= 'not needed: a faster backend was available';
  }
  await tf.ready();
  registerGradients();
  // The cpu backend is also the reference the wasm kernels are tested against, whichever is chosen.
  registerCpuKernelFixes();
  const kernelOverrides = tfBackend === 'wasm' && !options.stockKernels ? registerWasmKernelOverrides() : [];
  return {
    chosen,
    tfBackend,
    reasons,
    source,
    simd: tfBackend === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : false,
    fusedMultiplyAdd: tfBackend === 'wasm' ? relaxedSimd() : false,
    threads: tfBackend === 'wasm' ? wasmThreadCount() : 1,
    threadsReason: tfBackend === 'wasm' ? threadsReason : 'not the wasm backend',
    kernelOverrides,
  };
}

/** Starts the backend once per process; later calls return the same report. */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  if (current) return Promise.resolve(current);
  pending ??= choose(options).then(
    (report) => {
      current = report;
      return report;
    },
    (err) => {
      pending = null;
      throw err;
    },
  );
  return pending;
}

export function backendReport(): BackendReport | null {
  return current;
}

export function describeBackend(report: BackendReport): string {
  const lines = [`backend: ${report.chosen} (tfjs "${report.tfBackend}", chosen by ${report.source})`];
  if (report.tfBackend === 'wasm') {
    lines.push(
      `  wasm SIMD: ${report.simd ? 'yes' : 'no'}, fused multiply-add (relaxed SIMD): ${report.fusedMultiplyAdd ? 'yes' : 'no'}, threads: ${report.threads} (${report.threadsReason})`,
    );
    lines.push(
      `  kernel overrides: ${report.kernelOverrides.length ? report.kernelOverrides.join(', ') : 'none'}`,
    );
  }
  for (const name of BACKEND_NAMES) lines.push(`  ${name}: ${report.reasons[name]}`);
  return lines.join('\n');
}
