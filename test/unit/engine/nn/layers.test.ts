import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/engine/backend.ts';
import { gelu, quickGelu, silu } from '../../../../main/engine/nn/activations.ts';
import { causalMask, MultiHeadAttention } from '../../../../main/engine/nn/attention.ts';
import { Conv2d } from '../../../../main/engine/nn/conv2d.ts';
import { Embedding } from '../../../../main/engine/nn/embedding.ts';
import { Geglu, GegluFeedForward } from '../../../../main/engine/nn/feed-forward.ts';
import { Linear } from '../../../../main/engine/nn/linear.ts';
import { GroupNorm, LayerNorm } from '../../../../main/engine/nn/norm.ts';
import { ParamScope, ParamStore, torchShape } from '../../../../main/engine/nn/params.ts';
import { Downsample, Upsample, upsampleNearest2x } from '../../../../main/engine/nn/resample.ts';
import { timestepEmbedding } from '../../../../main/engine/nn/timestep-embedding.ts';

beforeAll(async () => {
  await initBackend();
});

function scope(seed = 1): ParamScope {
  return new ParamScope(new ParamStore({ allocate: true, seed }));
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(tol);
}

function range(n: number, scale = 0.1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + 0.3) * scale * 10);
}

describe('parameters', () => {
  it('names parameters by scope, counts them, and maps engine shapes to PyTorch shapes', () => {
    const store = new ParamStore({ allocate: true });
    const root = new ParamScope(store, 'model');
    const conv = new Conv2d(root.child('conv'), { inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 });
    const lin = new Linear(root.child('proj.0'), { inFeatures: 8, outFeatures: 5, bias: false });
    expect(store.specs().map((s) => s.name)).toEqual([
      'model.conv.weight',
      'model.conv.bias',
      'model.proj.0.weight',
    ]);
    expect(store.count()).toBe(3 * 3 * 3 * 8 + 8 + 8 * 5);
    expect(torchShape(conv.weight.spec)).toEqual([8, 3, 3, 3]);
    expect(conv.weight.spec.shape).toEqual([3, 3, 3, 8]);
    expect(torchShape(lin.weight.spec)).toEqual([5, 8]);
    expect(lin.bias).toBeNull();
    store.dispose();
  });

  it('initialises deterministically from the seed and the name, whatever the creation order', () => {
    const a = new ParamStore({ allocate: true, seed: 7 });
    const b = new ParamStore({ allocate: true, seed: 7 });
    const c = new ParamStore({ allocate: true, seed: 8 });
    a.create('x', [4, 4], 'linear', { kind: 'uniform', bound: 1 });
    a.create('y', [16], 'plain', { kind: 'normal', std: 1 });
    b.create('y', [16], 'plain', { kind: 'normal', std: 1 });
    b.create('x', [4, 4], 'linear', { kind: 'uniform', bound: 1 });
    c.create('x', [4, 4], 'linear', { kind: 'uniform', bound: 1 });
    expect(a.get('x')!.value.dataSync()).toEqual(b.get('x')!.value.dataSync());
    expect(a.get('y')!.value.dataSync()).toEqual(b.get('y')!.value.dataSync());
    expect(a.get('x')!.value.dataSync()).not.toEqual(c.get('x')!.value.dataSync());
    const bound = Math.max(...a.get('x')!.value.dataSync());
    expect(bound).toBeLessThanOrEqual(1);
    for (const s of [a, b, c]) s.dispose();
  });

  it('builds shapes only without allocating, and refuses to hand out a missing variable', () => {
    const before = tf.memory().numTensors;
    const store = ParamStore.shapesOnly();
    const conv = new Conv2d(new ParamScope(store), { inChannels: 320, outChannels: 320, kernelSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(store.count()).toBe(320 * 320 * 9 + 320);
    expect(() => conv.weight.value).toThrow(/weight was not allocated/);
  });

  it('rejects a parameter defined twice', () => {
    const store = ParamStore.shapesOnly();
    store.create('a', [1], 'plain', { kind: 'zeros' });
    expect(() => store.create('a', [1], 'plain', { kind: 'zeros' })).toThrow(/a is defined twice/);
  });
});

describe('layers', () => {
  it('conv2d matches a direct convolution (padding, stride, bias) and keeps NHWC shapes', () => {
    const s = scope();
    const conv = new Conv2d(s.child('c'), {
      inChannels: 2,
      outChannels: 3,
      kernelSize: 3,
      stride: 2,
      padding: 1,
    });
    const x = tf.tensor4d(range(1 * 5 * 5 * 2), [1, 5, 5, 2]);
    const y = conv.apply(x);
    expect(y.shape).toEqual([1, 3, 3, 3]);
    const w = conv.weight.value.arraySync() as number[][][][];
    const bias = conv.bias!.value.dataSync();
    const xv = x.arraySync()[0]!;
    const expected: number[] = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let o = 0; o < 3; o++) {
          let sum = bias[o]!;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const yy = i * 2 + ky - 1;
              const xx = j * 2 + kx - 1;
              if (yy < 0 || xx < 0 || yy >= 5 || xx >= 5) continue;
              for (let c = 0; c < 2; c++) sum += xv[yy]![xx]![c]! * w[ky]![kx]![c]![o]!;
            }
          expected.push(sum);
        }
    close(y.dataSync(), expected);
    s.store.dispose();
    tf.dispose([x, y]);
  });

  it('linear maps the last axis of any rank', () => {
    const s = scope();
    const lin = new Linear(s.child('l'), { inFeatures: 4, outFeatures: 6 });
    const x = tf.tensor3d(range(2 * 3 * 4), [2, 3, 4]);
    const y = lin.apply(x);
    expect(y.shape).toEqual([2, 3, 6]);
    const expected = tf.add(
      tf.matMul(tf.reshape(x, [6, 4]), lin.weight.value as tf.Tensor2D),
      lin.bias!.value,
    );
    close(y.dataSync(), expected.dataSync());
    s.store.dispose();
    tf.dispose([x, y, expected]);
  });

  it('group norm normalises each group of channels over space', () => {
    const s = scope();
    const gn = new GroupNorm(s.child('gn'), { groups: 2, channels: 4, eps: 1e-5 });
    const x = tf.tensor4d(range(2 * 3 * 3 * 4, 1), [2, 3, 3, 4]);
    const y = gn.apply(x);
    expect(y.shape).toEqual([2, 3, 3, 4]);
    const values = y.arraySync() as number[][][][];
    for (let b = 0; b < 2; b++)
      for (let g = 0; g < 2; g++) {
        const group: number[] = [];
        for (const row of values[b]!) for (const px of row) group.push(px[g * 2]!, px[g * 2 + 1]!);
        const mean = group.reduce((a, v) => a + v, 0) / group.length;
        const variance = group.reduce((a, v) => a + (v - mean) ** 2, 0) / group.length;
        expect(Math.abs(mean)).toBeLessThan(1e-5);
        expect(Math.abs(variance - 1)).toBeLessThan(1e-3);
      }
    expect(() => new GroupNorm(s.child('bad'), { groups: 3, channels: 4, eps: 1e-5 })).toThrow(
      /bad: 4 channels/,
    );
    s.store.dispose();
    tf.dispose([x, y]);
  });

  it('layer norm normalises the last axis', () => {
    const s = scope();
    const ln = new LayerNorm(s.child('ln'), { features: 8 });
    const x = tf.tensor3d(range(2 * 2 * 8, 1), [2, 2, 8]);
    const y = ln.apply(x);
    const { mean, variance } = tf.moments(y, -1);
    close(mean.dataSync(), [0, 0, 0, 0], 1e-5);
    close(variance.dataSync(), [1, 1, 1, 1], 1e-3);
    s.store.dispose();
    tf.dispose([x, y, mean, variance]);
  });

  it('activations follow their definitions', () => {
    const x = tf.tensor1d([-2, -0.5, 0, 0.5, 2]);
    const xs = x.dataSync();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    close(
      silu(x).dataSync(),
      Array.from(xs, (v) => v * sig(v)),
    );
    close(
      quickGelu(x).dataSync(),
      Array.from(xs, (v) => v * sig(1.702 * v)),
    );
    // Exact-GELU reference values (Phi from tables): gelu(2) = 1.9544997, gelu(-0.5) = -0.1542687.
    close(gelu(x).dataSync(), [-0.0455003, -0.1542687, 0, 0.3457313, 1.9544997], 1e-5);
    x.dispose();
  });

  it('GEGLU multiplies the value half by GELU of the gate half; the feed-forward keeps the width', () => {
    const s = scope();
    const geglu = new Geglu(s.child('g'), { inFeatures: 4, innerFeatures: 3 });
    const x = tf.tensor3d(range(1 * 2 * 4), [1, 2, 4]);
    const y = geglu.apply(x);
    expect(y.shape).toEqual([1, 2, 3]);
    const projected = geglu.proj.apply(x);
    const [value, gate] = tf.split(projected, 2, -1);
    close(y.dataSync(), tf.mul(value!, gelu(gate!)).dataSync());
    const ff = new GegluFeedForward(s.child('ff'), { dim: 8 });
    expect(
      s.store
        .specs()
        .filter((p) => p.name.startsWith('ff.'))
        .map((p) => [p.name, torchShape(p)]),
    ).toEqual([
      ['ff.net.0.proj.weight', [64, 8]],
      ['ff.net.0.proj.bias', [64]],
      ['ff.net.2.weight', [8, 32]],
      ['ff.net.2.bias', [8]],
    ]);
    const z = ff.apply(tf.ones([2, 5, 8]));
    expect(z.shape).toEqual([2, 5, 8]);
    s.store.dispose();
  });

  it('attention equals softmax(q k^T / sqrt(d)) v per head; cross-attention takes the context width', () => {
    const s = scope();
    const attn = new MultiHeadAttention(s.child('a'), { queryDim: 4, contextDim: 6, heads: 2, headDim: 3 });
    const x = tf.tensor3d(range(1 * 3 * 4), [1, 3, 4]);
    const ctx = tf.tensor3d(range(1 * 5 * 6, 0.2), [1, 5, 6]);
    const y = attn.apply(x, ctx);
    expect(y.shape).toEqual([1, 3, 4]);
    const q = attn.toQ.apply(x).arraySync()[0]!;
    const k = attn.toK.apply(ctx).arraySync()[0]!;
    const v = attn.toV.apply(ctx).arraySync()[0]!;
    const merged: number[] = [];
    for (let i = 0; i < 3; i++) {
      const row = new Array<number>(6).fill(0);
      for (let h = 0; h < 2; h++) {
        const scores = k.map((kr) => {
          let d = 0;
          for (let e = 0; e < 3; e++) d += q[i]![h * 3 + e]! * kr[h * 3 + e]!;
          return d / Math.sqrt(3);
        });
        const m = Math.max(...scores);
        const ex = scores.map((sc) => Math.exp(sc - m));
        const z = ex.reduce((a, b) => a + b, 0);
        for (let j = 0; j < 5; j++)
          for (let e = 0; e < 3; e++) row[h * 3 + e]! += (ex[j]! / z) * v[j]![h * 3 + e]!;
      }
      merged.push(...row);
    }
    const expected = attn.toOut.apply(tf.tensor3d(merged, [1, 3, 6]));
    close(y.dataSync(), expected.dataSync());
    expect(s.store.specs().map((p) => p.name)).toEqual([
      'a.to_q.weight',
      'a.to_k.weight',
      'a.to_v.weight',
      'a.to_out.0.weight',
      'a.to_out.0.bias',
    ]);
    s.store.dispose();
  });

  it('a causal mask hides later tokens', () => {
    const s = scope();
    const attn = new MultiHeadAttention(s.child('a'), { queryDim: 4, heads: 1, headDim: 4, naming: 'clip' });
    const mask = causalMask(4);
    const a = tf.tensor3d(range(16), [1, 4, 4]);
    const b = tf.concat([tf.slice(a, [0, 0, 0], [1, 2, 4]), tf.ones([1, 2, 4])], 1) as tf.Tensor3D;
    const ya = attn.apply(a, undefined, mask);
    const yb = attn.apply(b, undefined, mask);
    close(tf.slice(ya, [0, 0, 0], [1, 2, 4]).dataSync(), tf.slice(yb, [0, 0, 0], [1, 2, 4]).dataSync(), 1e-6);
    expect(s.store.specs().map((p) => p.name)).toContain('a.q_proj.bias');
    s.store.dispose();
  });

  it('timestep embedding uses cos first and shift 0 (LDM), and the flipped variant on request', () => {
    const t = tf.tensor1d([0, 1, 500]);
    const emb = timestepEmbedding(t, 6);
    expect(emb.shape).toEqual([3, 6]);
    const freqs = [0, 1, 2].map((i) => Math.exp((-Math.log(10000) * i) / 3));
    const expected = [0, 1, 500].flatMap((s) => [
      ...freqs.map((f) => Math.cos(s * f)),
      ...freqs.map((f) => Math.sin(s * f)),
    ]);
    close(emb.dataSync(), expected, 2e-4);
    const flipped = timestepEmbedding(t, 6, { flipSinToCos: false, downscaleFreqShift: 1 });
    const f1 = [0, 1, 2].map((i) => Math.exp((-Math.log(10000) * i) / 2));
    close(
      flipped.dataSync().slice(6, 12),
      [...f1.map((f) => Math.sin(f)), ...f1.map((f) => Math.cos(f))],
      1e-5,
    );
    expect(timestepEmbedding(t, 7).shape).toEqual([3, 7]);
    tf.dispose([t, emb, flipped]);
  });

  it('nearest upsampling repeats pixels; Upsample and Downsample change the size by two', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(Array.from(upsampleNearest2x(x).dataSync())).toEqual([
      1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4,
    ]);
    const s = scope();
    const up = new Upsample(s.child('up'), { channels: 3 });
    const down = new Downsample(s.child('down'), { channels: 3, outChannels: 5 });
    const vaeDown = new Downsample(s.child('vae'), { channels: 3, convName: 'conv', padding: 'asymmetric' });
    const z = tf.ones([2, 8, 8, 3]) as tf.Tensor4D;
    expect(up.apply(z).shape).toEqual([2, 16, 16, 3]);
    expect(down.apply(z).shape).toEqual([2, 4, 4, 5]);
    expect(vaeDown.apply(z).shape).toEqual([2, 4, 4, 3]);
    expect(s.store.specs().map((p) => p.name)).toEqual([
      'up.conv.weight',
      'up.conv.bias',
      'down.op.weight',
      'down.op.bias',
      'vae.conv.weight',
      'vae.conv.bias',
    ]);
    // Asymmetric padding pads only right and bottom: the top-left output sees no padding.
    const ramp = tf.tensor4d(range(8 * 8 * 3), [1, 8, 8, 3]);
    const direct = tf.conv2d(
      tf.slice(ramp, [0, 0, 0, 0], [1, 3, 3, 3]),
      vaeDown.conv.weight.value as tf.Tensor4D,
      1,
      'valid',
    );
    close(
      tf.slice(vaeDown.apply(ramp), [0, 0, 0, 0], [1, 1, 1, 3]).dataSync(),
      tf.add(direct, vaeDown.conv.bias!.value).dataSync(),
    );
    s.store.dispose();
  });

  it('embedding gathers rows', () => {
    const s = scope();
    const e = new Embedding(s.child('e'), { count: 5, dim: 3 });
    const y = e.apply(tf.tensor2d([[4, 0]], [1, 2], 'int32'));
    expect(y.shape).toEqual([1, 2, 3]);
    const table = e.weight.value.arraySync() as number[][];
    close(y.dataSync(), [...table[4]!, ...table[0]!]);
    s.store.dispose();
  });

  it('every layer leaves no tensors behind', () => {
    const s = scope();
    const conv = new Conv2d(s.child('c'), { inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 });
    const gn = new GroupNorm(s.child('g'), { groups: 2, channels: 4, eps: 1e-5 });
    const attn = new MultiHeadAttention(s.child('a'), { queryDim: 4, heads: 2, headDim: 2 });
    const x = tf.ones([1, 4, 4, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const c = conv.apply(x);
      const h = gn.apply(c);
      const tokens = tf.reshape(h, [1, 16, 4]) as tf.Tensor3D;
      const out = attn.apply(tokens);
      tf.dispose([c, h, tokens, out]);
    }
    expect(tf.memory().numTensors).toBe(before);
    s.store.dispose();
  });
});
