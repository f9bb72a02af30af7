"""Trains the figure-world depth estimator on the renderer's exact depth maps and exports it as a
`scedit-depth-convnet` model folder (main/annotators/depth/conv-net-depth.ts loads it).

The network predicts the map levels themselves (0..255 / 255, near = bright, sky = 0), so the
studio takes its output as levels (config output_scale 255) instead of stretching it.

  npx tsx scripts/annotators/pack-figures.ts       # once: .cache/annotators/figures/
  OMP_NUM_THREADS=1 nice -n 10 /usr/bin/python3 scripts/annotators/train_figure_depth.py \
      [--epochs 3] [--out assets/annotators/figures-depth]

Deterministic for the same data, seed and thread count. Prints held-out RMSE (0..255 levels)
beside the trivial baselines.
"""
import argparse
import json
import math
import time

import numpy as np
import torch

from augment import degrade
from layer_net import LayerNet, load_split, setup, to_input, unet_layers

WIDTHS = [16, 32, 48, 64]


def gray_levels(images_u8):
    """BT.601 luminance in the 14-bit fixed point main/annotators/gray.ts uses."""
    x = images_u8.astype(np.int64)
    return ((x[..., 0] * 4899 + x[..., 1] * 9617 + x[..., 2] * 1868 + 8192) >> 14).astype(np.float64)


def rmse(pred, truth):
    return float(np.sqrt(np.mean((pred.astype(np.float64) - truth.astype(np.float64)) ** 2)))


def affine_rmse(pred, truth):
    """RMSE after the per-image least-squares scale and shift of pred onto truth (MiDaS-style)."""
    total, count = 0.0, 0
    for p, t in zip(pred.reshape(len(pred), -1).astype(np.float64), truth.reshape(len(truth), -1).astype(np.float64)):
        a = np.stack([p, np.ones_like(p)], 1)
        coef, *_ = np.linalg.lstsq(a, t, rcond=None)
        total += float(np.sum((a @ coef - t) ** 2))
        count += t.size
    return math.sqrt(total / count)


def predict(net, images_u8, batch=256):
    out = []
    with torch.no_grad():
        for i in range(0, len(images_u8), batch):
            y = net(to_input(images_u8[i:i + batch]))[:, 0] * 255.0
            out.append(y.clamp(0, 255).numpy())
    return np.concatenate(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/annotators/figures")
    ap.add_argument("--out", default="assets/annotators/figures-depth")
    ap.add_argument("--epochs", type=float, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    rng = setup(args.threads, args.seed)

    images, depth, _ = load_split(args.data, "train")
    h_images, h_depth, _ = load_split(args.data, "heldout")
    layers = unet_layers(WIDTHS, 1, "none")
    net = LayerNet(layers)
    params = sum(p.numel() for p in net.parameters())
    steps = int(args.epochs * len(images) / args.batch)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.1)
    print(f"depth net: {params} parameters, {steps} steps of {args.batch}", flush=True)
    t0 = time.time()
    order = np.concatenate([rng.permutation(len(images)) for _ in range(math.ceil(args.epochs) + 1)])
    for step in range(steps):
        idx = np.sort(order[step * args.batch:(step + 1) * args.batch])
        x = to_input(images[idx])
        y = torch.from_numpy(depth[idx]).float().div_(255.0)[:, None]
        flip = torch.from_numpy(rng.rand(len(idx)) < 0.5)
        x[flip] = x[flip].flip(-1)
        y[flip] = y[flip].flip(-1)
        x = degrade(x, rng)
        pred = net(x)
        # L1 keeps the depth edges at the figure's outline sharp; the small L2 term the far field.
        loss = (pred - y).abs().mean() + ((pred - y) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"step={step} loss={loss.item():.5f} rmse_levels={255 * ((pred - y) ** 2).mean().sqrt().item():.2f} "
                  f"elapsed_s={time.time() - t0:.0f}", flush=True)

    net.eval()
    torch.save(net.state_dict(), f"{args.data}/figures-depth.pt")
    pred = predict(net, h_images)
    mean_level = float(depth.mean())
    results = {
        "heldout_pictures": len(h_images),
        "net_rmse": rmse(pred, h_depth),
        "net_affine_rmse": affine_rmse(pred, h_depth),
        "constant_mean_rmse": rmse(np.full_like(h_depth, mean_level, dtype=np.float64), h_depth),
        "grayscale_rmse": rmse(gray_levels(h_images), h_depth),
        "grayscale_affine_rmse": affine_rmse(gray_levels(h_images), h_depth),
        "parameters": params,
        "steps": steps,
        "batch": args.batch,
        "seed": args.seed,
        "train_seconds": round(time.time() - t0),
    }
    print(json.dumps(results, indent=1), flush=True)
    config = {
        "architecture": "scedit-depth-convnet",
        "input_size": int(images.shape[1]),
        "input_mean": [0, 0, 0],
        "input_std": [1, 1, 1],
        "output": "disparity",
        "output_scale": 255,
        "trained_on": "figure scenes (scedit dataset build figures --size 64); output x 255 = map levels, near = bright, sky = 0",
    }
    net.export(args.out, config, {"format": "scedit-depth-convnet", "heldout": json.dumps({k: v for k, v in results.items() if k != "train_seconds"})})
    with open(f"{args.out}/training.json", "w") as f:
        json.dump({**results, "command": " ".join(["train_figure_depth.py", *__import__("sys").argv[1:]]),
                   "epochs": args.epochs, "lr": args.lr, "widths": WIDTHS}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
