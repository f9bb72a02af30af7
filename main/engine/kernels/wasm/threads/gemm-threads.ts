// More threads for our matrix product (gemm-simd.ts) in the multithreaded build, whose heap is a
// SharedArrayBuffer: helper workers compile the same functions against the same heap, and each
// product's rows are split between the calling thread and the helpers. XNNPACK's own thread pool
// is kept to one thread (threaded-wasm.ts), so the cores are not oversubscribed.
//
// A helper waits on its control block (Atomics.wait), computes the rows it is given with the very
// code the caller runs for its own (gemm-rows.ts: computeBlockRows, whose source it is handed) and
// reports back through the same block, also when its job threw (the caller cannot see worker
// events while it waits: they arrive on its event loop).
import { Worker } from 'node:worker_threads';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  BLOCK_FIELDS,
  type BlockRowsJob,
  computeBlockRows,
  computeRows,
  MAX_GROUP_BLOCKS,
} from '../gemm-rows.ts';
import { type GemmModules, gemmModules, MR } from '../gemm-simd.ts';
import { heapMemory } from '../wasm-bytes.ts';
import { wasmThreadCount } from './threaded-wasm.ts';

const FIELDS = ['blocks', 'firstRow', 'rows', 'chunkRows', 'n', 'ldc', 'packedA', 'tile'] as const;

// Control block: int32 [0] job counter (caller), [1] finished counter (helper, FAILED when its
// job threw), [2..] the job.
const FAILED = -1;
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, modules, control, table: tableBuffer, mr, fields } = workerData;
const table = new Uint32Array(tableBuffer);
const imports = { env: { memory } };
const exported = (bytes, name) => new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports[name];
const functions = {
  packPanels: exported(modules.pack, 'packPanels'),
  gemmTiles: exported(modules.tiles, modules.tilesName),
  gemmTilesRowsAdjacent: exported(modules.tilesRowsAdjacent, modules.tilesRowsAdjacentName),
};
// Under the names the bundler gave them: computeBlockRows calls computeRows by its name.
const ${computeRows.name} = ${computeRows.toString()};
const ${computeBlockRows.name} = ${computeBlockRows.toString()};
const state = new Int32Array(control, 0, 2);
const args = new Uint32Array(control, 8, fields.length);
let seen = 0;
for (;;) {
  Atomics.wait(state, 0, seen);
  seen = Atomics.load(state, 0);
  const job = {};
  fields.forEach((name, i) => { job[name] = args[i]; });
  try {
    ${computeBlockRows.name}(job, functions, mr, table);
  } catch (err) {
    Atomics.store(state, 1, ${FAILED});
    Atomics.notify(state, 1);
    throw err;
  }
  Atomics.store(state, 1, seen);
  Atomics.notify(state, 1);
}
`;

interface Helper {
  worker: Worker;
  state: Int32Array;
  args: Uint32Array;
}

export class GemmThreads {
  private readonly helpers: Helper[] = [];
  /** The block table every helper reads its blocks from (gemm-rows.ts: computeBlockRows). */
  private readonly table = new Uint32Array(new SharedArrayBuffer(4 * MAX_GROUP_BLOCKS * BLOCK_FIELDS));
  private failed = false;
  /** Jobs handed to helpers so far (for tests and diagnostics). */
  jobsSent = 0;

  constructor(memory: object, modules: GemmModules, mr: number, count: number) {
    for (let i = 0; i < count; i++) {
      const control = new SharedArrayBuffer(8 + 4 * FIELDS.length);
      const worker = new Worker(HELPER_SOURCE, {
        eval: true,
        workerData: { memory, modules, control, table: this.table.buffer, mr, fields: FIELDS },
      });
      // Helpers wait for work for the life of the backend; they must not keep the process alive.
      worker.unref();
      worker.on('error', () => {
        this.failed = true;
      });
      worker.on('exit', () => {
        this.failed = true;
      });
      this.helpers.push({
        worker,
        state: new Int32Array(control, 0, 2),
        args: new Uint32Array(control, 8, FIELDS.length),
      });
    }
  }

  /** Threads a product can be split over: the caller and the live helpers. */
  get threads(): number {
    return this.failed ? 1 : this.helpers.length + 1;
  }

  /**
   * Runs jobs[0] here and jobs[1..] on the helpers over the blocks of `table`, and returns when
   * all are done.
   */
  run(jobs: BlockRowsJob[], table: Uint32Array, runHere: (job: BlockRowsJob) => void): void {
    if (table.length > this.table.length)
      throw new Error(`a block table of ${table.length / BLOCK_FIELDS} blocks is over ${MAX_GROUP_BLOCKS}`);
    this.table.set(table);
    const started: Helper[] = [];
    for (let i = 1; i < jobs.length; i++) {
      const helper = this.helpers[i - 1];
      const job = jobs[i]!;
      if (!helper || this.failed) {
        runHere(job);
        continue;
      }
      FIELDS.forEach((name, f) => {
        helper.args[f] = job[name] >>> 0;
      });
      Atomics.add(helper.state, 0, 1);
      Atomics.notify(helper.state, 0);
      started.push(helper);
      this.jobsSent++;
    }
    runHere(jobs[0]!);
    for (const helper of started) this.finish(helper);
  }

  private finish(helper: Helper): void {
    const target = Atomics.load(helper.state, 0);
    for (;;) {
      const done = Atomics.load(helper.state, 1);
      if (done === target) return;
      if (done === FAILED) {
        // A trap in our own product is a bug; its rows may be half written, so nothing is retried.
        this.failed = true;
        throw new Error('the matrix product failed on a helper thread');
      }
      Atomics.wait(helper.state, 1, done);
    }
  }

  dispose(): void {
    for (const helper of this.helpers) void helper.worker.terminate();
    this.helpers.length = 0;
  }
}

const pools = new WeakMap<object, GemmThreads | null>();

/**
 * The helpers for this backend's heap: threads − 1 of them where the heap is shared (the
 * multithreaded build), null on the single-threaded build or where workers cannot start.
 */
export function gemmThreadsFor(backend: BackendWasm, fused: boolean): GemmThreads | null {
  const memory = heapMemory(backend);
  if (!memory) return null;
  if (!pools.has(memory)) {
    const threads = wasmThreadCount();
    let pool: GemmThreads | null = null;
    if (
      threads > 1 &&
      typeof SharedArrayBuffer !== 'undefined' &&
      memory.buffer instanceof SharedArrayBuffer
    ) {
      try {
        pool = new GemmThreads(memory, gemmModules(fused, true), MR, threads - 1);
      } catch {
        pool = null;
      }
    }
    pools.set(memory, pool);
  }
  return pools.get(memory) ?? null;
}
