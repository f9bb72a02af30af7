// A small network with every layer kind the engine trains through (convolutions with stride 1
// and 2, group norm, SiLU, multi-head attention, layer norm, GELU, linear layers, nearest
// upsampling, skip concatenation, padding), differentiated on wasm with our kernels and on cpu.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateOn, relativeError, seeded, useWasmWithOverrides } from './compare-backends.ts';

const shapes: Record<string, number[]> = {
  conv1: [3, 3, 4, 8],
  bias1: [8],
  gamma: [8],
  beta: [8],
  down: [3, 3, 8, 8],
  wq: [8, 8],
  wk: [8, 8],
  wv: [8, 8],
  wo: [8, 8],
  ln: [8],
  ff1: [8, 16],
  ff2: [16, 8],
  out: [1, 1, 16, 4],
};
const names = Object.keys(shapes);

function groupNorm(x: tf.Tensor4D, groups: number, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const g = tf.reshape(x, [n, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(g, [1, 2, 4], true);
  const normed = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, 1e-5))), x.shape);
  return tf.add(tf.mul(normed, gamma), beta);
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma);
}

const silu = (x: tf.Tensor) => tf.mul(x, tf.sigmoid(x));
const gelu = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));

/** Tokens [b, t, c] through a linear layer, as the engine does it: one 2-D product. */
function linear(x: tf.Tensor3D, w: tf.Tensor): tf.Tensor3D {
  const [b, t, c] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [b * t, c]), w as tf.Tensor2D), [b, t, w.shape[1]!]);
}

function attention(x: tf.Tensor3D, p: Record<string, tf.Tensor>, heads: number): tf.Tensor3D {
  const [b, t, c] = x.shape;
  const d = c / heads;
  const split = (y: tf.Tensor3D) =>
    tf.reshape(tf.transpose(tf.reshape(y, [b, t, heads, d]), [0, 2, 1, 3]), [b * heads, t, d]);
  const q = split(linear(x, p.wq!));
  const k = split(linear(x, p.wk!));
  const v = split(linear(x, p.wv!));
  const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)));
  const mixed = tf.matMul(weights, v);
  const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [b, heads, t, d]), [0, 2, 1, 3]), [b, t, c]);
  return linear(merged as tf.Tensor3D, p.wo!);
}

function network(x: tf.Tensor4D, p: Record<string, tf.Tensor>): tf.Tensor4D {
  const h1 = silu(
    groupNorm(tf.add(tf.conv2d(x, p.conv1 as tf.Tensor4D, 1, 'same'), p.bias1!), 2, p.gamma!, p.beta!),
  ) as tf.Tensor4D;
  const down = tf.conv2d(h1, p.down as tf.Tensor4D, 2, 'same');
  const [b, h, w, c] = down.shape;
  const tokens = tf.reshape(down, [b, h * w, c]) as tf.Tensor3D;
  const attended = tf.add(tokens, attention(layerNorm(tokens, p.ln!) as tf.Tensor3D, p, 2)) as tf.Tensor3D;
  const fed = tf.add(attended, linear(gelu(linear(attended, p.ff1!)) as tf.Tensor3D, p.ff2!));
  const up = tf.image.resizeNearestNeighbor(tf.reshape(fed, [b, h, w, c]) as tf.Tensor4D, [h * 2, w * 2]);
  const skip = tf.concat([up, h1], 3);
  const padded = tf.pad(skip, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  const cropped = tf.slice(padded, [0, 1, 1, 0], [b, h * 2, w * 2, 16]);
  return tf.conv2d(cropped as tf.Tensor4D, p.out as tf.Tensor4D, 1, 'valid');
}

function lossAndGradients(): tf.Tensor[] {
  const x = tf.tensor4d(seeded([2, 8, 8, 4], 100), [2, 8, 8, 4]);
  const target = tf.tensor4d(seeded([2, 8, 8, 4], 101), [2, 8, 8, 4]);
  const params = names.map((name, i) => {
    const scale = name === 'gamma' || name === 'ln' ? 1 : 0.4;
    const values = seeded(shapes[name]!, 200 + i).map((v) =>
      name === 'gamma' || name === 'ln' ? 1 + 0.2 * v : v * scale,
    );
    return tf.tensor(values, shapes[name]!);
  });
  const loss = (...ps: tf.Tensor[]) => {
    const p = Object.fromEntries(names.map((n, i) => [n, ps[i]!]));
    return tf.mean(tf.square(tf.sub(network(x, p), target)));
  };
  const { value, grads } = tf.valueAndGrads(loss)(params);
  return [value, ...grads];
}

describe('a conv + group norm + attention + linear network', () => {
  beforeAll(useWasmWithOverrides);

  it('has the same loss and gradients on wasm (with our kernels) as on cpu', async () => {
    const wasm = await evaluateOn('wasm', lossAndGradients);
    const cpu = await evaluateOn('cpu', lossAndGradients);
    expect(wasm.length).toBe(names.length + 1);
    expect(relativeError(wasm[0]!, cpu[0]!)).toBeLessThanOrEqual(1e-5);
    names.forEach((name, i) => {
      const err = relativeError(wasm[i + 1]!, cpu[i + 1]!);
      expect(err, `gradient of ${name}`).toBeLessThanOrEqual(1e-4);
      expect(Math.max(...cpu[i + 1]!.map(Math.abs)), `gradient of ${name} is not zero`).toBeGreaterThan(1e-6);
    });
  });

  it('keeps the tensor count flat over repeated training steps', () => {
    tf.dispose(tf.tidy(lossAndGradients));
    const before = tf.memory();
    for (let i = 0; i < 2; i++) tf.dispose(tf.tidy(lossAndGradients));
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});
