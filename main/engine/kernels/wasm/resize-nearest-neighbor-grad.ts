// The gradient of nearest-neighbour resize: every output pixel adds its gradient to the input
// pixel it was copied from. The stock kernel searches a window around every input pixel instead
// (about 7x slower).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  ResizeNearestNeighborGrad,
  type ResizeNearestNeighborGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { floatView } from './kernel-call.ts';
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
