// Nearest-neighbour resize (the U-Net's upsampler) with plain loops over heap views: a pixel's
// channels are one contiguous run, and repeated rows are copied whole.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  ResizeNearestNeighbor,
  type ResizeNearestNeighborAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { floatView, runStockKernel } from './kernel-call.ts';
import { copyRun } from './strided-copy.ts';

/** For every output row (or column), the input row it copies: tfjs's nearest-neighbour rule. */
export function nearestSources(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const aligned = alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const sources = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) s = Math.max(0, s);
    sources[o] = s;
  }
  return sources;
}

function resizeNearestNeighbor(args: {
  inputs: { images: TensorInfo };
  backend: BackendWasm;
  attrs: ResizeNearestNeighborAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { images } = inputs;
  if (images.dtype !== 'float32') {
    return runStockKernel(backend, ResizeNearestNeighbor, inputs, attrs as unknown as Record<string, never>);
  }
  const [batch, inH, inW, channels] = images.shape as [number, number, number, number];
  const [outH, outW] = attrs.size;
  const rows = nearestSources(inH, outH, attrs.alignCorners, attrs.halfPixelCenters);
  const cols = nearestSources(inW, outW, attrs.alignCorners, attrs.halfPixelCenters);
  const out = backend.makeOutput([batch, outH, outW, channels], 'float32');
  const src = floatView(backend, images);
  const dst = floatView(backend, out);
  let to = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < outH; y++) {
      const row = (b * inH + rows[y]!) * inW;
      if (y > 0 && rows[y] === rows[y - 1]) {
        // Same source row as the previous output row: copy that row whole.
        dst.copyWithin(to, to - outW * channels, to);
        to += outW * channels;
        continue;
      }
      for (let x = 0; x < outW; x++) {
        copyRun(src, (row + cols[x]!) * channels, dst, to, channels);
        to += channels;
      }
    }
  }
  return out;
}

export const resizeNearestNeighborConfig: KernelConfig = {
  kernelName: ResizeNearestNeighbor,
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighbor as unknown as KernelFunc,
};
