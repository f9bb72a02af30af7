// The gradient of nearest-neighbour resize on the cpu backend. tfjs-backend-cpu 4.22 gets it
// wrong: it offsets the output gradient by the input's batch stride (wrong for every batch after
// the first) and its search window misses sources for some size ratios. Here every output pixel
// adds its gradient to the input pixel it was copied from, by the forward rule.
import {
  type KernelConfig,
  type KernelFunc,
  ResizeNearestNeighborGrad,
  type ResizeNearestNeighborGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { nearestSources } from '../wasm/resize-nearest-neighbor.ts';

interface CpuBackendData {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

function resizeNearestNeighborGrad(args: {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: CpuBackendData;
  attrs: ResizeNearestNeighborGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { images, dy } = inputs;
  const [batch, inH, inW, channels] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const rows = nearestSources(inH, outH, attrs.alignCorners, attrs.halfPixelCenters);
  const cols = nearestSources(inW, outW, attrs.alignCorners, attrs.halfPixelCenters);
  const g = backend.data.get(dy.dataId).values;
  const dx = new Float32Array(batch * inH * inW * channels);
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
  return backend.makeTensorInfo([batch, inH, inW, channels], 'float32', dx);
}

export const cpuResizeNearestNeighborGradConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGrad as unknown as KernelFunc,
};
