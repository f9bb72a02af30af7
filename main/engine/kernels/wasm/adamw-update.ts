// The fused AdamW step (see ../adamw-update-op.ts) over the wasm heap: one pass over the parameter,
// its moments and its gradient, 4 lanes at a time by adamw-simd.ts; a scalar loop (float64,
// stored as float32) does the last few elements, or everything where SIMD is unavailable.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ADAMW_UPDATE, type AdamWUpdateAttrs } from '../adamw-update-op.ts';
import { adamwSimd } from './adamw-simd.ts';
import { floatView, newTensor } from './kernel-call.ts';
import { heapOffset } from './wasm-bytes.ts';

function adamwUpdate(args: {
  inputs: { param: TensorInfo; m: TensorInfo; v: TensorInfo; grad: TensorInfo };
  backend: BackendWasm;
  attrs: AdamWUpdateAttrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { param, m, v, grad } = inputs;
  const size = param.shape.reduce((a, b) => a * b, 1);
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') throw new Error(`${ADAMW_UPDATE}: ${name} is ${t.dtype}, not float32`);
    if (t.shape.reduce((a, b) => a * b, 1) !== size) {
      throw new Error(`${ADAMW_UPDATE}: ${name} has shape [${t.shape}], the parameter [${param.shape}]`);
    }
  }
  const pOut = newTensor(backend, param.shape);
  const mOut = newTensor(backend, param.shape);
  const vOut = newTensor(backend, param.shape);
  const { beta1, beta2, eps, lr, weightDecay, c1, c2 } = attrs;
  const keep = 1 - lr * weightDecay;
  const step = lr / c1;
  const rc2 = 1 / c2;
  const simd = adamwSimd(backend);
  let done = 0;
  if (simd) {
    done = size - (size % 4);
    const at = (t: TensorInfo) => heapOffset(backend, t);
    simd(
      at(param),
      at(m),
      at(v),
      at(grad),
      at(pOut),
      at(mOut),
      at(vOut),
      done,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      keep,
      step,
      rc2,
      eps,
    );
  }
  // Views only after every allocation: growing the heap detaches earlier ones.
  const p0 = floatView(backend, param);
  const m0 = floatView(backend, m);
  const v0 = floatView(backend, v);
  const g = floatView(backend, grad);
  const p1 = floatView(backend, pOut);
  const m1 = floatView(backend, mOut);
  const v1 = floatView(backend, vOut);
  for (let i = done; i < size; i++) {
    const gi = g[i]!;
    const mi = beta1 * m0[i]! + (1 - beta1) * gi;
    const vi = beta2 * v0[i]! + (1 - beta2) * gi * gi;
    m1[i] = mi;
    v1[i] = vi;
    p1[i] = p0[i]! * keep - (step * mi) / (Math.sqrt(vi * rc2) + eps);
  }
  return [pOut, mOut, vOut];
}

export const adamwUpdateConfig: KernelConfig = {
  kernelName: ADAMW_UPDATE,
  backendName: 'wasm',
  kernelFunc: adamwUpdate as unknown as KernelFunc,
};
