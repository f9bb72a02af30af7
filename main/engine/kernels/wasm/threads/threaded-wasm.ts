// tfjs-backend-wasm's multithreaded (pthreads + SIMD) build under Node. tfjs turns threads off in
// Node, and forcing them on fails (it hands the thread bootstrap over as a Blob URL, which Node's
// worker_threads reject with ERR_WORKER_PATH). This loads the same build with a bootstrap file of
// ours (pthread-worker.cjs) and registers it as the 'wasm' backend, so every kernel, stock or
// ours, runs on it with its heap shared between threads.
//
// XNNPACK's own thread pool is kept to one thread when our kernels run the products and
// convolutions (the helpers of gemm-threads.ts take those threads): its workers spin for work after
// each op they share, and on two cores that spinning took the core our helper needed, so a training
// step with both pools at two threads was slower than on one thread, and ~20 % faster with only
// ours (alternating runs, 2026-11-26). The build sizes its pool from the logical core count halved
// (assuming two hardware threads per core); the count it sees is the wasm import
// `emscripten_num_logical_cores`, answered here with twice the threads XNNPACK is to have.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);
const MAX_THREADS = 8;

let started = 1;

/** Threads the wasm backend computes on (the caller and its helpers): 1 unless the threaded build started. */
export function wasmThreadCount(): number {
  return started;
}

interface EmscriptenImports {
  env: Record<string, unknown>;
  [module: string]: unknown;
}

type WasmModule = ConstructorParameters<typeof BackendWasm>[0] & {
  PThread: { runningWorkers: { unref(): void }[] };
  cwrap: (name: string, returns: string | null, args: string[]) => (...args: number[]) => number;
  tfjs: Record<string, unknown>;
};

// The Node typings here lack the WebAssembly JS API; only these two calls are needed.
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: {
      compile(bytes: Uint8Array): Promise<object>;
      Instance: new (module: object, imports: object) => { exports: object };
    };
  }
).WebAssembly;

type ThreadedFactory = (config: Record<string, unknown>) => Promise<WasmModule>;

export type ThreadedWasmResult = { ok: true; threads: number } | { ok: false; why: string };

/** Worker threads cannot load scripts from inside the packaged app's asar archive; electron-builder.yml
 * unpacks these files beside it. Elsewhere the path is returned unchanged. */
function outsideAsar(path: string): string {
  const unpacked = path.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);
  return unpacked !== path && existsSync(unpacked) ? unpacked : path;
}

function workerBootstrapPath(): string | null {
  const path = outsideAsar(fileURLToPath(new URL('./pthread-worker.cjs', import.meta.url)));
  return existsSync(path) ? path : null;
}

async function instantiate(xnnpackThreads: number): Promise<WasmModule> {
  const mainScript = outsideAsar(
    require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'),
  );
  const wasmFile = outsideAsar(
    require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm'),
  );
  const bootstrap = workerBootstrapPath();
  if (!bootstrap)
    throw new Error('the thread bootstrap file pthread-worker.cjs is missing next to threaded-wasm.ts');
  // Compiled up front so that a failure rejects here instead of inside Emscripten's start-up.
  const compiled = await wasmApi.compile(readFileSync(wasmFile));
  const factory = require(mainScript) as ThreadedFactory;
  const module = await factory({
    locateFile: (path: string) =>
      path.endsWith('.worker.js') ? bootstrap : path.endsWith('.wasm') ? wasmFile : path,
    // Each thread evaluates the build's script from this path (a string, not tfjs's Blob).
    mainScriptUrlOrBlob: mainScript,
    instantiateWasm: (imports: EmscriptenImports, receive: (instance: unknown, module: unknown) => void) => {
      const env = { ...imports.env, emscripten_num_logical_cores: () => 2 * xnnpackThreads };
      const instance = new wasmApi.Instance(compiled, { ...imports, env });
      receive(instance, compiled);
      return instance.exports;
    },
  });
  // The same entry points tfjs wraps for its own builds.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Replaces the (not yet started) 'wasm' backend with the multithreaded build using `threads`
 * threads; XNNPACK's pool gets all of them only when tfjs's stock kernels run the products
 * (`stockKernels`), else one (see above). On failure the stock single-threaded backend stays
 * registered and the reason is given.
 */
export async function startThreadedWasm(
  threads: number,
  { stockKernels = false }: { stockKernels?: boolean } = {},
): Promise<ThreadedWasmResult> {
  const wanted = Math.min(Math.max(1, Math.floor(threads)), MAX_THREADS);
  const xnnpackThreads = stockKernels ? wanted : 1;
  if (tf.findBackend('wasm'))
    return { ok: false, why: 'the wasm backend had already started single-threaded' };
  if (typeof SharedArrayBuffer === 'undefined') return { ok: false, why: 'SharedArrayBuffer is unavailable' };
  let module: WasmModule;
  try {
    module = await instantiate(xnnpackThreads);
  } catch (err) {
    return {
      ok: false,
      why: `the threaded wasm build failed to load: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  setThreadsCount(xnnpackThreads);
  started = wanted;
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    () => {
      const backend = new BackendWasm(module);
      // The pool's threads wait for work for the life of the backend; they must not keep the
      // process alive once everything else is done (the CLI would never exit).
      for (const worker of module.PThread.runningWorkers) worker.unref();
      return backend;
    },
    2,
  );
  return { ok: true, threads: wanted };
}
