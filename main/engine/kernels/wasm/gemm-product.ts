// A whole matrix product on our SIMD functions (gemm-simd.ts): a batch of C[i] = A[i]·B[i] with
// each operand described by where its slices lie and its strides, so that transposed, batched,
// shared or shifted operands are read in place. B is packed into panels a k block at a time (once
// for the whole batch when it is shared); A is read where it lies (gemm-rows.ts); the rows are
// split over the helper threads of the multithreaded build.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { BLOCK_FIELDS, type BlockRowsJob, computeBlockRows, MAX_GROUP_BLOCKS } from './gemm-rows.ts';
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
 * B's packed panels held at once: every k block of the embedded model's products fits, so each is
 * one hand-off to the helpers; an SD 1.5 convolution (9 × 2560 × 1280 floats) goes in groups.
 */
const PACKED_B_BYTES = 8 * 1024 * 1024;

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

/**
 * One k block of a product: C (+)= A·B over `depth` elements of k, with A's row l, element p at
 * a + l·aLine + p·aK and B's column l, element p at b + l·bLine + p·bK (bytes).
 */
export interface ProductBlock {
  a: number;
  aLine: number;
  aK: number;
  b: number;
  bLine: number;
  bK: number;
  depth: number;
  /** C's first row; 1: add onto what C holds (the blocks after a first one), 0: overwrite. */
  c: number;
  accumulate: number;
  /** B is the previous block's: its panels are reused, not packed again. */
  sameB: boolean;
}

/**
 * Runs k blocks (each of depth at most maxDepth) of products with m rows and n columns, C's rows
 * ldc bytes apart. B's panels are packed for a group of blocks at a time (all of them unless that
 * passes PACKED_B_BYTES or MAX_GROUP_BLOCKS), then each thread computes its rows through the whole
 * group: one hand-off to the helper threads per group, not per block.
 */
export function runProductBlocks(
  backend: BackendWasm,
  gemm: GemmSimd,
  { m, n, ldc, maxDepth }: { m: number; n: number; ldc: number; maxDepth: number },
  blocks: readonly ProductBlock[],
): void {
  if (blocks.length === 0) return;
  const panelFloats = Math.ceil(n / NR) * NR;
  // A block reusing the previous one's panels packs them anew where it starts a group.
  const groups: { block: ProductBlock; pack: boolean }[][] = [];
  let groupBytes = 0;
  for (const block of blocks) {
    const bytes = 4 * panelFloats * block.depth;
    let group = groups[groups.length - 1];
    if (
      !group ||
      group.length === MAX_GROUP_BLOCKS ||
      (!block.sameB && groupBytes + bytes > PACKED_B_BYTES)
    ) {
      group = [];
      groups.push(group);
      groupBytes = 0;
    }
    const pack = !block.sameB || group.length === 0;
    group.push({ block, pack });
    if (pack) groupBytes += bytes;
  }
  const packedFloats = (group: { block: ProductBlock; pack: boolean }[]) =>
    group.reduce((f, { block, pack }) => f + (pack ? panelFloats * block.depth : 0), 0);
  const flops = (group: { block: ProductBlock }[]) =>
    group.reduce((f, { block }) => f + 2 * m * n * block.depth, 0);
  const pool = Math.max(...groups.map(flops)) >= SPLIT_FLOPS ? gemmThreadsFor(backend, gemm.fused) : null;
  const tileRows = Math.ceil(m / MR);
  const parts = pool ? Math.min(pool.threads, tileRows) : 1;
  const partRows = Math.ceil(tileRows / parts) * MR;
  const chunkRows = Math.min(partRows, MR * Math.max(1, Math.floor(CHUNK_BYTES / (4 * maxDepth * MR))));
  const perThread = MR * maxDepth + MR * NR;
  const packedCapacity = Math.max(...groups.map(packedFloats));
  const scratch = newTensor(backend, [packedCapacity + parts * perThread]);
  const base = heapOffset(backend, scratch);
  const threadScratch = base + packedCapacity * 4;
  const table = new Uint32Array(Math.max(...groups.map((g) => g.length)) * BLOCK_FIELDS);
  const runHere = (job: BlockRowsJob) => computeBlockRows(job, gemm, MR, table);
  for (const group of groups) {
    let packed = base;
    let packedB = base;
    for (const [i, { block, pack }] of group.entries()) {
      if (pack) {
        packedB = packed;
        gemm.packPanels(block.b, packedB, n, block.depth, block.bLine, block.bK, NR);
        packed += 4 * panelFloats * block.depth;
      }
      table.set(
        [block.a, block.aLine, block.aK, block.depth, packedB, block.c, block.accumulate],
        i * BLOCK_FIELDS,
      );
    }
    const jobs: BlockRowsJob[] = [];
    for (let t = 0, row = 0; row < m; t++, row += partRows) {
      const own = threadScratch + t * perThread * 4;
      jobs.push({
        blocks: group.length,
        firstRow: row,
        rows: Math.min(partRows, m - row),
        chunkRows,
        n,
        ldc,
        packedA: own,
        tile: own + MR * maxDepth * 4,
      });
    }
    if (pool && jobs.length > 1) pool.run(jobs, table, runHere);
    else for (const job of jobs) runHere(job);
  }
  release(backend, scratch);
}

/** k in equal blocks of at most K_BLOCK (no short last block): [block length, count]. */
export function kBlocking(k: number): [number, number] {
  const count = Math.ceil(k / K_BLOCK);
  return [Math.ceil(k / count), count];
}

/** out[i] = A[i]·B[i] for every slice i < batch, out row-major [batch, m, n] (overwritten). */
export function simdProduct(
  backend: BackendWasm,
  gemm: GemmSimd,
  left: Operand,
  right: Operand,
  out: TensorInfo,
  { batch, m, k, n }: ProductShape,
): void {
  const [kc] = kBlocking(k);
  const outBase = heapOffset(backend, out);
  const blocks: ProductBlock[] = [];
  for (let p = 0; p < k; p += kc) {
    for (let i = 0; i < batch; i++) {
      blocks.push({
        a: sliceAt(left, i) + p * left.kStride,
        aLine: left.lineStride,
        aK: left.kStride,
        b: sliceAt(right, i) + p * right.kStride,
        bLine: right.lineStride,
        bK: right.kStride,
        depth: Math.min(kc, k - p),
        c: outBase + i * m * n * 4,
        accumulate: p > 0 ? 1 : 0,
        sameB: i > 0 && shared(right),
      });
    }
  }
  runProductBlocks(backend, gemm, { m, n, ldc: n * 4, maxDepth: kc }, blocks);
}
