// Mean over any axes in one pass (see reduce-axes.ts); innermost-only reductions stay stock.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  Mean,
  type MeanAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { floatView, runStockKernel } from './kernel-call.ts';
import { reducedShape, reducesInnermostOnly, sumOverAxes } from './reduce-axes.ts';

function mean(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: MeanAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const axes = new Set(util.parseAxisParam(attrs.axis, x.shape));
  if (x.dtype !== 'float32' || reducesInnermostOnly(x.shape, axes) || util.sizeFromShape(x.shape) === 0) {
    return runStockKernel(backend, Mean, inputs, attrs as unknown as Record<string, never>);
  }
  const out = backend.makeOutput(reducedShape(x.shape, axes, attrs.keepDims), 'float32');
  let count = 1;
  for (const a of axes) count *= x.shape[a]!;
  sumOverAxes(floatView(backend, x), x.shape, axes, floatView(backend, out), 1 / count);
  return out;
}

export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: mean as unknown as KernelFunc,
};
