// Corrections to tfjs-backend-cpu kernels that compute wrong results. One file per kernel.
import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { cpuResizeNearestNeighborGradConfig } from './resize-nearest-neighbor-grad.ts';

const fixes: KernelConfig[] = [cpuResizeNearestNeighborGradConfig];

let registered = false;

/** Registers every correction for the cpu backend; returns the kernel names. Idempotent. */
export function registerCpuKernelFixes(): string[] {
  if (!registered) {
    for (const config of fixes) {
      if (getKernel(config.kernelName, 'cpu')) unregisterKernel(config.kernelName, 'cpu');
      registerKernel(config);
    }
    registered = true;
  }
  return fixes.map((k) => k.kernelName);
}
