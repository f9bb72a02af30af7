// Run by threaded-wasm.test.ts in a process of its own (SCEDIT_WASM_THREADS set by the test):
// starts the backend, differentiates a strided conv and a transposed product on wasm and cpu,
// and prints the threads and the largest relative difference as one JSON line.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../../main/engine/backend.ts';

const report = await initBackend();
const x = tf.randomUniform([2, 9, 9, 16], -1, 1, 'float32', 1) as tf.Tensor4D;
const w = tf.randomUniform([3, 3, 16, 24], -1, 1, 'float32', 2) as tf.Tensor4D;
const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
const flat = tf.reshape(x, [18, 144]);
const compute = () => {
  const [dx, dw] = tf.grads(f)([x, w]);
  return [f(x, w), dx!, dw!, tf.matMul(flat, flat, true, false)].map((t) => Array.from(t.dataSync()));
};
const wasm = compute();
await tf.setBackend('cpu');
const cpu = compute();
let err = 0;
cpu.forEach((c, i) => {
  const scale = Math.max(...c.map(Math.abs));
  c.forEach((v, j) => {
    err = Math.max(err, Math.abs(wasm[i]![j]! - v) / scale);
  });
});
console.log(JSON.stringify({ threads: report.threads, reason: report.threadsReason, err }));
