// Sum over any axes in one pass (see reduce-axes.ts); innermost-only reductions stay stock.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  Sum,
  type SumAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { floatView, runStockKernel } from './kernel-call.ts';
import { reducedShape, reducesInnermostOnly, sumOverAxes } from './reduce-axes.ts';

function sum(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SumAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const axes = new Set(util.parseAxisParam(attrs.axis, x.shape));
  if (x.dtype !== 'float32' || reducesInnermostOnly(x.shape, axes) || util.sizeFromShape(x.shape) === 0) {
    return runStockKernel(backend, Sum, inputs, attrs as unknown as Record<string, never>);
  }
  const out = backend.makeOutput(reducedShape(x.shape, axes, attrs.keepDims), 'float32');
  sumOverAxes(floatView(backend, x), x.shape, axes, floatView(backend, out));
  return out;
}

export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as KernelFunc,
};
