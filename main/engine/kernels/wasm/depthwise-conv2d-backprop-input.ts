// The input gradient of a depthwise convolution, which tfjs-backend-wasm lacks: a depthwise
// XNNPACK convolution of the (stride-spread) output gradient with the flipped filter, one filter
// per output channel; with a channel multiplier m the m results of each input channel are summed.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { flipFilter, inputGradientPads, spreadPixels } from './conv-operands.ts';
import { release, runKernel, withShape } from './kernel-call.ts';

function depthwiseConv2dNativeBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const padH = inputGradientPads(
    info.inHeight,
    info.outHeight,
    info.filterHeight,
    info.strideHeight,
    info.dilationHeight,
    info.padInfo.top,
  );
  const padW = inputGradientPads(
    info.inWidth,
    info.outWidth,
    info.filterWidth,
    info.strideWidth,
    info.dilationWidth,
    info.padInfo.left,
  );
  if (!padH || !padW) {
    throw new Error(
      `DepthwiseConv2dNativeBackpropInput on wasm: padding ${JSON.stringify(pad)} exceeds the ${info.filterHeight}x${info.filterWidth} filter`,
    );
  }
  const [kh, kw, channels, multiplier] = filter.shape as [number, number, number, number];
  const spread = info.strideHeight > 1 || info.strideWidth > 1;
  const source = spread ? spreadPixels(backend, dy, info.strideHeight, info.strideWidth) : dy;
  const flipped = flipFilter(backend, filter, false);
  const perOutputChannel = runKernel(
    backend,
    'DepthwiseConv2dNative',
    { x: source, filter: withShape(flipped, [kh, kw, channels * multiplier, 1]) },
    {
      strides: [1, 1],
      dilations: [info.dilationHeight, info.dilationWidth],
      pad: [
        [0, 0],
        [padH.before, padH.after],
        [padW.before, padW.after],
        [0, 0],
      ],
    },
  );
  release(backend, flipped);
  if (spread) release(backend, source);
  let out = perOutputChannel;
  if (multiplier > 1) {
    const [n, h, w] = perOutputChannel.shape as [number, number, number, number];
    out = runKernel(
      backend,
      'Sum',
      { x: withShape(perOutputChannel, [n, h, w, channels, multiplier]) },
      { axis: [4], keepDims: false },
    );
    release(backend, perOutputChannel);
  }
  if (padH.excess === 0 && padW.excess === 0) return out;
  const cut = runKernel(backend, 'Slice', { x: out }, { begin: [0, 0, 0, 0], size: info.inShape });
  release(backend, out);
  return cut;
}

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
