// Named parameters of a network. Every parameter carries the PyTorch name it has in weight files
// (the LDM / CLIP layout) and a layout tag: the single mapping between the shape the engine
// computes with and the shape PyTorch stores. main/engine/io converts with this tag on load/save.
//
//   layout     engine shape              file (PyTorch) shape        conversion
//   'conv2d'   [kh, kw, in, out] (HWIO)  [out, in, kh, kw] (OIHW)    transpose [3,2,0,1] on load
//   'linear'   [in, out]                 [out, in]                   transpose [1,0] on load
//   'plain'    same                      same                        none (biases, norms, embeddings)
//
// A store either allocates tf.Variables or only records shapes, so a model the size of SD 1.5
// can be built and counted without holding its weights.
import * as tf from '@tensorflow/tfjs-core';

export type ParamLayout = 'conv2d' | 'linear' | 'plain';

/** How a fresh parameter is filled (PyTorch's defaults, so a new model trains like its peer). */
export type ParamInit =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  /** U(-bound, bound): PyTorch's default for Linear/Conv weights and biases, bound = 1/sqrt(fanIn). */
  | { kind: 'uniform'; bound: number }
  | { kind: 'normal'; std: number };

export interface ParamSpec {
  /** The PyTorch parameter name, e.g. `input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight`. */
  name: string;
  /** Shape inside the engine (NHWC world: conv HWIO, linear [in, out]). */
  shape: number[];
  layout: ParamLayout;
}

export class Param {
  constructor(
    readonly spec: ParamSpec,
    private readonly variable: tf.Variable | null,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** The variable; throws for a model built only to describe its shapes. */
  get value(): tf.Variable {
    if (!this.variable) {
      throw new Error(`Parameter ${this.spec.name} was not allocated (the model was built shapes-only).`);
    }
    return this.variable;
  }

  get allocated(): boolean {
    return this.variable !== null;
  }

  get size(): number {
    return this.spec.shape.reduce((a, b) => a * b, 1);
  }
}

/** The shape PyTorch stores for a parameter of this engine shape and layout. */
export function torchShape(spec: ParamSpec): number[] {
  const s = spec.shape;
  switch (spec.layout) {
    case 'conv2d':
      return [s[3]!, s[2]!, s[0]!, s[1]!];
    case 'linear':
      return [s[1]!, s[0]!];
    case 'plain':
      return [...s];
  }
}

export interface ParamStoreOptions {
  /** false: record shapes only (for counting); nothing is allocated. */
  allocate: boolean;
  /** Seed of the deterministic initialisation; each parameter's stream also depends on its name. */
  seed?: number;
  trainable?: boolean;
}

export class ParamStore {
  private readonly params = new Map<string, Param>();
  readonly allocate: boolean;
  private readonly seed: number;
  private readonly trainable: boolean;

  constructor(options: ParamStoreOptions = { allocate: true }) {
    this.allocate = options.allocate;
    this.seed = options.seed ?? 0;
    this.trainable = options.trainable ?? true;
  }

  static shapesOnly(): ParamStore {
    return new ParamStore({ allocate: false });
  }

  create(name: string, shape: number[], layout: ParamLayout, init: ParamInit): Param {
    if (this.params.has(name)) throw new Error(`Parameter ${name} is defined twice.`);
    const spec: ParamSpec = { name, shape, layout };
    let variable: tf.Variable | null = null;
    if (this.allocate) {
      const values = initialValues(shape, init, this.seed, name);
      // No tfjs name: two models of the same config must coexist, and tfjs names are global.
      variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), this.trainable));
    }
    const param = new Param(spec, variable);
    this.params.set(name, param);
    return param;
  }

  get(name: string): Param | undefined {
    return this.params.get(name);
  }

  /** Every parameter in definition order. */
  list(): Param[] {
    return [...this.params.values()];
  }

  specs(): ParamSpec[] {
    return this.list().map((p) => p.spec);
  }

  count(): number {
    let n = 0;
    for (const p of this.params.values()) n += p.size;
    return n;
  }

  variables(): tf.Variable[] {
    return this.list()
      .filter((p) => p.allocated)
      .map((p) => p.value);
  }

  dispose(): void {
    for (const p of this.params.values()) if (p.allocated) p.value.dispose();
  }
}

/** A name prefix inside a store: blocks create their parameters through it. */
export class ParamScope {
  constructor(
    readonly store: ParamStore,
    readonly prefix = '',
  ) {}

  child(name: string | number): ParamScope {
    return new ParamScope(this.store, this.join(String(name)));
  }

  create(name: string, shape: number[], layout: ParamLayout, init: ParamInit): Param {
    return this.store.create(this.join(name), shape, layout, init);
  }

  private join(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }
}

// Deterministic init: a splitmix32 stream seeded by the store seed and the parameter name, so a
// parameter's initial values do not depend on which other parameters were created before it.
function initialValues(shape: number[], init: ParamInit, seed: number, name: string): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  switch (init.kind) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'uniform': {
      const next = stream(seed, name);
      for (let i = 0; i < n; i++) out[i] = (next() * 2 - 1) * init.bound;
      return out;
    }
    case 'normal': {
      const next = stream(seed, name);
      for (let i = 0; i < n; i += 2) {
        const u1 = Math.max(next(), 1e-12);
        const u2 = next();
        const r = Math.sqrt(-2 * Math.log(u1)) * init.std;
        out[i] = r * Math.cos(2 * Math.PI * u2);
        if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
      }
      return out;
    }
  }
}

function stream(seed: number, name: string): () => number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  let state = h;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
    z = (z ^ (z >>> 15)) >>> 0;
    return z / 4294967296;
  };
}
