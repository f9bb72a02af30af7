"""The engine's training randomness, ported bit for bit, so the PyTorch port trains on exactly the
samples the TypeScript trainer draws: main/engine/train/rng.ts (streamSeed, uniformStream,
shuffledIndices), main/engine/diffusion/noise.ts (seededNoise: xoshiro128** + Box-Muller) and
main/engine/train/sample-stream.ts (which example, timestep, caption dropout and noise sample i of
a run gets; no flips, one bucket, every example once per epoch, as the control bench trains).
The noise is vectorised over samples with numpy (each sample has its own generator)."""
import math

import numpy as np

M32 = 0xFFFFFFFF
ORDER_STREAM, SAMPLE_STREAM, NOISE_STREAM = 1, 2, 3


def mix32(v):
    h = v & M32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    h ^= h >> 16
    return h


def stream_seed(seed, *parts):
    """streamSeed: a seed in [0, 2^52)."""
    a = mix32(seed & M32) ^ mix32(seed // 2**32)
    b = mix32(a ^ 0x9E3779B9)
    for p in parts:
        a = mix32(a ^ mix32((p & M32) + 0x7F4A7C15) ^ (p // 2**32))
        b = mix32(b + a + 0x632BE5AB)
    return (a & 0xFFFFF) * 2**32 + b


class UniformStream:
    """uniformStream: doubles in [0, 1) from a 32-bit splitmix state."""

    def __init__(self, seed):
        self.state = mix32(seed & M32) ^ mix32(seed // 2**32 + 1)

    def __call__(self):
        self.state = (self.state + 0x9E3779B9) & M32
        z = self.state
        z = ((z ^ (z >> 16)) * 0x21F0AAAD) & M32
        z = ((z ^ (z >> 15)) * 0x735A2D97) & M32
        z = z ^ (z >> 15)
        return z / 4294967296


def shuffled_indices(n, seed):
    out = list(range(n))
    nxt = UniformStream(seed)
    for i in range(n - 1, 0, -1):
        j = math.floor(nxt() * (i + 1))
        out[i], out[j] = out[j], out[i]
    return out


def sample_stream(count, samples, seed, train_timesteps, caption_dropout):
    """(example, timestep, dropped, noise_seed) of samples 0..samples-1, as SampleStream.sample
    draws them for `count` examples (repeats 1, one bucket, flip off)."""
    example = np.zeros(samples, dtype=np.int64)
    timestep = np.zeros(samples, dtype=np.int64)
    dropped = np.zeros(samples, dtype=bool)
    noise_seed = np.zeros(samples, dtype=np.int64)
    order, order_epoch = None, -1
    for i in range(samples):
        epoch = i // count
        if epoch != order_epoch:
            order, order_epoch = shuffled_indices(count, stream_seed(seed, ORDER_STREAM, epoch)), epoch
        example[i] = order[i % count]
        nxt = UniformStream(stream_seed(seed, SAMPLE_STREAM, i))
        # flip is off: the trainer draws no number for it
        timestep[i] = min(train_timesteps - 1, math.floor(nxt() * train_timesteps))
        dropped[i] = caption_dropout > 0 and nxt() < caption_dropout
        noise_seed[i] = stream_seed(seed, NOISE_STREAM, i)
    return example, timestep, dropped, noise_seed


def _rotl(x, k):
    return (x << np.uint32(k)) | (x >> np.uint32(32 - k))


def seeded_noise(seeds, count):
    """seededNoise(seed).normal(count) for each seed: float32 [len(seeds), count]."""
    seeds = np.asarray(seeds, dtype=np.int64)
    lo = (seeds & M32).astype(np.uint64)
    hi = (seeds >> 32).astype(np.uint64)

    def mix(v):  # mix32 on uint64 arrays holding 32-bit values
        h = v & np.uint64(M32)
        h ^= h >> np.uint64(16)
        h = (h * np.uint64(0x85EBCA6B)) & np.uint64(M32)
        h ^= h >> np.uint64(13)
        h = (h * np.uint64(0xC2B2AE35)) & np.uint64(M32)
        h ^= h >> np.uint64(16)
        return h

    words = [mix(mix((lo + np.uint64(((k + 1) * 0x9E3779B9) & M32)) & np.uint64(M32)) ^ mix(hi + np.uint64(k))) for k in range(4)]
    s0, s1, s2, s3 = (w.astype(np.uint32) for w in words)
    zero = (s0 | s1 | s2 | s3) == 0
    s0[zero] = 1
    with np.errstate(over="ignore"):

        def next_u32():
            nonlocal s0, s1, s2, s3
            result = _rotl(s1 * np.uint32(5), 7) * np.uint32(9)
            t = s1 << np.uint32(9)
            s2 = s2 ^ s0
            s3 = s3 ^ s1
            s1 = s1 ^ s2
            s0 = s0 ^ s3
            s2 = s2 ^ t
            s3 = _rotl(s3, 11)
            return result

        def next_double():
            high = (next_u32() >> np.uint32(5)).astype(np.float64)
            low = (next_u32() >> np.uint32(6)).astype(np.float64)
            return (high * 67108864 + low) / 9007199254740992

        out = np.empty((len(seeds), count), dtype=np.float32)
        for i in range(0, count, 2):
            radius = np.sqrt(-2 * np.log(1 - next_double()))
            angle = 2 * math.pi * next_double()
            out[:, i] = radius * np.cos(angle)
            if i + 1 < count:
                out[:, i + 1] = radius * np.sin(angle)
    return out


def _check(directory):
    """Compares the port with the engine's stream as export-stream.ts wrote it; exits 1 on a difference."""
    import os
    import sys

    ref = {k: np.load(os.path.join(directory, f"{k}.npy")) for k in ("example", "timestep", "dropped", "noise_seed", "noise")}
    n = len(ref["example"])
    example, timestep, dropped, noise_seed = sample_stream(512, n, 0, 1000, 0.5)
    noise = seeded_noise(noise_seed[: ref["noise"].shape[0]], int(np.prod(ref["noise"].shape[1:])))
    report = {
        "samples": n,
        "example_mismatches": int((example != ref["example"]).sum()),
        "timestep_mismatches": int((timestep != ref["timestep"]).sum()),
        "dropped_mismatches": int((dropped != ref["dropped"].astype(bool)).sum()),
        "noise_seed_mismatches": int((noise_seed != ref["noise_seed"].astype(np.int64)).sum()),
        "noise_max_abs_diff": float(np.max(np.abs(noise - ref["noise"].reshape(noise.shape)))),
        "dropped_share": float(dropped.mean()),
    }
    print(report)
    ok = all(report[k] == 0 for k in report if k.endswith("mismatches")) and report["noise_max_abs_diff"] == 0
    print("stream port", "IDENTICAL" if ok else "DIFFERS")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--check", required=True)
    _check(ap.parse_args().check)
