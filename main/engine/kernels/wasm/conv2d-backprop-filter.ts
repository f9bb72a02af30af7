// The filter gradient of a convolution, which tfjs-backend-wasm lacks, as one XNNPACK
// convolution over rearranged operands: the input with batch and channels swapped
// ([ci, h, w, n]) convolved with the output gradient as the filter ([ho, wo, n, co]), dilated by
// the forward stride. That yields [ci, kh, kw, co]; one transpose makes it [kh, kw, ci, co].
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { filterGradientPads } from './conv-operands.ts';
import {
  filterGradientByGemm,
  filterGradientByIm2col,
  filterGradientGrid,
  GRID_OVERHEAD_LIMIT,
  gridOverhead,
} from './filter-gradient-gemm.ts';
import { release, runKernel } from './kernel-call.ts';

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
  if (grid) {
    return gridOverhead(info, grid) > GRID_OVERHEAD_LIMIT
      ? filterGradientByIm2col(backend, x, dy, info)
      : filterGradientByGemm(backend, x, dy, info, grid);
  }
  const padH = filterGradientPads(
    info.inHeight,
    info.outHeight,
    info.filterHeight,
    info.strideHeight,
    1,
    info.padInfo.top,
  );
  const padW = filterGradientPads(
    info.inWidth,
    info.outWidth,
    info.filterWidth,
    info.strideWidth,
    1,
    info.padInfo.left,
  );
  const input = runKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const gradient = runKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  let product = runKernel(
    backend,
    'Conv2D',
    { x: input, filter: gradient },
    {
      strides: [1, 1],
      dilations: [info.strideHeight, info.strideWidth],
      pad: [
        [0, 0],
        [padH.before, padH.after],
        [padW.before, padW.after],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  release(backend, input, gradient);
  if (padH.excess > 0 || padW.excess > 0) {
    const cut = runKernel(
      backend,
      'Slice',
      { x: product },
      { begin: [0, 0, 0, 0], size: [info.inChannels, info.filterHeight, info.filterWidth, info.outChannels] },
    );
    release(backend, product);
    product = cut;
  }
  const out = runKernel(backend, 'Transpose', { x: product }, { perm: [1, 2, 0, 3] });
  release(backend, product);
  return out;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
