// Training randomness derived from (seed, position) only: a sample's flip, timestep and noise
// come from its index in the sample stream, and an epoch's order from the epoch number. So the
// whole random state of a run is its seed and how many samples it has consumed, and a resumed run
// draws exactly what an uninterrupted one would have.

/** murmur3's 32-bit finaliser. */
function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed in [0, 2^52) for stream `parts` of a run seeded `seed` (what seededNoise accepts). */
export function streamSeed(seed: number, ...parts: number[]): number {
  let a = mix32(seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32));
  let b = mix32(a ^ 0x9e3779b9);
  for (const p of parts) {
    a = mix32(a ^ mix32((p >>> 0) + 0x7f4a7c15) ^ Math.floor(p / 2 ** 32));
    b = mix32(b + a + 0x632be5ab);
  }
  return (a & 0xfffff) * 2 ** 32 + b;
}

/** Uniform doubles in [0, 1) from a 32-bit splitmix state. */
export function uniformStream(seed: number): () => number {
  let state = mix32(seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32) + 1);
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
    z = (z ^ (z >>> 15)) >>> 0;
    return z / 4294967296;
  };
}

/** Fisher–Yates over 0..n-1 with a seeded stream. */
export function shuffledIndices(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  const next = uniformStream(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
