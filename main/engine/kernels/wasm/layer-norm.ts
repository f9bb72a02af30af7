// Layer norm's forward and gradient on wasm (see ../layer-norm-op.ts), a row at a time by
// WebAssembly SIMD functions over tfjs's heap (rows are a transformer's width, so each row's passes
// run from L1). Float32 throughout, as the op chain computes it.
//   forward:  mean, var = mean((x - mean)²), rstd = 1 / sqrt(var + eps),
//             xhat = (x - mean) · rstd, y = xhat · gamma + beta
//   gradient: d = dy · gamma, dx = rstd · (d - mean(d) - xhat · mean(d · xhat)),
//             dgamma = Σ dy · xhat, dbeta = Σ dy over the rows
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { LAYER_NORM, LAYER_NORM_GRAD, type LayerNormAttrs } from '../layer-norm-op.ts';
import { floatView, newTensor } from './kernel-call.ts';
import {
  addTo,
  eachVector,
  F32,
  type FunctionSpec,
  heapOffset,
  I32,
  inc,
  op,
  requiredSimdFunction,
  V128,
  whileBelow,
} from './wasm-bytes.ts';

type LayerNormSimd = (
  x: number,
  gamma: number,
  beta: number,
  y: number,
  xhat: number,
  rstd: number,
  rows: number,
  width: number,
  invWidth: number,
  eps: number,
) => void;
type LayerNormGradSimd = (
  dy: number,
  xhat: number,
  rstd: number,
  gamma: number,
  dx: number,
  dgamma: number,
  dbeta: number,
  rows: number,
  width: number,
  invWidth: number,
) => void;

const { get, set } = op;
/** base + row offset + j (bytes). */
const inRow = (base: number, rowOffset: number, j: number) => [
  ...get(base),
  ...get(rowOffset),
  ...op.i32Add,
  ...get(j),
  ...op.i32Add,
];
const atColumn = (base: number, j: number) => [...get(base), ...get(j), ...op.i32Add];
/** The address of row `row`'s one float at base (rstd). */
const rowScalar = (base: number, row: number) => [
  ...get(base),
  ...get(row),
  ...op.i32(2),
  ...op.i32Shl,
  ...op.i32Add,
];
/** The four lanes of a vector local added, times a scalar f32 local, splatted. */
const meanOf = (acc: number, scale: number) => [
  ...get(acc),
  ...op.extractLane(0),
  ...get(acc),
  ...op.extractLane(1),
  ...op.f32Add,
  ...get(acc),
  ...op.extractLane(2),
  ...get(acc),
  ...op.extractLane(3),
  ...op.f32Add,
  ...op.f32Add,
  ...get(scale),
  ...op.f32Mul,
];

function forwardSpec(): FunctionSpec {
  // Params 0 x, 1 gamma, 2 beta, 3 y, 4 xhat, 5 rstd, 6 rows, 7 width (i32), 8 1/width, 9 eps (f32);
  // i32 locals 10 row, 11 j, 12 row bytes, 13 row offset; f32 local 14 rstd; v128 locals 15 acc,
  // 16 mean, 17 rstd, 18 d.
  const [X, GAMMA, BETA, Y, XHAT, RSTD, ROWS, WIDTH, INV_WIDTH, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [ROW, J, RB, OFF, S, ACC, MEAN, INV, D] = [10, 11, 12, 13, 14, 15, 16, 17, 18];
  const columns = (body: number[]) => eachVector(J, get(RB), body);
  return {
    exportName: 'layerNorm',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32],
    locals: [I32, I32, I32, I32, F32, V128, V128, V128, V128],
    code: [
      ...get(WIDTH),
      ...op.i32(2),
      ...op.i32Shl,
      ...set(RB),
      ...whileBelow(ROW, get(ROWS), [
        ...op.zero,
        ...set(ACC),
        ...columns([...get(ACC), ...inRow(X, OFF, J), ...op.load, ...op.add, ...set(ACC)]),
        ...meanOf(ACC, INV_WIDTH),
        ...op.splat,
        ...set(MEAN),
        ...op.zero,
        ...set(ACC),
        ...columns([
          ...inRow(X, OFF, J),
          ...op.load,
          ...get(MEAN),
          ...op.sub,
          ...set(D),
          ...get(ACC),
          ...get(D),
          ...get(D),
          ...op.mul,
          ...op.add,
          ...set(ACC),
        ]),
        // rstd = 1 / sqrt(var + eps), stored for the gradient
        ...op.f32Const(1),
        ...meanOf(ACC, INV_WIDTH),
        ...get(EPS),
        ...op.f32Add,
        ...op.f32Sqrt,
        ...op.f32Div,
        ...set(S),
        ...rowScalar(RSTD, ROW),
        ...get(S),
        ...op.f32Store(),
        ...get(S),
        ...op.splat,
        ...set(INV),
        ...columns([
          ...inRow(X, OFF, J),
          ...op.load,
          ...get(MEAN),
          ...op.sub,
          ...get(INV),
          ...op.mul,
          ...set(D),
          ...inRow(XHAT, OFF, J),
          ...get(D),
          ...op.store,
          ...inRow(Y, OFF, J),
          ...get(D),
          ...atColumn(GAMMA, J),
          ...op.load,
          ...op.mul,
          ...atColumn(BETA, J),
          ...op.load,
          ...op.add,
          ...op.store,
        ]),
        ...addTo(OFF, get(RB)),
        ...inc(ROW, 1),
      ]),
    ],
  };
}

