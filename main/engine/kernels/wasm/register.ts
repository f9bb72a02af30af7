// Our wasm kernels, registered over tfjs's stock ones. One file per kernel; this is the list.
import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';

const overrides: KernelConfig[] = [];

let registered = false;

/** Registers every override for the wasm backend; returns the kernel names. Idempotent. */
export function registerWasmKernelOverrides(): string[] {
  if (!registered) {
    for (const config of overrides) {
      if (getKernel(config.kernelName, 'wasm')) unregisterKernel(config.kernelName, 'wasm');
      registerKernel(config);
    }
    registered = true;
  }
  return overrides.map((k) => k.kernelName);
}
