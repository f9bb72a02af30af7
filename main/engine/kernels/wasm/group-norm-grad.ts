// Group norm's gradient on wasm (see ../group-norm-op.ts): per-channel sums of dy and of
// dy · centred input (two SIMD passes) give dgamma, dbeta and the two group means of the
// standard formula dx = rstd·(dxhat - mean(dxhat) - xhat·mean(dxhat·xhat)), dxhat = dy·gamma;
// one affine pass over dy and the centred input writes dx.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { GROUP_NORM_GRAD, type GroupNormAttrs } from '../group-norm-op.ts';
import { rowLayout, simdKernels } from './group-norm.ts';
import { floatView, newTensor, release } from './kernel-call.ts';
import { heapOffset } from './wasm-bytes.ts';

function groupNormGrad(args: {
  inputs: { dy: TensorInfo; centred: TensorInfo; rstd: TensorInfo; gamma: TensorInfo };
  backend: BackendWasm;
  attrs: GroupNormAttrs;
}): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { dy, centred, rstd, gamma } = inputs;
  const { batch, rows, channels, groups, perGroup } = rowLayout(dy.shape, attrs.groups, GROUP_NORM_GRAD);
  const { sumRows, sumProducts, affine2 } = simdKernels(backend);
  const perChannel = batch * channels;
  const dySums = newTensor(backend, [batch, channels]);
  const crossSums = newTensor(backend, [batch, channels]);
  const coefs = newTensor(backend, [3, batch, channels]);
  const dx = newTensor(backend, dy.shape);
  const dGamma = newTensor(backend, [channels]);
  const dBeta = newTensor(backend, [channels]);
  const at = (t: TensorInfo, element = 0) => heapOffset(backend, t) + element * 4;
  const count = rows * perGroup;

  sumRows(at(dy), at(dySums), batch, rows, channels);
  sumProducts(at(dy), at(centred), at(crossSums), batch, rows, channels);
  {
    const s1 = floatView(backend, dySums);
    const s3 = floatView(backend, crossSums);
    const r = floatView(backend, rstd);
    const gm = floatView(backend, gamma);
    const c = floatView(backend, coefs);
    const dg = new Float64Array(channels);
    const db = new Float64Array(channels);
    for (let b = 0; b < batch; b++) {
      for (let g = 0; g < groups; g++) {
        const rs = r[b * groups + g]!;
        let meanDxhat = 0;
        let meanDxhatXhat = 0;
        for (let k = 0; k < perGroup; k++) {
          const ch = g * perGroup + k;
          const i = b * channels + ch;
          const dyXhat = rs * s3[i]!;
          db[ch]! += s1[i]!;
          dg[ch]! += dyXhat;
          meanDxhat += gm[ch]! * s1[i]!;
          meanDxhatXhat += gm[ch]! * dyXhat;
        }
        meanDxhat /= count;
        meanDxhatXhat /= count;
        for (let k = 0; k < perGroup; k++) {
          const ch = g * perGroup + k;
          const i = b * channels + ch;
          c[i] = rs * gm[ch]!;
          c[perChannel + i] = -rs * rs * meanDxhatXhat;
          c[2 * perChannel + i] = -rs * meanDxhat;
        }
      }
    }
    floatView(backend, dGamma).set(dg);
    floatView(backend, dBeta).set(db);
  }
  affine2(
    at(dy),
    at(centred),
    at(coefs),
    at(coefs, perChannel),
    at(coefs, 2 * perChannel),
    at(dx),
    batch,
    rows,
    channels,
  );
  release(backend, dySums, crossSums, coefs);
  return [dx, dGamma, dBeta];
}

export const groupNormGradConfig: KernelConfig = {
  kernelName: GROUP_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: groupNormGrad as unknown as KernelFunc,
};
