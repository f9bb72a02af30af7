// Mean over any axes with SIMD kernels (see chunked-sum.ts); innermost-only reductions stay stock.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  Mean,
  type MeanAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { chunkedSum } from './chunked-sum.ts';
import { floatView, runStockKernel } from './kernel-call.ts';
import { reducedShape, reducesInnermostOnly } from './reduce-axes.ts';

function mean(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: MeanAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const axes = new Set(util.parseAxisParam(attrs.axis, x.shape));
  if (x.dtype !== 'float32' || reducesInnermostOnly(x.shape, axes) || util.sizeFromShape(x.shape) === 0) {
    return runStockKernel(backend, Mean, inputs, attrs as unknown as Record<string, never>);
  }
  const out = chunkedSum(backend, x, axes, reducedShape(x.shape, axes, attrs.keepDims));
  if (!out) return runStockKernel(backend, Mean, inputs, attrs as unknown as Record<string, never>);
  let count = 1;
  for (const a of axes) count *= x.shape[a]!;
  // The sum is ours alone and small: scale it where it lies.
  const values = floatView(backend, out);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! / count;
  return out;
}

export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: mean as unknown as KernelFunc,
};
