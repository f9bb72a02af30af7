// Two WebAssembly SIMD functions over [outer, rows, inner] blocks (inner a multiple of 4) on
// tfjs's heap (see wasm-bytes.ts), for per-channel statistics and per-channel affine maps of
// NHWC activations (outer = batch, rows = pixels, inner = channels):
//   sumProducts: dst[o, i] = Σ_r u[o, r, i] · v[o, r, i]  (32-row blocks, as sum-rows-simd.ts)
//   affine2:     out[o, r, i] = u[o, r, i]·P[o, i] + v[o, r, i]·Q[o, i] + R[o, i]
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type FunctionSpec, I32, inc, op, simdFunction, V128, whileBelow } from './wasm-bytes.ts';

/** Byte offsets of u, v, dst; outer, rows, inner in elements. */
export type SumProductsSimd = (
  u: number,
  v: number,
  dst: number,
  outer: number,
  rows: number,
  inner: number,
) => void;
/** Byte offsets of u, v, P, Q, R, out; outer, rows, inner in elements. */
export type Affine2Simd = (
  u: number,
  v: number,
  p: number,
  q: number,
  r: number,
  out: number,
  outer: number,
  rows: number,
  inner: number,
) => void;

const BLOCK = 32;
const { get, set } = op;
function sumProductsCode(): number[] {
  // Params: 0 u, 1 v, 2 dst, 3 outer, 4 rows, 5 inner.
  const [U, V, DST, OUTER, ROWS, INNER] = [0, 1, 2, 3, 4, 5];
  // Locals: 6 rowBytes, 7 o, 8 blockStart, 9 blockEnd, 10 i, 11 r, 12 offset, 13 outRow, 14 base,
  // 15 delta (v - u), 16 part (v128).
  const [ROW_BYTES, O, BS, BE, I, R, OFF, OUT_ROW, BASE, DELTA, PART] = [
    6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
  ];
  const rowsLoop = whileBelow(R, get(BE), [
    ...get(PART),
    ...get(OFF),
    ...op.load,
    ...get(OFF),
    ...get(DELTA),
    ...op.i32Add,
    ...op.load,
    ...op.mul,
    ...op.add,
    ...set(PART),
    ...get(OFF),
    ...get(ROW_BYTES),
    ...op.i32Add,
    ...set(OFF),
    ...inc(R, 1),
  ]);
  const columnsLoop = whileBelow(I, get(ROW_BYTES), [
    ...op.zero,
    ...set(PART),
    // offset = base + blockStart * rowBytes + i (in u)
    ...get(BASE),
    ...get(BS),
    ...get(ROW_BYTES),
    ...op.i32Mul,
    ...op.i32Add,
    ...get(I),
    ...op.i32Add,
    ...set(OFF),
    ...get(BS),
    ...set(R),
    ...rowsLoop,
    ...get(OUT_ROW),
    ...get(I),
    ...op.i32Add,
    ...get(OUT_ROW),
    ...get(I),
    ...op.i32Add,
    ...op.load,
    ...get(PART),
    ...op.add,
    ...op.store,
    ...inc(I, 16),
  ]);
  const blocksLoop = whileBelow(BS, get(ROWS), [
    ...get(BS),
    ...op.i32(BLOCK),
    ...op.i32Add,
    ...get(ROWS),
    ...get(BS),
    ...op.i32(BLOCK),
    ...op.i32Add,
    ...get(ROWS),
    ...op.i32LtU,
    ...op.select,
    ...set(BE),
    ...op.i32(0),
    ...set(I),
    ...columnsLoop,
    ...get(BE),
    ...set(BS),
  ]);
  const zeroRow = whileBelow(I, get(ROW_BYTES), [
    ...get(OUT_ROW),
    ...get(I),
    ...op.i32Add,
    ...op.zero,
    ...op.store,
    ...inc(I, 16),
  ]);
  const outerLoop = whileBelow(O, get(OUTER), [
    ...get(DST),
    ...get(O),
    ...get(ROW_BYTES),
    ...op.i32Mul,
    ...op.i32Add,
    ...set(OUT_ROW),
    ...get(U),
    ...get(O),
    ...get(ROWS),
    ...op.i32Mul,
    ...get(ROW_BYTES),
    ...op.i32Mul,
    ...op.i32Add,
    ...set(BASE),
    ...op.i32(0),
    ...set(I),
    ...zeroRow,
    ...op.i32(0),
    ...set(BS),
    ...blocksLoop,
    ...inc(O, 1),
  ]);
  return [
    ...get(INNER),
    ...op.i32(2),
    ...op.i32Shl,
    ...set(ROW_BYTES),
    ...get(V),
    ...get(U),
    0x6b, // i32.sub
    ...set(DELTA),
    ...op.i32(0),
    ...set(O),
    ...outerLoop,
  ];
}

function affine2Code(): number[] {
  // Params: 0 u, 1 v, 2 P, 3 Q, 4 R, 5 out, 6 outer, 7 rows, 8 inner.
  const [U, V, P, Q, R, OUT, OUTER, ROWS, INNER] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  // Locals: 9 rowBytes, 10 o, 11 r, 12 i, 13 off (element offset in bytes from the block start),
  // 14 coef (byte offset of row o in P, Q, R).
  const [ROW_BYTES, O, RR, I, OFF, COEF] = [9, 10, 11, 12, 13, 14];
  const at = (ptr: number, offset: number) => [...get(ptr), ...get(offset), ...op.i32Add];
  const coefAt = (ptr: number) => [...get(ptr), ...get(COEF), ...op.i32Add, ...get(I), ...op.i32Add];
  const columns = whileBelow(I, get(ROW_BYTES), [
    ...at(OUT, OFF),
    ...at(U, OFF),
    ...op.load,
    ...coefAt(P),
    ...op.load,
    ...op.mul,
    ...at(V, OFF),
    ...op.load,
    ...coefAt(Q),
    ...op.load,
    ...op.mul,
    ...op.add,
    ...coefAt(R),
    ...op.load,
    ...op.add,
    ...op.store,
    ...inc(I, 16),
    ...inc(OFF, 16),
  ]);
  const rowsLoop = whileBelow(RR, get(ROWS), [...op.i32(0), ...set(I), ...columns, ...inc(RR, 1)]);
  const outerLoop = whileBelow(O, get(OUTER), [
    ...get(O),
    ...get(ROW_BYTES),
    ...op.i32Mul,
    ...set(COEF),
    ...op.i32(0),
    ...set(RR),
    ...rowsLoop,
    ...inc(O, 1),
  ]);
  return [
    ...get(INNER),
    ...op.i32(2),
    ...op.i32Shl,
    ...set(ROW_BYTES),
    ...op.i32(0),
    ...set(OFF),
    ...op.i32(0),
    ...set(O),
    ...outerLoop,
  ];
}

const sumProductsSpec: FunctionSpec = {
  exportName: 'sumProducts',
  params: new Array<number>(6).fill(I32),
  locals: [...new Array<number>(10).fill(I32), V128],
  code: sumProductsCode(),
};

const affine2Spec: FunctionSpec = {
  exportName: 'affine2',
  params: new Array<number>(9).fill(I32),
  locals: new Array<number>(6).fill(I32),
  code: affine2Code(),
};

export function sumProductsSimd(backend: BackendWasm): SumProductsSimd | null {
  return simdFunction<SumProductsSimd>(backend, sumProductsSpec);
}

export function affine2Simd(backend: BackendWasm): Affine2Simd | null {
  return simdFunction<Affine2Simd>(backend, affine2Spec);
}
