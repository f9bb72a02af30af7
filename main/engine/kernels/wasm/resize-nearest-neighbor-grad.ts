// The gradient of nearest-neighbour resize: every output pixel adds its gradient to the input
// pixel it was copied from. The stock kernel searches a window around every input pixel instead
// (about 7x slower). Whole-number upscales (a U-Net's ×2) are block sums: dy seen as
// [batch, inH, s, inW, s, channels] summed over both s axes by SIMD kernels (chunked-sum.ts),
// several times faster than the loop below.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  ResizeNearestNeighborGrad,
  type ResizeNearestNeighborGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { chunkedSum } from './chunked-sum.ts';
import { floatView, withShape } from './kernel-call.ts';
import { nearestSources } from './resize-nearest-neighbor.ts';

function resizeNearestNeighborGrad(args: {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: ResizeNearestNeighborGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { images, dy } = inputs;
  const [batch, inH, inW, channels] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const rows = nearestSources(inH, outH, attrs.alignCorners, attrs.halfPixelCenters);
  const cols = nearestSources(inW, outW, attrs.alignCorners, attrs.halfPixelCenters);
  const sy = outH / inH;
  const sx = outW / inW;
  const blocks =
    Number.isInteger(sy) &&
    Number.isInteger(sx) &&
    rows.every((r, y) => r === Math.floor(y / sy)) &&
    cols.every((c, x) => c === Math.floor(x / sx));
  if (blocks && dy.dtype === 'float32') {
    const summed = chunkedSum(backend, withShape(dy, [batch, inH, sy, inW, sx, channels]), new Set([2, 4]), [
      batch,
      inH,
      inW,
      channels,
    ]);
    if (summed) return summed;
  }
  const out = backend.makeOutput([batch, inH, inW, channels], 'float32');
  const g = floatView(backend, dy);
  const dx = floatView(backend, out);
  dx.fill(0);
  let from = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < outH; y++) {
      const row = (b * inH + rows[y]!) * inW;
      for (let x = 0; x < outW; x++) {
        const to = (row + cols[x]!) * channels;
        for (let c = 0; c < channels; c++) dx[to + c]! += g[from + c]!;
        from += channels;
      }
    }
  }
  return out;
}

export const resizeNearestNeighborGradConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborGrad as unknown as KernelFunc,
};
