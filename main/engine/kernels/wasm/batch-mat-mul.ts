// Matrix products on our own SIMD product (gemm-simd.ts). The stock kernel is fast only for one
// unbatched, untransposed product (XNNPACK fully-connected), and even there slower than ours; with
// a batch or a transpose it falls back to a scalar loop 10-30x slower. Ours reads either operand
// with any strides while packing it, so transposes and batches cost nothing extra, and a right
// operand shared by the whole batch is packed once.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  broadcast_util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { computeRows, type RowsJob } from './gemm-rows.ts';
import { type GemmSimd, gemmSimd, MR, NR } from './gemm-simd.ts';
import { newTensor, release, runStockKernel } from './kernel-call.ts';
import { gemmThreadsFor } from './threads/gemm-threads.ts';
import { heapOffset } from './wasm-bytes.ts';

/**
 * Blocking, so that each stage reads from a cache level rather than memory: the inner dimension is
 * taken at most K_BLOCK at a time (one right-operand panel, K_BLOCK x NR, stays in L1), and the
 * left operand a chunk of about CHUNK_BYTES at a time (it stays in L2 while every right panel
 * passes over it); the result accumulates over the k blocks.
 */
const K_BLOCK = 256;
const CHUNK_BYTES = 96 * 1024;

interface Operand {
  /** Byte offset of slice 0 in the heap. */
  base: number;
  /** Bytes between batch slices (0 when one slice is shared by the whole batch). */
  sliceStride: number;
  /** Byte strides of the packed lines and of the k index within a line. */
  lineStride: number;
  kStride: number;
}

/**
 * a: [.., m, k] (or [.., k, m] transposed): lines are rows. b: [.., k, n] (or [.., n, k]
 * transposed): lines are columns.
 */
function operand(
  backend: BackendWasm,
  x: TensorInfo,
  batch: number,
  lines: number,
  k: number,
  kMajor: boolean,
): Operand {
  return {
    base: heapOffset(backend, x),
    sliceStride: batch === 1 ? 0 : lines * k * 4,
    lineStride: kMajor ? 4 : k * 4,
    kStride: kMajor ? lines * 4 : 4,
  };
}

interface ProductShape {
  batch: number;
  m: number;
  k: number;
  n: number;
}

/** out[i] = A[i]·B[i] for every batch slice, out row-major [batch, m, n]. */
/** Below this many flops a product is not split over threads (waking a helper costs ~10 µs). */
const SPLIT_FLOPS = 2 ** 21;

function simdProduct(
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
  for (let i = 0; i < batch; i++) {
    const aSlice = left.base + i * left.sliceStride;
    const bSlice = right.base + i * right.sliceStride;
    for (let p = 0; p < k; p += kc) {
      const depth = Math.min(kc, k - p);
      // A right operand shared by the batch is packed once (when k is one block).
      if (i === 0 || right.sliceStride !== 0 || kBlocks > 1) {
        gemm.packPanels(bSlice + p * right.kStride, packedB, n, depth, right.lineStride, right.kStride, NR);
      }
      const jobs: RowsJob[] = [];
      for (let t = 0, row = 0; row < m; t++, row += partRows) {
        const own = packedB + (packedRight + t * perThread) * 4;
        jobs.push({
          a: aSlice + row * left.lineStride + p * left.kStride,
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

function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: BackendWasm;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  const m = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const k = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
  const kB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
  const n = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  const broadcastable = batchA === batchB || batchA === 1 || batchB === 1;
  const gemm = gemmSimd(backend);
  if (
    !gemm ||
    !broadcastable ||
    a.dtype !== 'float32' ||
    b.dtype !== 'float32' ||
    k !== kB ||
    k === 0 ||
    m === 0 ||
    n === 0
  ) {
    // The stock kernel also reports mismatched shapes with tfjs's own message.
    return runStockKernel(backend, BatchMatMul, inputs, attrs as unknown as Record<string, never>);
  }
  const outShape = broadcast_util
    .assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2))
    .concat([m, n]);
  const out = newTensor(backend, outShape);
  const left = operand(backend, a, batchA, m, k, transposeA);
  const right = operand(backend, b, batchB, n, k, !transposeB);
  simdProduct(backend, gemm, left, right, out, { batch: Math.max(batchA, batchB), m, k, n });
  return out;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
