"""The control bench's training data for the PyTorch port, as export-data.ts wrote it from the
engine's own preparation (training-data.ts): latents (NHWC float32, the trainer's cached VAE
latents), condition maps (bytes; the trainer feeds byte / 255 in [0, 1], RGB, at the picture's
64x64), token ids of each caption and of the empty prompt. Files may be .npy or .npy.xz.

SamplePlan draws the samples as sample-stream.ts does, bit for bit (rng.py ports the engine's
streams): sample i of a run belongs to epoch floor(i / N), which walks a seeded permutation of the
N examples; each sample's timestep is uniform in 0..T-1, its caption is dropped (empty prompt) with
probability `caption_dropout`, and its noise is the engine's seeded normal noise (NHWC order).
Batch b holds samples b*B .. b*B+B-1. `stream="torch"` draws the same distributions from torch's
generators instead (no noise precomputed)."""
import io
import json
import lzma
import os

import numpy as np
import torch

from rng import sample_stream, seeded_noise

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".study", "data")


def load_npy(path):
    if os.path.exists(path):
        return np.load(path)
    with open(path + ".xz", "rb") as f:
        return np.load(io.BytesIO(lzma.decompress(f.read())))


class ExperimentData:
    def __init__(self, experiment, data_dir=DATA_DIR):
        d = os.path.join(data_dir, experiment)
        with open(os.path.join(d, "meta.json")) as f:
            self.meta = json.load(f)
        self.latents = load_npy(os.path.join(d, "latents.npy"))  # [N, h, w, c] float32
        self.conditions = load_npy(os.path.join(d, "conditions.npy"))  # [N, H, W, 3] uint8
        self.ids = load_npy(os.path.join(d, "ids.npy")).astype(np.int64)  # [N, T]
        self.empty_ids = load_npy(os.path.join(d, "empty_ids.npy")).astype(np.int64)  # [T]
        self.check_contexts = load_npy(os.path.join(d, "check_contexts.npy"))
        self.count = self.latents.shape[0]

    def tensors(self, text, device):
        """(x0 [N,c,h,w], condition [N,3,H,W] in [0,1], contexts [N,T,D], empty context [T,D]) on device."""
        x0 = torch.from_numpy(np.ascontiguousarray(self.latents.transpose(0, 3, 1, 2)))
        # The engine's maps are byte * (1/255) computed in float64, then stored as float32.
        cond = (self.conditions.astype(np.float64) * (1 / 255)).astype(np.float32)
        cond = torch.from_numpy(np.ascontiguousarray(cond.transpose(0, 3, 1, 2)))
        with torch.no_grad():
            text = text.to(device)
            contexts = torch.cat([text(torch.from_numpy(self.ids[k : k + 64]).to(device)) for k in range(0, self.count, 64)])
            empty = text(torch.from_numpy(self.empty_ids[None]).to(device))[0]
        return x0.to(device), cond.to(device), contexts, empty

    def text_parity(self, contexts, empty):
        """Max abs difference of the PyTorch contexts against the engine's (first captions, empty)."""
        n = self.check_contexts.shape[0] - 1
        ours = torch.cat([contexts[:n], empty[None]]).float().cpu().numpy()
        return float(np.max(np.abs(ours - self.check_contexts)))


class SamplePlan:
    """Which example, timestep, caption dropout and noise every sample of a run gets (fixed by the seed)."""

    def __init__(self, count, steps, batch, seed, train_timesteps, caption_dropout, latent_shape, stream="engine"):
        total = steps * batch
        self.noise = None
        if stream == "engine":
            example, timestep, dropped, noise_seed = sample_stream(count, total, seed, train_timesteps, caption_dropout)
            h, w, c = latent_shape
            noise = seeded_noise(noise_seed, h * w * c).reshape(steps, batch, h, w, c)
            self.noise = torch.from_numpy(np.ascontiguousarray(noise.transpose(0, 1, 4, 2, 3)))  # NCHW
            self.example = torch.from_numpy(example).view(steps, batch)
            self.timestep = torch.from_numpy(timestep).view(steps, batch)
            self.dropped = torch.from_numpy(dropped).view(steps, batch)
        elif stream == "torch":
            g = torch.Generator().manual_seed(seed)
            epochs = (total + count - 1) // count
            order = torch.cat([torch.randperm(count, generator=g) for _ in range(epochs)])[:total]
            self.example = order.view(steps, batch)
            u = torch.rand(total, generator=g, dtype=torch.float64)
            self.timestep = torch.clamp((u * train_timesteps).floor().long(), max=train_timesteps - 1).view(steps, batch)
            self.dropped = (torch.rand(total, generator=g, dtype=torch.float64) < caption_dropout).view(steps, batch)
        else:
            raise ValueError(f"stream {stream}")
        self.noise_seed = seed * 1_000_003 + 7
