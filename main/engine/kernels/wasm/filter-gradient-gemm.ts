// The filter gradient of a stride-1 convolution as ONE matrix product with a long shared
// dimension. The input is laid out on a flat grid (images one below the other, rows one after
// the other, separated by shared zero rows and columns), so that every filter tap (i, j) is a
// constant shift i·rowWidth + j along the flat axis: tap (i, j)'s operand A [ci, K] is the grid
// itself read from that shift on (our product reads it in place: no copy per tap); the output
// gradient, placed at each output pixel's base position on the same grid, forms G [K, co], which
// every tap shares (packed once per k block); A_tap · G for each tap is the gradient in HWIO
// order. A plain GEMM (K = the pixels) where the rearranged convolution of
// conv2d-backprop-filter.ts ran a 16×16 "filter" with only the batch as its depth. The grid
// adds zero positions (a fifth more on 16×16 maps, half again on 4×4), which cost products; on
// small maps the patches are copied out instead (im2col, one run of channels per tap and pixel),
// which costs copies but no extra products.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BatchMatMul, type backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdProduct } from './gemm-product.ts';
import { gemmSimd } from './gemm-simd.ts';
import { floatView, newTensor, release, runKernel, withShape } from './kernel-call.ts';
import { heapOffset } from './wasm-bytes.ts';

export interface FilterGradientGrid {
  /** Zero columns after each row and zero rows between images (and before the first). */
  zeroCols: number;
  zeroRows: number;
  rowWidth: number;
  /** Flat position of image n's row 0, column 0. */
  imageStart: (n: number) => number;
  /** Flat length of the shared (K) axis: one past the last output pixel's base position. */
  shared: number;
  /** Flat length of the input grid: `shared` plus the largest tap shift. */
  gridLength: number;
  /** Flat base position of output pixel (n, y, x). */
  base: (n: number, y: number, x: number) => number;
}

/** The grid for this convolution, or null when the product form does not apply. */
export function filterGradientGrid(info: backend_util.Conv2DInfo): FilterGradientGrid | null {
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return null;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const { top, bottom, left, right } = info.padInfo;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) return null;
  const zeroCols = Math.max(left, right);
  const zeroRows = Math.max(top, bottom);
  const rowWidth = info.inWidth + zeroCols;
  if (info.outWidth > rowWidth || info.outHeight > info.inHeight + zeroRows) return null;
  const imageRows = info.inHeight + zeroRows;
  // One extra zero row first keeps every base position (which starts `left` columns early) >= 0.
  const imageStart = (n: number) => (1 + zeroRows + n * imageRows) * rowWidth;
  const base = (n: number, y: number, x: number) => imageStart(n) + (y - top) * rowWidth + (x - left);
  const shared = base(info.batchSize - 1, info.outHeight - 1, info.outWidth - 1) + 1;
  const gridLength = shared + (info.filterHeight - 1) * rowWidth + (info.filterWidth - 1);
  return { zeroCols, zeroRows, rowWidth, imageStart, shared, gridLength, base };
}

/** Extra products the grid costs over the convolution's own (1 = none). */
export function gridOverhead(info: backend_util.Conv2DInfo, grid: FilterGradientGrid): number {
  return grid.shared / (info.batchSize * info.outHeight * info.outWidth);
}

/** Above this many grid products per useful one, im2col is the cheaper form (measured). */
export const GRID_OVERHEAD_LIMIT = 1.4;

/**
 * im2col: P [n·ho·wo, kh·kw·ci], row (b, y, x) holding output pixel (y, x)'s window in (i, j, c)
 * order, zeros where the window leaves the input; any stride and dilation.
 */
export function convPatches(backend: BackendWasm, x: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci } = info;
  const { outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const rowLength = kh * kw * ci;
  const patches = newTensor(backend, [n * ho * wo, rowLength]);
  const src = floatView(backend, x);
  const dst = floatView(backend, patches);
  dst.fill(0);
  let row = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < ho; y++) {
      for (let xo = 0; xo < wo; xo++, row++) {
        for (let i = 0; i < kh; i++) {
          const yy = y * sh + i * dh - top;
          if (yy < 0 || yy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xx = xo * sw + j * dw - left;
            if (xx < 0 || xx >= w) continue;
            const from = ((b * h + yy) * w + xx) * ci;
            dst.set(src.subarray(from, from + ci), row * rowLength + (i * kw + j) * ci);
          }
        }
      }
    }
  }
  return patches;
}

/** The same product with exact K: P^T · dy [pixels, co] over the patches P. */
export function filterGradientByIm2col(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inChannels: ci, outChannels: co } = info;
  const { outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info;
  const pixels = n * ho * wo;
  const patches = convPatches(backend, x, info);
  const product = runKernel(
    backend,
    BatchMatMul,
    { a: patches, b: withShape(dy, [pixels, co]) },
    { transposeA: true, transposeB: false },
  );
  release(backend, patches);
  return withShape(product, [kh, kw, ci, co]);
}

/** The input on the grid, [gridLength, ci], zeros around: each input row is one contiguous run. */
export function inputOnGrid(
  backend: BackendWasm,
  x: TensorInfo,
  info: backend_util.Conv2DInfo,
  grid: FilterGradientGrid,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci } = info;
  const onGrid = newTensor(backend, [grid.gridLength, ci]);
  const src = floatView(backend, x);
  const dst = floatView(backend, onGrid);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const from = (b * h + y) * w * ci;
      dst.set(src.subarray(from, from + w * ci), (grid.imageStart(b) + y * grid.rowWidth) * ci);
    }
  }
  return onGrid;
}

export function filterGradientByGemm(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
  grid: FilterGradientGrid,
): TensorInfo {
  const gemm = gemmSimd(backend);
  if (!gemm) return filterGradientByIm2col(backend, x, dy, info);
  const { batchSize: n, inChannels: ci, outChannels: co } = info;
  const { outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info;
  const { rowWidth, shared } = grid;

  const onGrid = inputOnGrid(backend, x, info, grid);
  // G [shared, co]: the output gradient at each output pixel's base position, zeros elsewhere.
  const gradient = newTensor(backend, [shared, co]);
  {
    const g = floatView(backend, dy);
    const out = floatView(backend, gradient);
    out.fill(0);
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < ho; y++) {
        const from = (b * ho + y) * wo * co;
        out.set(g.subarray(from, from + wo * co), grid.base(b, y, 0) * co);
      }
    }
  }
  // Tap (i, j)'s A [ci, shared] is the grid itself shifted by i·rowWidth + j positions, read in
  // place (channels adjacent, positions ci floats apart); every tap meets the same G.
  const shifts: number[] = [];
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) shifts.push((i * rowWidth + j) * ci * 4);
  const product = newTensor(backend, [kh, kw, ci, co]);
  simdProduct(
    backend,
    gemm,
    {
      base: heapOffset(backend, onGrid),
      sliceStride: 0,
      sliceOffsets: shifts,
      lineStride: 4,
      kStride: ci * 4,
    },
    { base: heapOffset(backend, gradient), sliceStride: 0, lineStride: 4, kStride: co * 4 },
    product,
    { batch: kh * kw, m: ci, k: shared, n: co },
  );
  release(backend, onGrid, gradient);
  return product;
}
