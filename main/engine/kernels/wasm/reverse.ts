// Reverse with plain loops over heap views; the stock kernel walks every element through a
// generic index computation (about 100 ms for a million floats).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  Reverse,
  type ReverseAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { heapView } from './kernel-call.ts';
import { copyRun, stridesOf } from './strided-copy.ts';

function reverse(args: { inputs: { x: TensorInfo }; backend: BackendWasm; attrs: ReverseAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const shape = x.shape;
  const out = backend.makeOutput([...shape], x.dtype);
  const size = util.sizeFromShape(shape);
  if (size === 0) return out;
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  const flipped = new Set(shape.length === 0 ? [] : util.parseAxisParam(attrs.dims, shape));
  const rank = shape.length;
  let last = -1;
  for (let d = 0; d < rank; d++) if (flipped.has(d) && shape[d]! > 1) last = d;
  if (last < 0) {
    dst.set(src);
    return out;
  }
  const strides = stridesOf(shape);
  const block = strides[last]!;
  const outer = size / (block * shape[last]!);
  // Source offset of every destination position along the outer axes, odometer style.
  const index = new Array<number>(last).fill(0);
  let from = 0;
  for (let d = 0; d < last; d++) if (flipped.has(d)) from += (shape[d]! - 1) * strides[d]!;
  const n = shape[last]!;
  let to = 0;
  for (let o = 0; o < outer; o++) {
    const top = from + (n - 1) * block;
    if (block === 1) {
      for (let i = 0; i < n; i++) dst[to + i] = src[top - i]!;
    } else {
      for (let i = 0; i < n; i++) copyRun(src, top - i * block, dst, to + i * block, block);
    }
    to += n * block;
    for (let d = last - 1; d >= 0; d--) {
      const step = flipped.has(d) ? -strides[d]! : strides[d]!;
      from += step;
      if (++index[d]! < shape[d]!) break;
      from -= step * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

export const reverseConfig: KernelConfig = {
  kernelName: Reverse,
  backendName: 'wasm',
  kernelFunc: reverse as unknown as KernelFunc,
};
