// Sum over any axes with SIMD kernels (see chunked-sum.ts); innermost-only reductions stay stock.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  Sum,
  type SumAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { chunkedSum } from './chunked-sum.ts';
import { runStockKernel } from './kernel-call.ts';
import { reducedShape, reducesInnermostOnly } from './reduce-axes.ts';

function sum(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: SumAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const axes = new Set(util.parseAxisParam(attrs.axis, x.shape));
  if (x.dtype !== 'float32' || reducesInnermostOnly(x.shape, axes) || util.sizeFromShape(x.shape) === 0) {
    return runStockKernel(backend, Sum, inputs, attrs as unknown as Record<string, never>);
  }
  const out = chunkedSum(backend, x, axes, reducedShape(x.shape, axes, attrs.keepDims));
  return out ?? runStockKernel(backend, Sum, inputs, attrs as unknown as Record<string, never>);
}

export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as KernelFunc,
};
