// GEGLU's activation and its gradient on wasm (see ../geglu-op.ts), four lanes at a time by
// WebAssembly SIMD functions over tfjs's heap, with the normal CDF of simd-math.ts. Per row of
// h = [a | g] (inner floats each):
//   forward:  out = a · g · Phi(g)
//   gradient: dh = [dy · g · Phi(g) | dy · a · (Phi(g) + g · phi(g))],  phi the normal density.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GEGLU, GEGLU_GRAD } from '../geglu-op.ts';
import { newTensor } from './kernel-call.ts';
import { expCode, normalCdfCode } from './simd-math.ts';
import {
  addTo,
  eachVector,
  type FunctionSpec,
  heapOffset,
  I32,
  inc,
  op,
  requiredSimdFunction,
  V128,
  whileBelow,
} from './wasm-bytes.ts';

type GegluSimd = (h: number, out: number, rows: number, inner: number) => void;
type GegluGradSimd = (dy: number, h: number, dh: number, rows: number, inner: number) => void;

const { get, set } = op;
/** The address base + offset + j (offset an i32 expression, or none). */
const at = (base: number, offset: number[], j: number) => [
  ...get(base),
  ...(offset.length > 0 ? [...offset, ...op.i32Add] : []),
  ...get(j),
  ...op.i32Add,
];
/** Bytes of one row of h: twice the inner width's. */
const twoRows = (innerBytes: number) => [...get(innerBytes), ...op.i32(1), ...op.i32Shl];
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function forwardSpec(): FunctionSpec {
  // Params 0 h, 1 out, 2 rows, 3 inner; i32 locals 4 row, 5 j (bytes), 6 inner bytes, 7 h row,
  // 8 out row; v128 locals 9 g, 10 phi, 11 x²/2, 12 t, 13 e, 14 n, 15 r.
  const [H, OUT, ROWS, INNER, ROW, J, IB, HROW, OROW, G, PHI, HS, T, E, N, R] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  ];
  const cdf = { halfSquare: HS, t: T, e: E, n: N, r: R };
  return {
    exportName: 'geglu',
    params: [I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128],
    code: [
      ...get(INNER),
      ...op.i32(2),
      ...op.i32Shl,
      ...set(IB),
      ...get(H),
      ...set(HROW),
      ...get(OUT),
      ...set(OROW),
      ...whileBelow(ROW, get(ROWS), [
        ...eachVector(J, get(IB), [
          ...at(HROW, get(IB), J),
          ...op.load,
          ...set(G),
          ...normalCdfCode(G, PHI, cdf),
          ...at(OROW, [], J),
          ...at(HROW, [], J),
          ...op.load,
          ...get(G),
          ...op.mul,
          ...get(PHI),
          ...op.mul,
          ...op.store,
        ]),
        ...addTo(HROW, twoRows(IB)),
        ...addTo(OROW, get(IB)),
        ...inc(ROW, 1),
      ]),
    ],
  };
}

function gradSpec(): FunctionSpec {
  // Params 0 dy, 1 h, 2 dh, 3 rows, 4 inner; i32 locals 5 row, 6 j (bytes), 7 inner bytes,
  // 8 dy row, 9 h row, 10 dh row; v128 locals 11 g, 12 dy, 13 phi, 14 x²/2, 15 t, 16 e, 17 n, 18 r.
  const [DY, H, DH, ROWS, INNER, ROW, J, IB, DYROW, HROW, DHROW, G, D, PHI, HS, T, E, N, R] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
  ];
  const cdf = { halfSquare: HS, t: T, e: E, n: N, r: R };
  return {
    exportName: 'gegluGrad',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128],
    code: [
      ...get(INNER),
      ...op.i32(2),
      ...op.i32Shl,
      ...set(IB),
      ...get(DY),
      ...set(DYROW),
      ...get(H),
      ...set(HROW),
      ...get(DH),
      ...set(DHROW),
      ...whileBelow(ROW, get(ROWS), [
        ...eachVector(J, get(IB), [
          ...at(HROW, get(IB), J),
          ...op.load,
          ...set(G),
          ...normalCdfCode(G, PHI, cdf),
          ...at(DYROW, [], J),
          ...op.load,
          ...set(D),
          // d value = dy · g · Phi(g)
          ...at(DHROW, [], J),
          ...get(D),
          ...get(G),
          ...op.mul,
          ...get(PHI),
          ...op.mul,
          ...op.store,
          // d gate = dy · a · (Phi(g) + g · exp(-g²/2) / sqrt(2 pi))
          ...op.zero,
          ...get(HS),
          ...op.sub,
          ...set(E),
          ...at(DHROW, get(IB), J),
          ...get(D),
          ...at(HROW, [], J),
          ...op.load,
          ...op.mul,
          ...get(PHI),
          ...get(G),
          ...expCode(E, { n: N, r: R }),
          ...op.mul,
          ...op.f32x4(INV_SQRT_2PI),
          ...op.mul,
          ...op.add,
          ...op.mul,
          ...op.store,
        ]),
        ...addTo(DYROW, get(IB)),
        ...addTo(HROW, twoRows(IB)),
        ...addTo(DHROW, twoRows(IB)),
        ...inc(ROW, 1),
      ]),
    ],
  };
}

const FORWARD = forwardSpec();
const GRAD = gradSpec();

/** Rows and inner width of h [..., 2·inner], checked for the SIMD loops (4 lanes). */
function rowsOf(h: TensorInfo, what: string): { rows: number; inner: number } {
  const width = h.shape[h.shape.length - 1]!;
  if (width % 8 !== 0) throw new Error(`${what}: the last axis (${width}) must be a multiple of 8`);
  return { rows: h.shape.reduce((a, b) => a * b, 1) / width, inner: width / 2 };
}

function geglu(args: { inputs: { h: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const { rows, inner } = rowsOf(inputs.h, GEGLU);
  const out = newTensor(backend, [...inputs.h.shape.slice(0, -1), inner]);
  requiredSimdFunction<GegluSimd>(backend, FORWARD)(
    heapOffset(backend, inputs.h),
    heapOffset(backend, out),
    rows,
    inner,
  );
  return out;
}

function gegluGrad(args: { inputs: { dy: TensorInfo; h: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const { rows, inner } = rowsOf(inputs.h, GEGLU_GRAD);
  const dh = newTensor(backend, inputs.h.shape);
  requiredSimdFunction<GegluGradSimd>(backend, GRAD)(
    heapOffset(backend, inputs.dy),
    heapOffset(backend, inputs.h),
    heapOffset(backend, dh),
    rows,
    inner,
  );
  return dh;
}

export const gegluConfig: KernelConfig = {
  kernelName: GEGLU,
  backendName: 'wasm',
  kernelFunc: geglu as unknown as KernelFunc,
};

export const gegluGradConfig: KernelConfig = {
  kernelName: GEGLU_GRAD,
  backendName: 'wasm',
  kernelFunc: gegluGrad as unknown as KernelFunc,
};
