// Run by threaded-wasm.test.ts in a process of its own (SCEDIT_WASM_THREADS set by the test):
// starts the backend, differentiates a strided conv and computes transposed and batched products
// on wasm and cpu, and prints the threads, the largest relative difference and how many product
// jobs went to our helper threads and how many threads XNNPACK's pool has, as one JSON line.

import { type BackendWasm, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../main/engine/backend.ts';
import { gemmThreadsFor } from '../../../../main/engine/kernels/wasm/threads/gemm-threads.ts';
import { relaxedSimd } from '../../../../main/engine/kernels/wasm/wasm-bytes.ts';

const report = await initBackend();
const x = tf.randomUniform([2, 9, 9, 16], -1, 1, 'float32', 1) as tf.Tensor4D;
const w = tf.randomUniform([3, 3, 16, 24], -1, 1, 'float32', 2) as tf.Tensor4D;
const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
const flat = tf.reshape(x, [18, 144]);
// Products large enough to be split over the threads (rows, batches and k blocks).
const p = tf.randomUniform([3, 200, 300], -1, 1, 'float32', 3);
const q = tf.randomUniform([3, 150, 300], -1, 1, 'float32', 4);
const r = tf.randomUniform([3, 200, 150], -1, 1, 'float32', 5);
// 300 slices: more blocks than one hand-off's table holds (256), so two hand-offs.
const u = tf.randomUniform([300, 12, 24], -1, 1, 'float32', 6);
const v = tf.randomUniform([300, 24, 16], -1, 1, 'float32', 7);
const compute = () => {
  const [dx, dw] = tf.grads(f)([x, w]);
  const products = [
    tf.matMul(flat, flat, true, false),
    tf.matMul(p, q, false, true),
    tf.matMul(p, r, true, false),
    tf.matMul(u, v),
  ];
  return [f(x, w), dx!, dw!, ...products].map((t) => Array.from(t.dataSync()));
};
const wasm = compute();
const helperJobs = gemmThreadsFor(tf.backend() as BackendWasm, relaxedSimd())?.jobsSent ?? 0;
const xnnpackThreads = getThreadsCount();
await tf.setBackend('cpu');
const cpu = compute();
let err = 0;
cpu.forEach((c, i) => {
  const scale = c.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  c.forEach((v, j) => {
    err = Math.max(err, Math.abs(wasm[i]![j]! - v) / scale);
  });
});
console.log(
  JSON.stringify({ threads: report.threads, reason: report.threadsReason, err, helperJobs, xnnpackThreads }),
);
