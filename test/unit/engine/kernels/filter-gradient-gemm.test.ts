// Both product forms of the stride-1 filter gradient (flat grid and im2col), each forced on every
// case, against the cpu backend's Conv2DBackpropFilter.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  filterGradientByGemm,
  filterGradientByIm2col,
  filterGradientGrid,
  gridOverhead,
} from '../../../../main/engine/kernels/wasm/filter-gradient-gemm.ts';
import { evaluateOn, relativeError, seeded, useWasmWithOverrides } from './compare-backends.ts';

type Pads = [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  pad: 'same' | 'valid' | Pads;
}

const cases: Case[] = [
  { x: [2, 9, 7, 5], filter: [3, 3, 5, 6], pad: 'same' },
  { x: [3, 4, 4, 8], filter: [3, 3, 8, 4], pad: 'same' },
  { x: [2, 16, 16, 3], filter: [3, 3, 3, 4], pad: 'same' },
  { x: [3, 10, 11, 3], filter: [3, 3, 3, 4], pad: 'valid' },
  { x: [2, 6, 5, 7], filter: [1, 1, 7, 9], pad: 'valid' },
  {
    x: [1, 7, 9, 2],
    filter: [3, 2, 2, 3],
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  },
  {
    x: [2, 5, 6, 3],
    filter: [2, 3, 3, 2],
    pad: [
      [0, 0],
      [0, 1],
      [2, 1],
      [0, 0],
    ],
  },
];

function info(c: Case): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, [1, 1], 1, c.pad);
}

const inputs = (c: Case) => {
  const i = info(c);
  const dyShape = [i.batchSize, i.outHeight, i.outWidth, i.outChannels];
  return { x: tf.tensor(seeded(c.x, 11), c.x), dy: tf.tensor(seeded(dyShape, 12), dyShape) };
};

describe('stride-1 filter gradient as one matrix product', () => {
  beforeAll(useWasmWithOverrides);

  for (const c of cases) {
    it(`x ${c.x} filter ${c.filter} pad ${JSON.stringify(c.pad)}: grid and im2col match cpu`, async () => {
      const grid = filterGradientGrid(info(c));
      expect(grid).not.toBeNull();
      expect(gridOverhead(info(c), grid!)).toBeGreaterThanOrEqual(1);
      const [viaGrid, viaIm2col] = await evaluateOn('wasm', () => {
        const { x, dy } = inputs(c);
        const backend = tf.backend() as BackendWasm;
        const run = (out: tf.TensorInfo) => tf.engine().makeTensorFromTensorInfo(out);
        return [
          run(filterGradientByGemm(backend, x, dy, info(c), grid!)),
          run(filterGradientByIm2col(backend, x, dy, info(c))),
        ];
      });
      const [reference] = await evaluateOn('cpu', () => {
        const { x, dy } = inputs(c);
        return tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter },
          ) as tf.Tensor;
      });
      expect(relativeError(viaGrid!, reference!)).toBeLessThanOrEqual(1e-4);
      expect(relativeError(viaIm2col!, reference!)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('leaves strided and dilated convolutions to the rearranged convolution', () => {
    const strided = tf.backend_util.computeConv2DInfo([1, 8, 8, 2], [3, 3, 2, 2], [2, 2], 1, 'same');
    const dilated = tf.backend_util.computeConv2DInfo([1, 8, 8, 2], [3, 3, 2, 2], [1, 1], 2, 'same');
    expect(filterGradientGrid(strided)).toBeNull();
    expect(filterGradientGrid(dilated)).toBeNull();
  });

  it('leaves no tensors or bytes behind', () => {
    const x = tf.tensor(seeded([2, 6, 6, 3], 1), [2, 6, 6, 3]);
    const dy = tf.tensor(seeded([2, 6, 6, 4], 2), [2, 6, 6, 4]);
    const run = () =>
      tf.dispose(
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] },
          ) as tf.Tensor,
      );
    run();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([x, dy]);
  });
});
