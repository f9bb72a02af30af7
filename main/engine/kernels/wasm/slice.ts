// Slice reading the input in place. The stock kernel first copies the whole input out of the wasm
// heap (readSync) for every slice, so splitting a tensor in n parts copied it n times.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  Slice,
  type SliceAttrs,
  slice_util,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { heapView, runStockKernel } from './kernel-call.ts';
import { copyBox } from './strided-copy.ts';

export function sliceInPlace(
  backend: BackendWasm,
  x: TensorInfo,
  begin: number[],
  size: number[],
): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (util.sizeFromShape(size) > 0)
    copyBox(heapView(backend, x), x.shape, begin, size, heapView(backend, out));
  return out;
}

function slice(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SliceAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype === 'string')
    return runStockKernel(backend, Slice, inputs, attrs as unknown as Record<string, never>);
  const [begin, size] = slice_util.parseSliceParams(x, attrs.begin, attrs.size) as [number[], number[]];
  slice_util.assertParamsValid(x, begin, size);
  return sliceInPlace(backend, x, begin, size);
}

export const sliceConfig: KernelConfig = {
  kernelName: Slice,
  backendName: 'wasm',
  kernelFunc: slice as unknown as KernelFunc,
};
