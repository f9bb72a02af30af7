// The kernels tfjs-backend-wasm shipped with, remembered before ours replace them, so an override
// can hand the cases the stock kernel already does fast back to it (and a benchmark can compare).
import { getKernel, type KernelConfig } from '@tensorflow/tfjs-core';

const stock = new Map<string, KernelConfig | null>();

/** Records the kernel registered now under `name` as the stock one; only the first call counts. */
export function rememberStockKernel(name: string): void {
  if (!stock.has(name)) stock.set(name, getKernel(name, 'wasm') ?? null);
}

/** The stock wasm kernel for `name`, or null when tfjs has none (or it was never replaced). */
export function stockKernel(name: string): KernelConfig | null {
  return stock.get(name) ?? null;
}
