// Group norm's forward on wasm (see ../group-norm-op.ts) with our SIMD row kernels: per-channel
// sums give each group's mean; the centred input (kept for the gradient) gives each group's
// variance in a second pass, as tf.moments computes it; one affine pass writes the output.
// Outputs: y, the centred input, and 1 / sqrt(var + eps) per [batch, group].
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GROUP_NORM, type GroupNormAttrs } from '../group-norm-op.ts';
import { floatView, newTensor, release } from './kernel-call.ts';
import { affine2Simd, sumProductsSimd } from './row-simd.ts';
import { sumRowsSimd } from './sum-rows-simd.ts';
import { heapOffset } from './wasm-bytes.ts';

export interface RowLayout {
  batch: number;
  rows: number;
  channels: number;
  groups: number;
  perGroup: number;
}

/** [batch, pixels, channels] of an NHWC tensor, checked for the SIMD kernels. */
export function rowLayout(shape: readonly number[], groups: number, what: string): RowLayout {
  const batch = shape[0]!;
  const channels = shape[shape.length - 1]!;
  const rows = shape.reduce((a, b) => a * b, 1) / (batch * channels);
  if (channels % 4 !== 0 || channels % groups !== 0) {
    throw new Error(`${what}: ${channels} channels must split into ${groups} groups and be a multiple of 4`);
  }
  return { batch, rows, channels, groups, perGroup: channels / groups };
}

export function simdKernels(backend: BackendWasm) {
  const sumRows = sumRowsSimd(backend);
  const sumProducts = sumProductsSimd(backend);
  const affine2 = affine2Simd(backend);
  if (!sumRows || !sumProducts || !affine2) throw new Error('WebAssembly SIMD is not available');
  return { sumRows, sumProducts, affine2 };
}

function groupNorm(args: {
  inputs: { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  backend: BackendWasm;
  attrs: GroupNormAttrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, gamma, beta } = inputs;
  const { batch, rows, channels, groups, perGroup } = rowLayout(x.shape, attrs.groups, GROUP_NORM);
  const { sumRows, sumProducts, affine2 } = simdKernels(backend);
  const perChannel = batch * channels;
  const sums = newTensor(backend, [batch, channels]);
  const coefs = newTensor(backend, [3, batch, channels]);
  const centred = newTensor(backend, x.shape);
  const y = newTensor(backend, x.shape);
  const rstd = newTensor(backend, [batch, groups]);
  const at = (t: TensorInfo, element = 0) => heapOffset(backend, t) + element * 4;
  const count = rows * perGroup;
  const mean = new Float64Array(batch * groups);

  sumRows(at(x), at(sums), batch, rows, channels);
  {
    const s = floatView(backend, sums);
    const c = floatView(backend, coefs);
    for (let b = 0; b < batch; b++) {
      for (let g = 0; g < groups; g++) {
        let total = 0;
        for (let k = 0; k < perGroup; k++) total += s[b * channels + g * perGroup + k]!;
        mean[b * groups + g] = total / count;
      }
    }
    for (let i = 0; i < perChannel; i++) {
      c[i] = 1;
      c[perChannel + i] = 0;
      c[2 * perChannel + i] =
        -mean[Math.floor(i / channels) * groups + Math.floor((i % channels) / perGroup)]!;
    }
  }
  affine2(
    at(x),
    at(x),
    at(coefs),
    at(coefs, perChannel),
    at(coefs, 2 * perChannel),
    at(centred),
    batch,
    rows,
    channels,
  );
  sumProducts(at(centred), at(centred), at(sums), batch, rows, channels);
  {
    const s = floatView(backend, sums);
    const c = floatView(backend, coefs);
    const r = floatView(backend, rstd);
    const gm = floatView(backend, gamma);
    const bt = floatView(backend, beta);
    for (let b = 0; b < batch; b++) {
      for (let g = 0; g < groups; g++) {
        let total = 0;
        for (let k = 0; k < perGroup; k++) total += s[b * channels + g * perGroup + k]!;
        r[b * groups + g] = 1 / Math.sqrt(total / count + attrs.eps);
      }
    }
    for (let i = 0; i < perChannel; i++) {
      const ch = i % channels;
      c[i] = r[Math.floor(i / channels) * groups + Math.floor(ch / perGroup)]! * gm[ch]!;
      c[2 * perChannel + i] = bt[ch]!;
    }
  }
  affine2(
    at(centred),
    at(centred),
    at(coefs),
    at(coefs, perChannel),
    at(coefs, 2 * perChannel),
    at(y),
    batch,
    rows,
    channels,
  );
  release(backend, sums, coefs);
  return [y, centred, rstd];
}

export const groupNormConfig: KernelConfig = {
  kernelName: GROUP_NORM,
  backendName: 'wasm',
  kernelFunc: groupNorm as unknown as KernelFunc,
};
