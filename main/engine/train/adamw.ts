// AdamW (Loshchilov & Hutter, decoupled weight decay) over tf.Variables, as PyTorch's
// torch.optim.AdamW computes it: p <- p (1 - lr wd); m, v moving moments; p <- p - lr m^ / (sqrt(v^) + eps).
// tfjs-core's optimizers have no decoupled decay and hide their moments, which checkpoints need.
import * as tf from '@tensorflow/tfjs-core';
import { fusedAdamWUpdate } from '../kernels/adamw-update-op.ts';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

export interface AdamWState {
  /** Updates applied so far (bias correction uses it). */
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private steps = 0;

  constructor(
    readonly variables: readonly tf.Variable[],
    readonly config: AdamWConfig = ADAMW_DEFAULTS,
  ) {
    this.m = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = variables.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  get step(): number {
    return this.steps;
  }

  /** One update; `grads[i]` belongs to `variables[i]`. Grads are not disposed here. */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    if (grads.length !== this.variables.length)
      throw new Error(`AdamW: ${grads.length} gradients for ${this.variables.length} variables`);
    const { beta1, beta2, eps, weightDecay } = this.config;
    this.steps += 1;
    const c1 = 1 - beta1 ** this.steps;
    const c2 = 1 - beta2 ** this.steps;
    tf.tidy(() => {
      this.variables.forEach((p, i) => {
        const g = grads[i]!;
        const fused = fusedAdamWUpdate(p, this.m[i]!, this.v[i]!, g, {
          beta1,
          beta2,
          eps,
          lr,
          weightDecay,
          c1,
          c2,
        });
        if (fused) {
          this.m[i]!.assign(fused[1]);
          this.v[i]!.assign(fused[2]);
          p.assign(fused[0]);
          return;
        }
        const m = tf.add(tf.mul(this.m[i]!, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i]!, beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        p.assign(tf.sub(tf.mul(p, 1 - lr * weightDecay), tf.mul(update, lr)));
      });
    });
  }

  async state(): Promise<AdamWState> {
    return {
      step: this.steps,
      m: await Promise.all(this.m.map(async (t) => (await t.data()) as Float32Array)),
      v: await Promise.all(this.v.map(async (t) => (await t.data()) as Float32Array)),
    };
  }

  restore(state: AdamWState): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length)
      throw new Error(`AdamW state holds ${state.m.length} moments for ${this.m.length} variables`);
    const set = (target: tf.Variable, values: Float32Array, what: string) => {
      if (values.length !== target.size)
        throw new Error(`AdamW state: ${what} has ${values.length} values, expected ${target.size}`);
      tf.tidy(() => target.assign(tf.tensor(values, target.shape, 'float32')));
    };
    for (const [i, values] of state.m.entries()) set(this.m[i]!, values, `first moment ${i}`);
    for (const [i, values] of state.v.entries()) set(this.v[i]!, values, `second moment ${i}`);
    this.steps = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
