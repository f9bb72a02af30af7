// One thread's share of a matrix product (gemm-simd.ts): some rows of the result, over a list of
// blocks of k whose B panels are already packed. The calling thread runs these functions, and so
// do the helper threads of the multithreaded build: gemm-threads.ts hands them their source, so they
// must refer to nothing outside this file's functions (only their arguments; type imports are
// erased).
import type { GemmTiles, PackPanels } from './gemm-simd.ts';

/** Byte offsets and strides; `accumulate` 1 adds to C (the k blocks after the first). */
export interface RowsJob {
  /** A's first row of this job, at this k block: row r, element p at a + r·lineStride + p·kStride. */
  a: number;
  rows: number;
  /** Rows taken at a time, so that they stay in the L2 cache while every B panel passes. */
  chunkRows: number;
  lineStride: number;
  kStride: number;
  depth: number;
  packedB: number;
  /** C's first row of this job; ldc bytes from one row to the next. */
  c: number;
  n: number;
  ldc: number;
  accumulate: number;
  /** This thread's own scratch: MR rows of packed A (depth·MR floats) and one edge tile. */
  packedA: number;
  tile: number;
}

export interface RowsFunctions {
  packPanels: PackPanels;
  gemmTiles: GemmTiles;
  gemmTilesRowsAdjacent: GemmTiles;
}

/**
 * Whole tiles of rows read A where it lies (a transposed A has its rows 4 bytes apart, a
 * row-major one a row pitch apart); the last rows, fewer than a tile, are first copied out with
 * zeros below them, so that nothing is read past A.
 */
export function computeRows(job: RowsJob, f: RowsFunctions, mr: number): void {
  const tiles = job.lineStride === 4 ? f.gemmTilesRowsAdjacent : f.gemmTiles;
  for (let row = 0; row < job.rows; row += job.chunkRows) {
    const rows = Math.min(job.chunkRows, job.rows - row);
    const whole = rows - (rows % mr);
    const a = job.a + row * job.lineStride;
    const c = job.c + row * job.ldc;
    if (whole > 0) {
      tiles(
        a,
        mr * job.lineStride,
        job.lineStride,
        job.kStride,
        job.packedB,
        c,
        whole,
        job.n,
        job.depth,
        job.ldc,
        job.tile,
        job.accumulate,
      );
    }
    if (whole < rows) {
      const rest = rows - whole;
      f.packPanels(a + whole * job.lineStride, job.packedA, rest, job.depth, job.lineStride, job.kStride, mr);
      f.gemmTilesRowsAdjacent(
        job.packedA,
        job.depth * mr * 4,
        4,
        mr * 4,
        job.packedB,
        c + whole * job.ldc,
        rest,
        job.n,
        job.depth,
        job.ldc,
        job.tile,
        job.accumulate,
      );
    }
  }
}

/** Fields of one block in a block table: a, lineStride, kStride, depth, packedB, c, accumulate. */
export const BLOCK_FIELDS = 7;
/** Blocks in one table at most (the helper threads share a table of this size). */
export const MAX_GROUP_BLOCKS = 256;

/** A thread's rows over the first `blocks` blocks of a table: rows firstRow .. firstRow + rows of C. */
export interface BlockRowsJob {
  blocks: number;
  firstRow: number;
  rows: number;
  chunkRows: number;
  n: number;
  ldc: number;
  packedA: number;
  tile: number;
}

/**
 * The job's rows a chunk at a time, each chunk through every block in order, so that the chunk of
 * C they accumulate into stays in cache from the first block to the last. (Each block over all
 * the rows in turn instead, which keeps its panels in cache, measured the same on the embedded
 * U-Net's training step, 2026-11-26.)
 */
export function computeBlockRows(job: BlockRowsJob, f: RowsFunctions, mr: number, table: Uint32Array): void {
  for (let row = 0; row < job.rows; row += job.chunkRows) {
    const first = job.firstRow + row;
    const rows = Math.min(job.chunkRows, job.rows - row);
    for (let b = 0; b < job.blocks; b++) {
      const at = b * 7; // BLOCK_FIELDS, inlined: this source runs on its own in the helpers
      const lineStride = table[at + 1]!;
      computeRows(
        {
          a: table[at]! + first * lineStride,
          rows,
          chunkRows: job.chunkRows,
          lineStride,
          kStride: table[at + 2]!,
          depth: table[at + 3]!,
          packedB: table[at + 4]!,
          c: table[at + 5]! + first * job.ldc,
          n: job.n,
          ldc: job.ldc,
          accumulate: table[at + 6]!,
          packedA: job.packedA,
          tile: job.tile,
        },
        f,
        mr,
      );
    }
  }
}
