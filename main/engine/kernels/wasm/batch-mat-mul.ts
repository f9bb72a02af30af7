// Matrix products on our own SIMD product (gemm-product.ts). The stock kernel is fast only for one
// unbatched, untransposed product (XNNPACK fully-connected), and even there slower than ours; with
// a batch or a transpose it falls back to a scalar loop 10-30x slower. Ours reads both operands
// in place with any strides, so transposes and batches cost nothing extra, and a right operand
// shared by the whole batch is packed once.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  broadcast_util,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { type Operand, simdProduct } from './gemm-product.ts';
import { gemmSimd } from './gemm-simd.ts';
import { newTensor, runStockKernel } from './kernel-call.ts';
import { heapOffset } from './wasm-bytes.ts';

/**
 * a: [.., m, k] (or [.., k, m] transposed): lines are rows. b: [.., k, n] (or [.., n, k]
 * transposed): lines are columns.
 */
function operand(
  backend: BackendWasm,
  x: TensorInfo,
  batch: number,
  lines: number,
  k: number,
  kMajor: boolean,
): Operand {
  return {
    base: heapOffset(backend, x),
    sliceStride: batch === 1 ? 0 : lines * k * 4,
    lineStride: kMajor ? 4 : k * 4,
    kStride: kMajor ? lines * 4 : 4,
  };
}

function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: BackendWasm;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  const m = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const k = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
  const kB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
  const n = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  const broadcastable = batchA === batchB || batchA === 1 || batchB === 1;
  const gemm = gemmSimd(backend);
  if (
    !gemm ||
    !broadcastable ||
    a.dtype !== 'float32' ||
    b.dtype !== 'float32' ||
    k !== kB ||
    k === 0 ||
    m === 0 ||
    n === 0
  ) {
    // The stock kernel also reports mismatched shapes with tfjs's own message.
    return runStockKernel(backend, BatchMatMul, inputs, attrs as unknown as Record<string, never>);
  }
  const outShape = broadcast_util
    .assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2))
    .concat([m, n]);
  const out = newTensor(backend, outShape);
  const left = operand(backend, a, batchA, m, k, transposeA);
  const right = operand(backend, b, batchB, n, k, !transposeB);
  simdProduct(backend, gemm, left, right, out, { batch: Math.max(batchA, batchB), m, k, n });
  return out;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
