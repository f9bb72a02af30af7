// Cast to the dtype a tensor already has shares its memory instead of copying it. tfjs's
// gradients cast every multiplication's other operand to float32 (~500 copies per U-Net training
// step); other casts stay stock.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  Cast,
  type CastAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { sharedView } from './identity.ts';
import { runStockKernel } from './kernel-call.ts';

function cast(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: CastAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype !== attrs.dtype || x.dtype === 'string') {
    return runStockKernel(backend, Cast, inputs, attrs as unknown as Record<string, never>);
  }
  return sharedView(backend, x);
}

export const castConfig: KernelConfig = {
  kernelName: Cast,
  backendName: 'wasm',
  kernelFunc: cast as unknown as KernelFunc,
};
