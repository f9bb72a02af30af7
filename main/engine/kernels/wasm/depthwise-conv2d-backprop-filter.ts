// The filter gradient of a depthwise convolution, which tfjs-backend-wasm lacks, as one depthwise
// XNNPACK convolution: every (batch, channel) pair of the input becomes a channel ([1, h, w, n*c])
// whose filter is the matching output gradient ([ho, wo, n*c, m]), dilated by the forward stride;
// summing the batch out of the [kh, kw, n, c*m] result leaves the gradient.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { filterGradientPads } from './conv-operands.ts';
import { release, runKernel, withShape } from './kernel-call.ts';

function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const [kh, kw, channels, multiplier] = filterShape;
  const [n, h, w] = x.shape as [number, number, number, number];
  const padH = filterGradientPads(
    h,
    info.outHeight,
    kh,
    info.strideHeight,
    info.dilationHeight,
    info.padInfo.top,
  );
  const padW = filterGradientPads(
    w,
    info.outWidth,
    kw,
    info.strideWidth,
    info.dilationWidth,
    info.padInfo.left,
  );
  const input = runKernel(backend, 'Transpose', { x }, { perm: [1, 2, 0, 3] });
  const gradient = runKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  let product = runKernel(
    backend,
    'DepthwiseConv2dNative',
    {
      x: withShape(input, [1, h, w, n * channels]),
      filter: withShape(gradient, [info.outHeight, info.outWidth, n * channels, multiplier]),
    },
    {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad: [
        [0, 0],
        [padH.before, padH.after],
        [padW.before, padW.after],
        [0, 0],
      ],
    },
  );
  release(backend, input, gradient);
  if (padH.excess > 0 || padW.excess > 0) {
    const cut = runKernel(
      backend,
      'Slice',
      { x: product },
      { begin: [0, 0, 0, 0], size: [1, kh, kw, n * channels * multiplier] },
    );
    release(backend, product);
    product = cut;
  }
  if (n === 1) return withShape(product, filterShape);
  const summed = runKernel(
    backend,
    'Sum',
    { x: withShape(product, [kh, kw, n, channels * multiplier]) },
    { axis: [2], keepDims: false },
  );
  release(backend, product);
  return withShape(summed, filterShape);
}

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
