// The AdamW step as a tiny WebAssembly SIMD function over tfjs's own heap (see wasm-bytes.ts):
// one pass of 4-wide float32 arithmetic instead of a scalar JavaScript loop (~10 ns per element
// on a 2-core machine; the U-Net's 6.7 M weights made that ~70 ms a step). Float32 arithmetic, as
// the op chain it replaces computes.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { F32, type FunctionSpec, I32, op, simdFunction, V128 } from './wasm-bytes.ts';

/** byte offsets (i32): p, m, v, g, pOut, mOut, vOut, then the element count (a multiple of 4). */
export type AdamWSimd = (
  p: number,
  m: number,
  v: number,
  g: number,
  pOut: number,
  mOut: number,
  vOut: number,
  count: number,
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
  keep: number,
  step: number,
  invC2: number,
  eps: number,
) => void;

// Locals: 0-7 i32 params, 8-15 f32 params, 16 index, 17 end, 18-25 splatted params, 26-28 g/m/v.
const I = 16;
const END = 17;
const S = (k: number) => 18 + k;
const G = 26;
const M = 27;
const V = 28;
const { get, set, load, store, mul, add, sub, div, sqrt } = op;
const at = (ptr: number) => [...get(ptr), ...get(I), ...op.i32Add];

function code(): number[] {
  const c: number[] = [];
  for (let k = 0; k < 8; k++) c.push(...get(8 + k), ...op.splat, ...set(S(k)));
  c.push(...get(7), ...op.i32(2), ...op.i32Shl, ...set(END));
  c.push(...op.i32(0), ...set(I));
  c.push(...op.block, ...op.loop);
  c.push(...get(I), ...get(END), ...op.i32GeU, ...op.brIf(1));
  c.push(...at(3), ...load, ...set(G));
  c.push(...at(1), ...load, ...get(S(0)), ...mul, ...get(G), ...get(S(1)), ...mul, ...add, ...set(M));
  c.push(...at(2), ...load, ...get(S(2)), ...mul, ...get(G), ...get(G), ...mul, ...get(S(3)), ...mul);
  c.push(...add, ...set(V));
  c.push(...at(5), ...get(M), ...store);
  c.push(...at(6), ...get(V), ...store);
  c.push(...at(4)); // where the parameter goes
  c.push(...at(0), ...load, ...get(S(4)), ...mul);
  c.push(...get(S(5)), ...get(M), ...mul);
  c.push(...get(V), ...get(S(6)), ...mul, ...sqrt, ...get(S(7)), ...add);
  c.push(...div, ...sub, ...store);
  c.push(...get(I), ...op.i32(16), ...op.i32Add, ...set(I));
  c.push(...op.br(0), ...op.end, ...op.end);
  return c;
}

const spec: FunctionSpec = {
  exportName: 'adamw',
  params: [...new Array<number>(8).fill(I32), ...new Array<number>(8).fill(F32)],
  locals: [I32, I32, ...new Array<number>(11).fill(V128)],
  code: code(),
};

/** The SIMD step on this backend's heap, or null where WebAssembly SIMD is not available. */
export function adamwSimd(backend: BackendWasm): AdamWSimd | null {
  return simdFunction<AdamWSimd>(backend, spec);
}