function gradSpec(): FunctionSpec {
  // Params 0 dy, 1 xhat, 2 rstd, 3 gamma, 4 dx, 5 dgamma, 6 dbeta, 7 rows, 8 width (i32),
  // 9 1/width (f32); i32 locals 10 row, 11 j, 12 row bytes, 13 row offset; v128 locals 14 Σd,
  // 15 Σd·xhat, 16 dy, 17 xhat, 18 d, 19 mean d, 20 mean d·xhat, 21 rstd.
  const [DY, XHAT, RSTD, GAMMA, DX, DGAMMA, DBETA, ROWS, WIDTH, INV_WIDTH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [ROW, J, RB, OFF, ACC1, ACC2, G, H, D, M1, M2, INV] = [
    10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
  ];
  const columns = (body: number[]) => eachVector(J, get(RB), body);
  const accumulate = (base: number, value: number[]) => [
    ...atColumn(base, J),
    ...atColumn(base, J),
    ...op.load,
    ...value,
    ...op.add,
    ...op.store,
  ];
  return {
    exportName: 'layerNormGrad',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, F32],
    locals: [I32, I32, I32, I32, V128, V128, V128, V128, V128, V128, V128, V128],
    code: [
      ...get(WIDTH),
      ...op.i32(2),
      ...op.i32Shl,
      ...set(RB),
      ...whileBelow(ROW, get(ROWS), [
        ...op.zero,
        ...set(ACC1),
        ...op.zero,
        ...set(ACC2),
        ...columns([
          ...inRow(DY, OFF, J),
          ...op.load,
          ...set(G),
          ...inRow(XHAT, OFF, J),
          ...op.load,
          ...set(H),
          ...get(G),
          ...atColumn(GAMMA, J),
          ...op.load,
          ...op.mul,
          ...set(D),
          ...get(ACC1),
          ...get(D),
          ...op.add,
          ...set(ACC1),
          ...get(ACC2),
          ...get(D),
          ...get(H),
          ...op.mul,
          ...op.add,
          ...set(ACC2),
          ...accumulate(DGAMMA, [...get(G), ...get(H), ...op.mul]),
          ...accumulate(DBETA, get(G)),
        ]),
        ...meanOf(ACC1, INV_WIDTH),
        ...op.splat,
        ...set(M1),
        ...meanOf(ACC2, INV_WIDTH),
        ...op.splat,
        ...set(M2),
        ...rowScalar(RSTD, ROW),
        ...op.f32Load(),
        ...op.splat,
        ...set(INV),
        ...columns([
          ...inRow(DX, OFF, J),
          ...inRow(DY, OFF, J),
          ...op.load,
          ...atColumn(GAMMA, J),
          ...op.load,
          ...op.mul,
          ...get(M1),
          ...op.sub,
          ...inRow(XHAT, OFF, J),
          ...op.load,
          ...get(M2),
          ...op.mul,
          ...op.sub,
          ...get(INV),
          ...op.mul,
          ...op.store,
        ]),
        ...addTo(OFF, get(RB)),
        ...inc(ROW, 1),
      ]),
    ],
  };
}

const FORWARD = forwardSpec();
const GRAD = gradSpec();

function rowsOf(x: TensorInfo, gamma: TensorInfo, what: string): { rows: number; width: number } {
  const width = x.shape[x.shape.length - 1]!;
  const size = gamma.shape.reduce((a, b) => a * b, 1);
  if (size !== width) throw new Error(`${what}: gamma has ${size} values for a last axis of ${width}`);
  if (width % 4 !== 0) throw new Error(`${what}: the last axis (${width}) must be a multiple of 4`);
  return { rows: width ? x.shape.reduce((a, b) => a * b, 1) / width : 0, width };
}

function layerNorm(args: {
  inputs: { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  backend: BackendWasm;
  attrs: LayerNormAttrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { rows, width } = rowsOf(inputs.x, inputs.gamma, LAYER_NORM);
  const y = newTensor(backend, inputs.x.shape);
  const xhat = newTensor(backend, inputs.x.shape);
  const rstd = newTensor(backend, [...inputs.x.shape.slice(0, -1), 1]);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  requiredSimdFunction<LayerNormSimd>(backend, FORWARD)(
    at(inputs.x),
    at(inputs.gamma),
    at(inputs.beta),
    at(y),
    at(xhat),
    at(rstd),
    rows,
    width,
    1 / width,
    attrs.eps,
  );
  return [y, xhat, rstd];
}

function layerNormGrad(args: {
  inputs: { dy: TensorInfo; xhat: TensorInfo; rstd: TensorInfo; gamma: TensorInfo };
  backend: BackendWasm;
}): TensorInfo[] {
  const { inputs, backend } = args;
  const { rows, width } = rowsOf(inputs.xhat, inputs.gamma, LAYER_NORM_GRAD);
  const dx = newTensor(backend, inputs.xhat.shape);
  const dgamma = newTensor(backend, inputs.gamma.shape);
  const dbeta = newTensor(backend, inputs.gamma.shape);
  floatView(backend, dgamma).fill(0);
  floatView(backend, dbeta).fill(0);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  requiredSimdFunction<LayerNormGradSimd>(backend, GRAD)(
    at(inputs.dy),
    at(inputs.xhat),
    at(inputs.rstd),
    at(inputs.gamma),
    at(dx),
    at(dgamma),
    at(dbeta),
    rows,
    width,
    1 / width,
  );
  return [dx, dgamma, dbeta];
}

export const layerNormConfig: KernelConfig = {
  kernelName: LAYER_NORM,
  backendName: 'wasm',
  kernelFunc: layerNorm as unknown as KernelFunc,
};

export const layerNormGradConfig: KernelConfig = {
  kernelName: LAYER_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: layerNormGrad as unknown as KernelFunc,
};
