// Our wasm kernels, registered over tfjs's stock ones. One file per kernel; this is the list.
import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { adamwUpdateConfig } from './adamw-update.ts';
import { batchMatMulConfig } from './batch-mat-mul.ts';
import { castConfig } from './cast.ts';
import { conv2DConfig } from './conv2d.ts';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-backprop-filter.ts';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-backprop-input.ts';
import { gegluConfig, gegluGradConfig } from './geglu.ts';
import { groupNormConfig } from './group-norm.ts';
import { groupNormGradConfig } from './group-norm-grad.ts';
import { identityConfig } from './identity.ts';
import { layerNormConfig, layerNormGradConfig } from './layer-norm.ts';
import { meanConfig } from './mean.ts';
import { resizeNearestNeighborConfig } from './resize-nearest-neighbor.ts';
import { resizeNearestNeighborGradConfig } from './resize-nearest-neighbor-grad.ts';
import { reverseConfig } from './reverse.ts';
import { siluGradConfig } from './silu-grad.ts';
import { sliceConfig } from './slice.ts';
import { splitVConfig } from './split-v.ts';
import { rememberStockKernel, stockKernel } from './stock-kernels.ts';
import { sumConfig } from './sum.ts';

const overrides: KernelConfig[] = [
  adamwUpdateConfig,
  batchMatMulConfig,
  castConfig,
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  gegluConfig,
  gegluGradConfig,
  groupNormConfig,
  groupNormGradConfig,
  identityConfig,
  layerNormConfig,
  layerNormGradConfig,
  meanConfig,
  resizeNearestNeighborConfig,
  resizeNearestNeighborGradConfig,
  reverseConfig,
  siluGradConfig,
  sliceConfig,
  splitVConfig,
  sumConfig,
];

let registered = false;

/** Registers every override for the wasm backend; returns the kernel names. Idempotent. */
export function registerWasmKernelOverrides(): string[] {
  if (!registered) {
    for (const config of overrides) {
      rememberStockKernel(config.kernelName);
      if (getKernel(config.kernelName, 'wasm')) unregisterKernel(config.kernelName, 'wasm');
      registerKernel(config);
    }
    registered = true;
  }
  return overrides.map((k) => k.kernelName);
}

/** Puts the stock kernels back (for benchmarks that compare them with ours). */
export function unregisterWasmKernelOverrides(): void {
  if (!registered) return;
  for (const config of overrides) {
    unregisterKernel(config.kernelName, 'wasm');
    const stock = stockKernel(config.kernelName);
    if (stock) registerKernel(stock);
  }
  registered = false;
}
