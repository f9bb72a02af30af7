// SiLU's gradient on wasm (see ../silu-op.ts): dy · s · (1 + x · (1 - s)), 4 lanes at a time by a
// WebAssembly SIMD function over tfjs's heap (wasm-bytes.ts); a scalar loop takes the last few.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { SILU_GRAD } from '../silu-op.ts';
import { floatView, newTensor } from './kernel-call.ts';
import { type FunctionSpec, heapOffset, I32, op, simdFunction, V128 } from './wasm-bytes.ts';

type SiluGradSimd = (dy: number, x: number, s: number, out: number, count: number) => void;

// Params 0 dy, 1 x, 2 s, 3 out, 4 count; locals 5 i (bytes), 6 end, 7 sig (v128).
const [DY, X, S, OUT, COUNT, I, END, SIG] = [0, 1, 2, 3, 4, 5, 6, 7];
const { get, set } = op;
const at = (ptr: number) => [...get(ptr), ...get(I), ...op.i32Add];
const spec: FunctionSpec = {
  exportName: 'siluGrad',
  params: [I32, I32, I32, I32, I32],
  locals: [I32, I32, V128],
  code: [
    ...get(COUNT),
    ...op.i32(2),
    ...op.i32Shl,
    ...set(END),
    ...op.i32(0),
    ...set(I),
    ...op.block,
    ...op.loop,
    ...get(I),
    ...get(END),
    ...op.i32GeU,
    ...op.brIf(1),
    ...at(S),
    ...op.load,
    ...set(SIG),
    ...at(OUT),
    // dy · s
    ...at(DY),
    ...op.load,
    ...get(SIG),
    ...op.mul,
    // 1 + x · (1 - s)
    ...op.ones,
    ...at(X),
    ...op.load,
    ...op.ones,
    ...get(SIG),
    ...op.sub,
    ...op.mul,
    ...op.add,
    ...op.mul,
    ...op.store,
    ...get(I),
    ...op.i32(16),
    ...op.i32Add,
    ...set(I),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ],
};

function siluGrad(args: {
  inputs: { dy: TensorInfo; x: TensorInfo; s: TensorInfo };
  backend: BackendWasm;
}): TensorInfo {
  const { inputs, backend } = args;
  const { dy, x, s } = inputs;
  const size = x.shape.reduce((a, b) => a * b, 1);
  const out = newTensor(backend, x.shape);
  const simd = simdFunction<SiluGradSimd>(backend, spec);
  let done = 0;
  if (simd) {
    done = size - (size % 4);
    simd(
      heapOffset(backend, dy),
      heapOffset(backend, x),
      heapOffset(backend, s),
      heapOffset(backend, out),
      done,
    );
  }
  if (done < size) {
    const g = floatView(backend, dy);
    const xv = floatView(backend, x);
    const sv = floatView(backend, s);
    const o = floatView(backend, out);
    for (let i = done; i < size; i++) o[i] = g[i]! * sv[i]! * (1 + xv[i]! * (1 - sv[i]!));
  }
  return out;
}

export const siluGradConfig: KernelConfig = {
  kernelName: SILU_GRAD,
  backendName: 'wasm',
  kernelFunc: siluGrad as unknown as KernelFunc,
};
