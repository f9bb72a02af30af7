// Matrix products on XNNPACK's fast path. The stock kernel is fast only for one unbatched,
// untransposed product (XNNPACK fully-connected); with a batch or a transpose it falls back to a
// scalar loop about 10-30x slower. Here transposes are done explicitly, a batch against a shared
// right operand becomes one tall product, and other batches run one slice at a time.
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
import { floatView, newTensor, release, runKernel, runStockKernel, withShape } from './kernel-call.ts';

/** `x` as [batch, rows, cols] in row-major order, transposing when the product wants it. */
function asPlain3d(backend: BackendWasm, x: TensorInfo, batch: number, transposed: boolean): TensorInfo {
  const rank = x.shape.length;
  const r = x.shape[rank - 2]!;
  const c = x.shape[rank - 1]!;
  const stored = runKernel(backend, 'Reshape', { x }, { shape: [batch, r, c] });
  if (!transposed) return stored;
  const plain = runKernel(backend, 'Transpose', { x: stored }, { perm: [0, 2, 1] });
  release(backend, stored);
  return plain;
}

/** One untransposed 2-D product on the stock kernel's fast path: [m, k] x [k, n]. */
function plainProduct(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return runStockKernel(backend, BatchMatMul, { a, b }, { transposeA: false, transposeB: false });
}

function copySlice(backend: BackendWasm, from: TensorInfo, index: number, shape: number[]): TensorInfo {
  const size = util.sizeFromShape(shape);
  const out = newTensor(backend, shape);
  floatView(backend, out).set(floatView(backend, from).subarray(index * size, (index + 1) * size));
  return out;
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
  const plainAlready = batchA === 1 && batchB === 1 && !transposeA && !transposeB;
  const broadcastable = batchA === batchB || batchA === 1 || batchB === 1;
  if (plainAlready || !broadcastable || a.dtype !== 'float32' || b.dtype !== 'float32' || k !== kB) {
    // The stock kernel also reports mismatched shapes with tfjs's own message.
    return runStockKernel(backend, BatchMatMul, inputs, attrs as unknown as Record<string, never>);
  }
  const outShape = broadcast_util
    .assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2))
    .concat([m, n]);
  const left = asPlain3d(backend, a, batchA, transposeA);
  const right = asPlain3d(backend, b, batchB, transposeB);

  if (batchB === 1) {
    // Every left slice meets the same right operand: one tall product.
    const product = plainProduct(backend, withShape(left, [batchA * m, k]), withShape(right, [k, n]));
    release(backend, left, right);
    return withShape(product, outShape);
  }

  const batch = Math.max(batchA, batchB);
  const out = newTensor(backend, outShape);
  for (let i = 0; i < batch; i++) {
    const l = copySlice(backend, left, batchA === 1 ? 0 : i, [m, k]);
    const r = copySlice(backend, right, i, [k, n]);
    const p = plainProduct(backend, l, r);
    floatView(backend, out).set(floatView(backend, p), i * m * n);
    release(backend, l, r, p);
  }
  release(backend, left, right);
  return out;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
