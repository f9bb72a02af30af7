// Convolutions on our SIMD product instead of XNNPACK's (which runs the U-Net's small maps at
// 12-16 GFLOP/s on one core). A 1x1 stride-1 convolution is one product over the pixels. A larger
// stride-1 filter is computed on the flat grid of filter-gradient-gemm.ts (images one below the
// other, rows one after the other, with shared zero rows and columns for the padding): there each
// tap (i, j) is a constant shift of the input along the flat axis, so the output on the grid is
// the sum over the taps of the grid read in place from that tap's shift times the tap's [ci, co]
// slice of the filter, nine k blocks of one product accumulated in place; the output pixels are
// then copied out of the grid. Strided or dilated convolutions, and small maps whose grid would
// waste more than GRID_OVERHEAD_LIMIT, are one product of their patches (im2col) and the filter.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2D,
  type Conv2DAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import {
  convPatches,
  filterGradientGrid,
  GRID_OVERHEAD_LIMIT,
  gridOverhead,
  inputOnGrid,
} from './filter-gradient-gemm.ts';
import { kBlocking, type ProductBlock, runProductBlocks, simdProduct } from './gemm-product.ts';
import { type GemmSimd, gemmSimd } from './gemm-simd.ts';
import { floatView, newTensor, release, runStockKernel } from './kernel-call.ts';
import { heapOffset } from './wasm-bytes.ts';

/** Blocks of one tap's product: A from `a` (rows `aLine` apart), the filter's rows from `w`. */
function tapBlocks(
  a: number,
  aLine: number,
  w: number,
  ci: number,
  co: number,
  c: number,
  first: boolean,
): ProductBlock[] {
  const [kc] = kBlocking(ci);
  const blocks: ProductBlock[] = [];
  for (let p = 0; p < ci; p += kc) {
    blocks.push({
      a: a + p * 4,
      aLine,
      aK: 4,
      b: w + p * co * 4,
      bLine: 4,
      bK: co * 4,
      depth: Math.min(kc, ci - p),
      c,
      accumulate: first && p === 0 ? 0 : 1,
      sameB: false,
    });
  }
  return blocks;
}

/** out [pixels, co] = A [pixels, k] · filter [k, co], A's rows k floats apart at `a`. */
function pixelProduct(
  backend: BackendWasm,
  gemm: GemmSimd,
  a: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, outHeight: ho, outWidth: wo, outChannels: co } = info;
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const out = newTensor(backend, [n, ho, wo, co]);
  simdProduct(
    backend,
    gemm,
    { base: heapOffset(backend, a), sliceStride: 0, lineStride: k * 4, kStride: 4 },
    { base: heapOffset(backend, filter), sliceStride: 0, lineStride: 4, kStride: co * 4 },
    out,
    { batch: 1, m: n * ho * wo, k, n: co },
  );
  return out;
}

/** Any stride, dilation or map size: one product of the patches (im2col) and the filter. */
function byPatches(
  backend: BackendWasm,
  gemm: GemmSimd,
  x: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const patches = convPatches(backend, x, info);
  const out = pixelProduct(backend, gemm, patches, filter, info);
  release(backend, patches);
  return out;
}

function conv2D(args: {
  inputs: { x: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
  const stock = () => runStockKernel(backend, Conv2D, inputs, attrs as unknown as Record<string, never>);
  const gemm = gemmSimd(backend);
  if (!gemm || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) return stock();
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (info.dataFormat !== 'channelsLast' || info.inChannels === 0 || info.outChannels === 0) return stock();
  const { top, bottom, left, right } = info.padInfo;
  const unpadded = top === 0 && bottom === 0 && left === 0 && right === 0;
  if (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    unpadded
  ) {
    return pixelProduct(backend, gemm, x, filter, info);
  }
  const grid = filterGradientGrid(info);
  if (!grid || gridOverhead(info, grid) > GRID_OVERHEAD_LIMIT)
    return byPatches(backend, gemm, x, filter, info);

  const { batchSize: n, inChannels: ci, outChannels: co } = info;
  const { outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info;
  const { rowWidth, shared } = grid;
  // Output rows on the grid from the first output pixel's position on.
  const first = grid.base(0, 0, 0);
  const rows = shared - first;
  const onGrid = inputOnGrid(backend, x, info, grid);
  const outGrid = newTensor(backend, [rows, co]);
  const out = newTensor(backend, [n, ho, wo, co]);
  const gridBase = heapOffset(backend, onGrid) + first * ci * 4;
  const filterBase = heapOffset(backend, filter);
  const blocks: ProductBlock[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const shift = i * rowWidth + j;
      const tap = i * kw + j;
      blocks.push(
        ...tapBlocks(
          gridBase + shift * ci * 4,
          ci * 4,
          filterBase + tap * ci * co * 4,
          ci,
          co,
          heapOffset(backend, outGrid),
          tap === 0,
        ),
      );
    }
  }
  runProductBlocks(backend, gemm, { m: rows, n: co, ldc: co * 4, maxDepth: kBlocking(ci)[0] }, blocks);
  {
    const src = floatView(backend, outGrid);
    const dst = floatView(backend, out);
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < ho; y++) {
        const from = (grid.base(b, y, 0) - first) * co;
        dst.set(src.subarray(from, from + wo * co), (b * ho + y) * wo * co);
      }
    }
  }
  release(backend, onGrid, outGrid);
  return out;
}

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2D as unknown as KernelFunc,
};
