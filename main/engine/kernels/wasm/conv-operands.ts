// Rearranging operands so that a convolution's gradients become ordinary wasm (XNNPACK)
// convolutions: zero-inserted output gradients, spatially flipped filters, and the paddings
// that make the rearranged convolution land exactly on the wanted size.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { floatView, newTensor } from './kernel-call.ts';

/**
 * Spreads an NHWC tensor's pixels `strideH`/`strideW` apart with zeros between them: the input of
 * a transposed convolution expressed as a stride-1 convolution.
 */
export function spreadPixels(
  backend: BackendWasm,
  x: TensorInfo,
  strideH: number,
  strideW: number,
): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const outH = (h - 1) * strideH + 1;
  const outW = (w - 1) * strideW + 1;
  const out = newTensor(backend, [n, outH, outW, c]);
  const src = floatView(backend, x);
  const dst = floatView(backend, out);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const from = ((b * h + y) * w + xx) * c;
        const to = ((b * outH + y * strideH) * outW + xx * strideW) * c;
        dst.set(src.subarray(from, from + c), to);
      }
    }
  }
  return out;
}

/**
 * Flips a [kh, kw, a, b] filter in both spatial axes; with `swapChannels` the result is
 * [kh, kw, b, a] (a convolution filter turned around for its input gradient).
 */
export function flipFilter(backend: BackendWasm, filter: TensorInfo, swapChannels: boolean): TensorInfo {
  const [kh, kw, a, b] = filter.shape as [number, number, number, number];
  const out = newTensor(backend, swapChannels ? [kh, kw, b, a] : [kh, kw, a, b]);
  const src = floatView(backend, filter);
  const dst = floatView(backend, out);
  const tap = a * b;
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      const from = (y * kw + x) * tap;
      const to = ((kh - 1 - y) * kw + (kw - 1 - x)) * tap;
      if (!swapChannels) {
        dst.set(src.subarray(from, from + tap), to);
        continue;
      }
      for (let i = 0; i < a; i++) {
        const row = from + i * b;
        for (let j = 0; j < b; j++) dst[to + j * a + i] = src[row + j]!;
      }
    }
  }
  return out;
}

export interface AxisPads {
  before: number;
  after: number;
  /** Output positions the convolution yields beyond the wanted size (to be cut off). */
  excess: number;
}

/**
 * Pads for the input gradient along one axis, as a stride-1 convolution (dilated like the
 * forward one) over the spread output gradient ((outSize - 1) * stride + 1 long) with the flipped
 * filter. Null when the forward padding exceeds the filter (a negative pad), which no engine layer
 * uses.
 */
export function inputGradientPads(
  inSize: number,
  outSize: number,
  filterSize: number,
  stride: number,
  dilation: number,
  padBefore: number,
): AxisPads | null {
  const before = (filterSize - 1) * dilation - padBefore;
  const after = inSize + padBefore - 1 - (outSize - 1) * stride;
  if (before < 0) return null;
  return { before, after: Math.max(after, 0), excess: Math.max(-after, 0) };
}

/**
 * Pads for the filter gradient along one axis: the forward input convolved with the output
 * gradient as filter (dilated by the forward stride, strided by the forward dilation) must yield
 * `filterSize` positions.
 */
export function filterGradientPads(
  inSize: number,
  outSize: number,
  filterSize: number,
  stride: number,
  dilation: number,
  padBefore: number,
): AxisPads {
  const after = (filterSize - 1) * dilation + (outSize - 1) * stride + 1 - inSize - padBefore;
  return { before: padBefore, after: Math.max(after, 0), excess: Math.max(-after, 0) };
}
