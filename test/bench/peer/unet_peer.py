"""PyTorch peer of `npm run bench -- unet --peer` (not run by CI).

Loads the weights and inputs the TypeScript side exported (PyTorch names and layouts), checks the
forward output against ours (max abs difference), then times the same workloads: forward at
batch 2 and a training step (epsilon MSE + Adam over every weight) at batch 8. Prints one JSON
line. Run it through the benchmark, which sets the fair environment (OpenMP OpenBLAS, glibc
malloc tunables, thread count)."""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clip_text import TextTransformer  # noqa: E402
from ldm_unet import UNet  # noqa: E402
from ldm_vae import AutoencoderKL  # noqa: E402
from safetensors_np import read_safetensors  # noqa: E402


def median_ms(fn, runs, warmup=2):
    """Median wall and process-CPU milliseconds (CPU sums all threads)."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def load(model, path):
    weights, _ = read_safetensors(path)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()}, strict=True)
    return model.eval()


def max_diff(a, b):
    return float(np.max(np.abs(a.detach().numpy() - b)))


def vae_and_text_parity(directory):
    """Max abs differences of the VAE (mean, logvar, decode) and the text transformer, if exported."""
    out = {}
    if os.path.exists(os.path.join(directory, "vae.safetensors")):
        with open(os.path.join(directory, "vae-config.json")) as f:
            vae = load(AutoencoderKL(json.load(f)), os.path.join(directory, "vae.safetensors"))
        io, _ = read_safetensors(os.path.join(directory, "vae-io.safetensors"))
        with torch.no_grad():
            mean, logvar = vae.encode(torch.from_numpy(io["image"].copy()))
            decoded = vae.decode(torch.from_numpy(io["mean"].copy()))
        out["vae_parity"] = max(max_diff(mean, io["mean"]), max_diff(logvar, io["logvar"]), max_diff(decoded, io["decoded"]))
        out["vae_output_max_abs"] = float(np.max(np.abs(io["decoded"])))
    if os.path.exists(os.path.join(directory, "text.safetensors")):
        with open(os.path.join(directory, "text-config.json")) as f:
            text = load(TextTransformer(json.load(f)), os.path.join(directory, "text.safetensors"))
        io, _ = read_safetensors(os.path.join(directory, "text-io.safetensors"))
        with torch.no_grad():
            context = text(torch.from_numpy(io["ids"].copy()).long())
        out["text_parity"] = max_diff(context, io["context"])
        out["text_output_max_abs"] = float(np.max(np.abs(io["context"])))
    return out


def serve(workloads):
    """One timed run per request line, answered with one JSON line: lets the caller interleave our
    runs with these, so that both see the same machine (a shared host's load comes and goes)."""
    for name in workloads.values():
        name()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        fn = workloads[line.strip()]
        t0 = time.perf_counter()
        fn()
        print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--serve",
        action="store_true",
        help="after loading, time one workload per line read from stdin (forward | train), for interleaving",
    )
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    with open(os.path.join(args.dir, "config.json")) as f:
        config = json.load(f)
    weights, _ = read_safetensors(os.path.join(args.dir, "unet.safetensors"))
    io, _ = read_safetensors(os.path.join(args.dir, "io.safetensors"))

    model = UNet(config)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()}, strict=True)
    model.eval()
    extra_parity = vae_and_text_parity(args.dir)

    x = torch.from_numpy(io["x"].copy())
    t = torch.from_numpy(io["t"].copy())
    context = torch.from_numpy(io["context"].copy())
    with torch.no_grad():
        y = model(x, t, context).numpy()
    ours = io["y"]
    parity = float(np.max(np.abs(y - ours)))
    scale = float(np.max(np.abs(ours)))

    b, c, h, w = x.shape
    t_dim = context.shape[1:]
    x2 = torch.randn(2, c, h, w)
    t2 = torch.tensor([500.0, 500.0])
    ctx2 = torch.randn(2, *t_dim)

    def forward():
        with torch.no_grad():
            model(x2, t2, ctx2)

    forward_ms, forward_cpu_ms = median_ms(forward, args.runs * 2)

    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    x8 = torch.randn(8, c, h, w)
    eps8 = torch.randn(8, c, h, w)
    t8 = torch.tensor([10.0, 100, 200, 300, 400, 500, 700, 900])
    ctx8 = torch.randn(8, *t_dim)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(x8, t8, ctx8), eps8)
        loss.backward()
        optimizer.step()

    if args.serve:
        serve({"forward": forward, "train": train_step})
        return

    train_ms, train_cpu_ms = median_ms(train_step, args.runs)
    print(
        json.dumps(
            {
                "threads": args.threads,
                "torch": torch.__version__,
                "parity_max_abs_diff": parity,
                "output_max_abs": scale,
                "forward_ms": forward_ms,
                "train_ms": train_ms,
                "forward_cpu_ms": forward_cpu_ms,
                "train_cpu_ms": train_cpu_ms,
                **extra_parity,
            }
        )
    )


if __name__ == "__main__":
    main()
