"""Shared pieces of the embedded-model training scripts: paths, the recipe, the packed data,
atomic checkpoints, learning-rate schedule, logging, stop-on-signal. The networks themselves are
the benchmark peer's PyTorch modules (test/bench/peer), which carry the engine's parameter names."""
import fcntl
import json
import math
import os
import signal
import sys
import time

import numpy as np
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "test", "bench", "peer"))

from clip_text import TextTransformer  # noqa: E402,F401
from ldm_unet import UNet  # noqa: E402,F401
from ldm_vae import AutoencoderKL  # noqa: E402,F401


def load_json(path):
    with open(path) as f:
        return json.load(f)


def set_threads(n):
    torch.set_num_threads(n)


class ThreadPolicy:
    """"auto" tries both cores only while the machine looks otherwise quiet (load average) and
    keeps them only if steps actually got faster: measured here, with the cores oversubscribed a
    VAE step took 36 s with 2 OpenMP threads against 3.5 s with 1, and even a mildly busy machine
    made 2 threads 4x slower than 1. After a losing try it stays on 1 thread for `cooldown` windows."""

    def __init__(self, setting, cores=2, cooldown=20):
        self.setting, self.cores, self.cooldown = setting, cores, cooldown
        self.current, self.hold, self.best = None, 0, {}
        torch.set_num_interop_threads(1)
        self.update()

    def update(self, step_seconds=None):
        """Call once per logging window with that window's median step seconds."""
        if step_seconds is not None and self.current is not None:
            self.best[self.current] = step_seconds
        if self.setting != "auto":
            want = int(self.setting)
        elif self.current == self.cores and self.best.get(self.cores, 0) > self.best.get(1, float("inf")):
            want, self.hold = 1, self.cooldown
        elif self.hold > 0:
            self.hold -= 1
            want = 1
        else:
            others = os.getloadavg()[0] - (self.current or 0)
            want = self.cores if others < 0.3 else 1
        if want != self.current:
            set_threads(want)
            self.current = want
        return want


class PackedImages:
    """A split written by prepare.ts: <split>.u8 (N x S x S x 3 uint8) + <split>.json."""

    def __init__(self, data_dir, split):
        self.index = load_json(os.path.join(data_dir, f"{split}.json"))
        s = self.index["size"]
        self.size = s
        self.pixels = np.memmap(os.path.join(data_dir, f"{split}.u8"), dtype=np.uint8, mode="r").reshape(-1, s, s, 3)
        if self.pixels.shape[0] != self.index["count"]:
            raise ValueError(f"{data_dir}/{split}.u8 holds {self.pixels.shape[0]} images, the index says {self.index['count']}")
        self.ids = np.array([item["ids"] for item in self.index["items"]], dtype=np.int64)
        self.empty_ids = np.array(self.index["emptyIds"], dtype=np.int64)

    def __len__(self):
        return self.pixels.shape[0]

    def images(self, idx):
        """NCHW float32 in [-1, 1]."""
        x = torch.from_numpy(np.ascontiguousarray(self.pixels[idx]))
        return x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def batch_rng(seed, step):
    """The batch of a step depends only on (seed, step): a resumed run draws what the straight run drew."""
    return np.random.default_rng([seed, step])


def warmup_cosine(step, base, warm, steps):
    """Linear warm-up over `warm` steps, then cosine from `base` down to 0.1x at `steps`."""
    if warm and step < warm:
        return base * (step + 1) / warm
    progress = min(1.0, (step - warm) / max(1, steps - warm))
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def lr_at(step, recipe):
    return warmup_cosine(step, recipe["optimizer"]["lr"], recipe.get("warmupSteps", 0), recipe["steps"])


def adamw(params, recipe):
    o = recipe["optimizer"]
    return torch.optim.AdamW(params, lr=o["lr"], betas=tuple(o["betas"]), weight_decay=o["weightDecay"])


def save_atomic(obj, path):
    """torch.save to a temporary file in the same folder, fsync, rename: a kill never leaves half a checkpoint."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def hold_lock(work_dir):
    """One process per stage folder: a second start exits instead of racing the first's checkpoints."""
    handle = open(os.path.join(work_dir, "lock"), "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit(f"{work_dir} is in use by another training process (lock held); not starting a second")
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def load_checkpoint(path):
    if not os.path.exists(path):
        return None
    return torch.load(path, map_location="cpu")


class StepWindow:
    """The training loops' periodic bookkeeping: every `every` steps one log line with the window's
    mean values and median step seconds (which also drives the thread policy), a checkpoint every
    `checkpoint_minutes`, and the --max-minutes deadline."""

    def __init__(self, log, threads, lr_of, checkpoint, checkpoint_minutes, max_minutes=None, every=50):
        self.log, self.threads, self.lr_of, self.checkpoint = log, threads, lr_of, checkpoint
        self.checkpoint_s, self.every = 60 * checkpoint_minutes, every
        self.started = self.last_save = time.time()
        self.deadline = None if max_minutes is None else self.started + 60 * max_minutes
        self.values, self.seconds = [], []

    def after_step(self, step, step_s, **values):
        """Call once per finished step; returns True when the --max-minutes deadline has passed."""
        self.values.append(values)
        self.seconds.append(step_s)
        if step % self.every == 0:
            n = len(self.values)
            median = sorted(self.seconds)[n // 2]
            means = {k: sum(v[k] for v in self.values) / n for k in self.values[0]}
            self.log(step=step, **means, step_s=median, lr=self.lr_of(step), threads=self.threads.current)
            self.threads.update(median)
            self.values, self.seconds = [], []
        if time.time() - self.last_save > self.checkpoint_s:
            self.checkpoint()
            self.last_save = time.time()
        return self.deadline is not None and time.time() > self.deadline


class Log:
    """Appends JSON lines (machine-readable) and echoes a short line to stdout."""

    def __init__(self, path):
        self.path = path

    def __call__(self, **fields):
        fields = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **fields}
        with open(self.path, "a") as f:
            f.write(json.dumps(fields) + "\n")
        print(" ".join(f"{k}={v:.5g}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items()), flush=True)


class StopFlag:
    """SIGTERM / SIGINT ask the loop to checkpoint and exit after the current step."""

    def __init__(self):
        self.stop = False
        signal.signal(signal.SIGTERM, self._set)
        signal.signal(signal.SIGINT, self._set)

    def _set(self, *_):
        self.stop = True


def psnr(a, b):
    """Per-image PSNR in dB of two [-1, 1] batches, on the 0..255 scale after rounding like a PNG."""
    qa = ((a.clamp(-1, 1) + 1) * 127.5).round()
    qb = ((b.clamp(-1, 1) + 1) * 127.5).round()
    mse = ((qa - qb) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return 10 * torch.log10(255.0**2 / mse)
