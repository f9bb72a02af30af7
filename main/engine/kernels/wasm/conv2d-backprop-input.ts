// The input gradient of a convolution as one XNNPACK convolution: the output gradient (spread
// apart by the stride) convolved with the spatially flipped, channel-swapped filter. The stock
// kernel is a scalar loop, about ten times slower.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { flipFilter, inputGradientPads, spreadPixels } from './conv-operands.ts';
import { release, runKernel, runStockKernel } from './kernel-call.ts';

function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const padH = inputGradientPads(
    info.inHeight,
    info.outHeight,
    info.filterHeight,
    info.strideHeight,
    1,
    info.padInfo.top,
  );
  const padW = inputGradientPads(
    info.inWidth,
    info.outWidth,
    info.filterWidth,
    info.strideWidth,
    1,
    info.padInfo.left,
  );
  if (info.dataFormat !== 'channelsLast' || !padH || !padW) {
    return runStockKernel(backend, Conv2DBackpropInput, inputs, attrs as unknown as Record<string, never>);
  }
  const spread = info.strideHeight > 1 || info.strideWidth > 1;
  const source = spread ? spreadPixels(backend, dy, info.strideHeight, info.strideWidth) : dy;
  const flipped = flipFilter(backend, filter, true);
  const full = runKernel(
    backend,
    'Conv2D',
    { x: source, filter: flipped },
    {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [
        [0, 0],
        [padH.before, padH.after],
        [padW.before, padW.after],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  release(backend, flipped);
  if (spread) release(backend, source);
  if (padH.excess === 0 && padW.excess === 0) return full;
  const cut = runKernel(backend, 'Slice', { x: full }, { begin: [0, 0, 0, 0], size: info.inShape });
  release(backend, full);
  return cut;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
