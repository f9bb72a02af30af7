// Identity without a copy: the output shares the input's memory (one more reference), as the cpu
// backend and tfjs's own wasm Reshape do. Tensors are immutable, so sharing is safe, and the
// engine calls Identity for every tensor the gradient tape saves (~2,300 copies per U-Net
// training step before this).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Identity, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { runStockKernel } from './kernel-call.ts';

/** The input again, as one more reference to its memory (tensors are immutable). */
export function sharedView(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

function identity(args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const { x } = inputs;
  if (x.dtype === 'string') return runStockKernel(backend, Identity, inputs);
  return sharedView(backend, x);
}

export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelFunc,
};
