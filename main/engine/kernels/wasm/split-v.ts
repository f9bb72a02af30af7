// SplitV as slices that read the input in place (the stock one copies the whole input per part).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  SplitV,
  type SplitVAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { sliceInPlace } from './slice.ts';
import { stockKernel } from './stock-kernels.ts';

function splitV(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SplitVAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const stock = stockKernel(SplitV);
  if (x.dtype === 'string' && stock) {
    return stock.kernelFunc({
      inputs,
      backend,
      attrs: attrs as unknown as Record<string, never>,
    }) as TensorInfo[];
  }
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0]!;
  const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const part = sliceInPlace(backend, x, [...begin], size);
    begin[axis]! += s;
    return part;
  });
}

export const splitVConfig: KernelConfig = {
  kernelName: SplitV,
  backendName: 'wasm',
  kernelFunc: splitV as unknown as KernelFunc,
};
