// Seeded Gaussian noise computed in JavaScript, so a seed gives the same numbers on every backend
// and every run: xoshiro128** (Blackman & Vigna) for uniform words, Box–Muller for normals.
// tf.randomNormal is not used: its seeding differs between backends and versions.
import * as tf from '@tensorflow/tfjs-core';

export interface NoiseSource {
  /** The next `count` standard normal values of the stream. */
  normal(count: number): Float32Array;
}

/** Seeds are integers in [0, 2^53): what a person types, or a recipe stores. */
export function assertSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`seed must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, not ${seed}`);
}

/** murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const words = [0, 1, 2, 3].map((k) => mix32(mix32(lo + Math.imul(k + 1, 0x9e3779b9)) ^ mix32(hi + k)));
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }
}

export function seededNoise(seed: number): NoiseSource {
  assertSeed(seed);
  const generator = new Xoshiro128StarStar(seed);
  return {
    normal(count: number): Float32Array {
      if (!Number.isSafeInteger(count) || count < 0)
        throw new Error(`noise count must be a non-negative integer, not ${count}`);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i += 2) {
        // 1 - u keeps the logarithm's argument in (0, 1].
        const radius = Math.sqrt(-2 * Math.log(1 - generator.nextDouble()));
        const angle = 2 * Math.PI * generator.nextDouble();
        out[i] = radius * Math.cos(angle);
        if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
      }
      return out;
    },
  };
}

/** A tensor of the next standard normal values of `source`, row-major in `shape`. */
export function normalTensor(source: NoiseSource, shape: readonly number[]): tf.Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(source.normal(count), [...shape], 'float32');
}

/**
 * Per-image seeds for a batch: image b of the batch gets the stream of `seeds[b]`, so an image
 * made in a batch can be made again alone from its own seed.
 */
export function batchNoise(seeds: readonly number[], imageShape: readonly number[]): tf.Tensor {
  const perImage = imageShape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(perImage * seeds.length);
  seeds.forEach((seed, b) => {
    data.set(seededNoise(seed).normal(perImage), b * perImage);
  });
  return tf.tensor(data, [seeds.length, ...imageShape], 'float32');
}
