// The filter gradient of a convolution, which tfjs-backend-wasm lacks, as one matrix product on
// our SIMD product (filter-gradient-gemm.ts): for a stride-1 convolution on the flat grid, where
// each tap is the input read in place from a shift; for strided or dilated ones and small maps
// (whose grid would waste too much), over the patches (im2col). The patches replaced an XNNPACK
// convolution over rearranged operands, which measured about twice as slow on the U-Net's
// stride-2 shapes.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import {
  filterGradientByGemm,
  filterGradientByIm2col,
  filterGradientGrid,
  GRID_OVERHEAD_LIMIT,
  gridOverhead,
} from './filter-gradient-gemm.ts';

function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got dataFormat ${dataFormat}`);
  }
  const grid = filterGradientGrid(info);
  return grid && gridOverhead(info, grid) <= GRID_OVERHEAD_LIMIT
    ? filterGradientByGemm(backend, x, dy, info, grid)
    : filterGradientByIm2col(backend, x, dy, info);
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
