// dst[o, i] = Σ_r src[o, r, i] for a [outer, rows, inner] block with inner a multiple of 4, as a
// WebAssembly SIMD function over tfjs's heap (see wasm-bytes.ts). Rows are added 32 at a time into
// a partial sum that then joins the total, so rounding grows with 32 + rows / 32 additions rather
// than with rows, and the 32 rows being walked stay in cache across the columns.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type FunctionSpec, I32, op, simdFunction, V128 } from './wasm-bytes.ts';

/** Byte offsets of src and dst; outer, rows, inner in elements (inner a multiple of 4). */
export type SumRowsSimd = (src: number, dst: number, outer: number, rows: number, inner: number) => void;

const BLOCK = 32;
// Params 0 src, 1 dst, 2 outer, 3 rows, 4 inner; locals below.
const SRC = 0;
const DST = 1;
const OUTER = 2;
const ROWS = 3;
const INNER = 4;
const ROW_BYTES = 5;
const O = 6;
const BLOCK_START = 7;
const BLOCK_END = 8;
const I = 9;
const R = 10;
const ADDR = 11;
const OUT_ROW = 12;
const IN_BASE = 13;
const PART = 14;
const { get, set } = op;

function code(): number[] {
  const c: number[] = [];
  c.push(...get(INNER), ...op.i32(2), ...op.i32Shl, ...set(ROW_BYTES));
  c.push(...op.i32(0), ...set(O));
  c.push(...op.block, ...op.loop); // over o
  c.push(...get(O), ...get(OUTER), ...op.i32GeU, ...op.brIf(1));
  // outRow = dst + o * rowBytes; inBase = src + o * rows * rowBytes
  c.push(...get(DST), ...get(O), ...get(ROW_BYTES), ...op.i32Mul, ...op.i32Add, ...set(OUT_ROW));
  c.push(...get(SRC), ...get(O), ...get(ROWS), ...op.i32Mul, ...get(ROW_BYTES), ...op.i32Mul, ...op.i32Add);
  c.push(...set(IN_BASE));
  // Zero the output row.
  c.push(...op.i32(0), ...set(I));
  c.push(...op.block, ...op.loop);
  c.push(...get(I), ...get(ROW_BYTES), ...op.i32GeU, ...op.brIf(1));
  c.push(...get(OUT_ROW), ...get(I), ...op.i32Add, ...op.zero, ...op.store);
  c.push(...get(I), ...op.i32(16), ...op.i32Add, ...set(I), ...op.br(0), ...op.end, ...op.end);
  // Blocks of rows.
  c.push(...op.i32(0), ...set(BLOCK_START));
  c.push(...op.block, ...op.loop);
  c.push(...get(BLOCK_START), ...get(ROWS), ...op.i32GeU, ...op.brIf(1));
  // blockEnd = min(blockStart + BLOCK, rows)
  c.push(...get(BLOCK_START), ...op.i32(BLOCK), ...op.i32Add, ...get(ROWS));
  c.push(...get(BLOCK_START), ...op.i32(BLOCK), ...op.i32Add, ...get(ROWS), ...op.i32LtU, ...op.select);
  c.push(...set(BLOCK_END));
  c.push(...op.i32(0), ...set(I));
  c.push(...op.block, ...op.loop); // over columns (bytes)
  c.push(...get(I), ...get(ROW_BYTES), ...op.i32GeU, ...op.brIf(1));
  c.push(...op.zero, ...set(PART));
  // addr = inBase + blockStart * rowBytes + i
  c.push(...get(IN_BASE), ...get(BLOCK_START), ...get(ROW_BYTES), ...op.i32Mul, ...op.i32Add);
  c.push(...get(I), ...op.i32Add, ...set(ADDR));
  c.push(...get(BLOCK_START), ...set(R));
  c.push(...op.block, ...op.loop); // over the block's rows
  c.push(...get(R), ...get(BLOCK_END), ...op.i32GeU, ...op.brIf(1));
  c.push(...get(PART), ...get(ADDR), ...op.load, ...op.add, ...set(PART));
  c.push(...get(ADDR), ...get(ROW_BYTES), ...op.i32Add, ...set(ADDR));
  c.push(...get(R), ...op.i32(1), ...op.i32Add, ...set(R), ...op.br(0), ...op.end, ...op.end);
  // out[i] += part
  c.push(...get(OUT_ROW), ...get(I), ...op.i32Add);
  c.push(...get(OUT_ROW), ...get(I), ...op.i32Add, ...op.load, ...get(PART), ...op.add, ...op.store);
  c.push(...get(I), ...op.i32(16), ...op.i32Add, ...set(I), ...op.br(0), ...op.end, ...op.end);
  c.push(...get(BLOCK_END), ...set(BLOCK_START), ...op.br(0), ...op.end, ...op.end);
  c.push(...get(O), ...op.i32(1), ...op.i32Add, ...set(O), ...op.br(0), ...op.end, ...op.end);
  return c;
}

const spec: FunctionSpec = {
  exportName: 'sumRows',
  params: [I32, I32, I32, I32, I32],
  locals: [...new Array<number>(PART - ROW_BYTES).fill(I32), V128],
  code: code(),
};

export function sumRowsSimd(backend: BackendWasm): SumRowsSimd | null {
  return simdFunction<SumRowsSimd>(backend, spec);
}
