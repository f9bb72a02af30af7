// Running wasm kernels from inside other kernels. A kernelFunc called directly adds nothing to the
// gradient tape and no engine bookkeeping, so every intermediate it returns must be released with
// `release` (the backend keeps its own reference counts).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type DataType,
  getKernel,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { stockKernel } from './stock-kernels.ts';

function kernelFuncFor(name: string, preferStock: boolean): KernelFunc {
  const config = (preferStock ? stockKernel(name) : null) ?? getKernel(name, 'wasm');
  if (!config) throw new Error(`wasm kernel "${name}" is not registered`);
  return config.kernelFunc;
}

function single(name: string, out: TensorInfo | TensorInfo[]): TensorInfo {
  if (Array.isArray(out)) throw new Error(`wasm kernel "${name}" returned several outputs`);
  return out;
}

/** Runs the kernel registered for `name` now (ours where we replaced it). */
export function runKernel(
  backend: BackendWasm,
  name: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  return single(name, kernelFuncFor(name, false)({ inputs, backend, attrs }));
}

/** Runs the kernel tfjs shipped for `name` (for an override that delegates the cases it does well). */
export function runStockKernel(
  backend: BackendWasm,
  name: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  return single(name, kernelFuncFor(name, true)({ inputs, backend, attrs }));
}

export function release(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The same data under another shape, for a tensor this kernel owns (no copy, no new reference). */
export function withShape(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

export function newTensor(backend: BackendWasm, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  return backend.makeOutput(shape, dtype);
}

/**
 * A live view of a tensor's memory. Allocating grows the wasm heap and detaches earlier views, so
 * take views only after every allocation a step needs.
 */
export function heapView(backend: BackendWasm, info: TensorInfo): Float32Array | Int32Array | Uint8Array {
  return backend.typedArrayFromHeap(info) as Float32Array | Int32Array | Uint8Array;
}

export function floatView(backend: BackendWasm, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}
