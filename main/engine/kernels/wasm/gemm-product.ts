// A whole matrix product on our SIMD functions (gemm-simd.ts): a batch of C[i] = A[i]·B[i] with
// each operand described by where its slices lie and its strides, so that transposed, batched,
// shared or shifted operands are read in place. B is packed into panels a k block at a time (once
// for the whole batch when it is shared); A is read where it lies (gemm-rows.ts); the rows are
// split over the helper threads of the multithreaded build.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { computeRows, type RowsJob } from './gemm-rows.ts';
import { type GemmSimd, MR, NR } from './gemm-simd.ts';
import { newTensor, release } from './kernel-call.ts';
import { gemmThreadsFor } from './threads/gemm-threads.ts';
import { heapOffset } from './wasm-bytes.ts';

/**
 * Blocking, so that each stage reads from a cache level rather than memory: the inner dimension is
 * taken at most K_BLOCK at a time (one B panel, K_BLOCK x NR, stays in L1), and A's rows a chunk
 * of about CHUNK_BYTES at a time (it stays in L2 while every B panel passes over it); C
 * accumulates over the k blocks.
 */
const K_BLOCK = 256;
const CHUNK_BYTES = 96 * 1024;
/** Below this many flops a product is not split over threads (waking a helper costs ~10 µs). */
const SPLIT_FLOPS = 2 ** 21;

/**
 * Where an operand's elements lie, as byte offsets in the heap. For A the lines are its m rows,
 * for B its n columns: line l, element p of slice i at base + slice(i) + l·lineStride + p·kStride.
 */
export interface Operand {
  base: number;
  /** Slice i starts at base + i·sliceStride (0: one slice shared by the whole batch)... */
  sliceStride: number;
  /** ...or at base + sliceOffsets[i], where the slices are not evenly spaced. */
  sliceOffsets?: readonly number[];
  lineStride: number;
  kStride: number;
}

export interface ProductShape {
  batch: number;
  m: number;
  k: number;
  n: number;
}

const sliceAt = (x: Operand, i: number) => x.base + (x.sliceOffsets ? x.sliceOffsets[i]! : i * x.sliceStride);
const shared = (x: Operand) => !x.sliceOffsets && x.sliceStride === 0;

/** out[i] = A[i]·B[i] for every slice i < batch, out row-major [batch, m, n] (overwritten). */
export function simdProduct(
  backend: BackendWasm,
  gemm: GemmSimd,
  left: Operand,
  right: Operand,
  out: TensorInfo,
  { batch, m, k, n }: ProductShape,
): void {
  // k in equal blocks of at most K_BLOCK (no short last block).
  const kBlocks = Math.ceil(k / K_BLOCK);
  const kc = Math.ceil(k / kBlocks);
  const pool = 2 * m * n * kc >= SPLIT_FLOPS ? gemmThreadsFor(backend, gemm.fused) : null;
  const tileRows = Math.ceil(m / MR);
  const parts = pool ? Math.min(pool.threads, tileRows) : 1;
  const partRows = Math.ceil(tileRows / parts) * MR;
  const chunkRows = Math.min(partRows, MR * Math.max(1, Math.floor(CHUNK_BYTES / (4 * kc * MR))));
  const packedRight = Math.ceil(n / NR) * NR * kc;
  const perThread = MR * kc + MR * NR;
  const scratch = newTensor(backend, [packedRight + parts * perThread]);
  const packedB = heapOffset(backend, scratch);
  const outBase = heapOffset(backend, out);
  const runHere = (job: RowsJob) => computeRows(job, gemm, MR);
  for (let p = 0; p < k; p += kc) {
    const depth = Math.min(kc, k - p);
    for (let i = 0; i < batch; i++) {
      if (i === 0 || !shared(right)) {
        const b = sliceAt(right, i) + p * right.kStride;
        gemm.packPanels(b, packedB, n, depth, right.lineStride, right.kStride, NR);
      }
      const a = sliceAt(left, i) + p * left.kStride;
      const jobs: RowsJob[] = [];
      for (let t = 0, row = 0; row < m; t++, row += partRows) {
        const own = packedB + (packedRight + t * perThread) * 4;
        jobs.push({
          a: a + row * left.lineStride,
          rows: Math.min(partRows, m - row),
          chunkRows,
          lineStride: left.lineStride,
          kStride: left.kStride,
          depth,
          packedB,
          c: outBase + (i * m + row) * n * 4,
          n,
          ldc: n * 4,
          accumulate: p > 0 ? 1 : 0,
          packedA: own,
          tile: own + MR * kc * 4,
        });
      }
      if (pool && jobs.length > 1) pool.run(jobs, runHere);
      else for (const job of jobs) runHere(job);
    }
  }
  release(backend, scratch);
}
