// Which example, flip, timestep and noise each training sample gets. Sample i of a run is fixed by
// (seed, i): epoch e = floor(i / epochLength) walks the repeat-expanded example list in the order
// shuffledIndices(epochLength, seed of e). A resumed run continues at its sample count and draws
// the very samples an uninterrupted run would have.
import * as tf from '@tensorflow/tfjs-core';
import { seededNoise } from '../diffusion/noise.ts';
import { shuffledIndices, streamSeed, uniformStream } from './rng.ts';
import type { PreparedData } from './training-data.ts';

const ORDER_STREAM = 1;
const SAMPLE_STREAM = 2;
const NOISE_STREAM = 3;

export interface TrainingSample {
  example: number;
  flipped: boolean;
  timestep: number;
  noiseSeed: number;
  /** Trains with the empty prompt instead of its caption (caption dropout). */
  captionDropped: boolean;
}

/** A batch as tensors; `dispose` frees them. */
export interface DiffusionBatch {
  x0: tf.Tensor4D;
  noise: tf.Tensor4D;
  timesteps: number[];
  context: tf.Tensor3D;
  /** Condition maps [B, H, W, 3] for CSC-Tuners. */
  condition: tf.Tensor4D | null;
  samples: TrainingSample[];
}

function shapeKey(e: PreparedData['examples'][number]): string {
  return `${e.size[0]}x${e.size[1]}`;
}

export class SampleStream {
  /** Example index per slot of one epoch (each example `repeats` times). */
  readonly slots: number[];
  /** Slots per bucket when the examples come in several sizes (null: one size). */
  private readonly groups: number[][] | null;
  private orderEpoch = -1;
  private order: number[] = [];

  /**
   * With several bucket sizes, an epoch is laid out in runs of `batchSize` slots of one bucket
   * (each bucket padded to a whole number of batches with its own slots), the runs shuffled.
   */
  constructor(
    readonly data: PreparedData,
    readonly seed: number,
    readonly trainTimesteps: number,
    readonly flip: boolean,
    readonly batchSize = 1,
    /**
     * The share of samples that train with the empty prompt. A condition tuner trained only with
     * captions that already describe the picture learns little from its map (ControlNet drops half).
     */
    readonly captionDropout = 0,
  ) {
    if (!(captionDropout >= 0 && captionDropout <= 1))
      throw new Error(`caption dropout must be between 0 and 1, got ${captionDropout}`);
    if (captionDropout > 0 && !data.emptyContext)
      throw new Error('caption dropout needs the empty prompt prepared (DataSettings.emptyPrompt)');
    const slots = data.examples.flatMap((e, i) => Array.from({ length: e.repeats }, () => i));
    const byShape = new Map<string, number[]>();
    for (const [slot, example] of slots.entries()) {
      const key = shapeKey(data.examples[example]!);
      byShape.set(key, [...(byShape.get(key) ?? []), slot]);
    }
    if (byShape.size > 1) {
      this.groups = [...byShape.values()];
      // Padding slots point at the bucket's first examples again.
      for (const g of this.groups) {
        const n = g.length;
        for (let k = 0; g.length % batchSize !== 0; k++) {
          slots.push(slots[g[k % n]!]!);
          g.push(slots.length - 1);
        }
      }
    } else this.groups = null;
    this.slots = slots;
  }

  get epochLength(): number {
    return this.slots.length;
  }

  /** The shuffled slot order of `epoch`. */
  epochOrder(epoch: number): number[] {
    if (epoch !== this.orderEpoch) {
      const seed = streamSeed(this.seed, ORDER_STREAM, epoch);
      if (!this.groups) this.order = shuffledIndices(this.slots.length, seed);
      else {
        const runs: number[][] = [];
        for (const [gi, g] of this.groups.entries()) {
          const order = shuffledIndices(g.length, streamSeed(seed, gi)).map((k) => g[k]!);
          for (let k = 0; k < order.length; k += this.batchSize)
            runs.push(order.slice(k, k + this.batchSize));
        }
        this.order = shuffledIndices(runs.length, streamSeed(seed, this.groups.length)).flatMap(
          (r) => runs[r]!,
        );
      }
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  sample(index: number): TrainingSample {
    const epoch = Math.floor(index / this.epochLength);
    const example = this.slots[this.epochOrder(epoch)[index % this.epochLength]!]!;
    const next = uniformStream(streamSeed(this.seed, SAMPLE_STREAM, index));
    const flipped = this.flip && next() < 0.5;
    const timestep = Math.min(this.trainTimesteps - 1, Math.floor(next() * this.trainTimesteps));
    // Drawn last, so a run without dropout draws exactly what it drew before dropout existed.
    const captionDropped = this.captionDropout > 0 && next() < this.captionDropout;
    return {
      example,
      flipped,
      timestep,
      noiseSeed: streamSeed(this.seed, NOISE_STREAM, index),
      captionDropped,
    };
  }

  /** Samples first..first+size-1 as tensors. */
  batch(first: number, size: number): DiffusionBatch {
    const d = this.data;
    const samples = Array.from({ length: size }, (_, k) => this.sample(first + k));
    const head = d.examples[samples[0]!.example]!;
    for (const s of samples)
      if (shapeKey(d.examples[s.example]!) !== shapeKey(head))
        throw new Error(
          `batch at sample ${first} mixes bucket sizes; batches must start at multiples of ${this.batchSize}`,
        );
    const latentShape = head.latentShape;
    const conditionShape: [number, number, number] | null = head.condition
      ? [head.size[1], head.size[0], 3]
      : null;
    const latentSize = latentShape.reduce((a, b) => a * b, 1);
    const contextSize = d.contextShape[0] * d.contextShape[1];
    const x0 = new Float32Array(size * latentSize);
    const noise = new Float32Array(size * latentSize);
    const context = new Float32Array(size * contextSize);
    const conditionSize = conditionShape ? conditionShape.reduce((a, b) => a * b, 1) : 0;
    const condition = conditionShape ? new Float32Array(size * conditionSize) : null;
    samples.forEach((s, k) => {
      const e = d.examples[s.example]!;
      x0.set(s.flipped ? e.latentFlipped! : e.latent, k * latentSize);
      noise.set(seededNoise(s.noiseSeed).normal(latentSize), k * latentSize);
      context.set(s.captionDropped ? d.emptyContext! : d.contexts[e.contextIndex]!, k * contextSize);
      if (condition) condition.set(s.flipped ? e.conditionFlipped! : e.condition!, k * conditionSize);
    });
    return {
      x0: tf.tensor4d(x0, [size, ...latentShape]),
      noise: tf.tensor4d(noise, [size, ...latentShape]),
      timesteps: samples.map((s) => s.timestep),
      context: tf.tensor3d(context, [size, ...d.contextShape]),
      condition: condition && conditionShape ? tf.tensor4d(condition, [size, ...conditionShape]) : null,
      samples,
    };
  }
}

export function disposeBatch(batch: DiffusionBatch): void {
  tf.dispose([batch.x0, batch.noise, batch.context, ...(batch.condition ? [batch.condition] : [])]);
}
