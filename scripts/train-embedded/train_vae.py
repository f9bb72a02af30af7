"""Stage 1: the embedded AutoencoderKL (64x64x3 -> 16x16x4), trained alone on L1 reconstruction +
a small KL term (recipe["vae"]). Resumable: the checkpoint holds weights, optimizer and step, and
every step's batch depends only on (seed, step), so stop/resume equals a straight run's data.

  scripts/train-embedded/run.sh train_vae.py [--max-minutes M] [--steps N]"""
import argparse
import os
import time

import numpy as np
import torch

from common import (AutoencoderKL, Log, PackedImages, StepWindow, StopFlag, ThreadPolicy, adamw, batch_rng, hold_lock, load_checkpoint,
                    load_json, lr_at, psnr, save_atomic)


def vae_loss(vae, x, recipe, generator=None):
    mean, logvar = vae.encode(x)
    z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=generator)
    recon = vae.decode(z)
    w = recipe["loss"]
    l1 = (recon - x).abs().mean()
    mse = ((recon - x) ** 2).mean()
    kl = 0.5 * (mean**2 + logvar.exp() - 1 - logvar).sum(dim=(1, 2, 3)).mean()
    loss = w["l1"] * l1 + w.get("mse", 0.0) * mse + w["klWeight"] * kl
    return loss, {"l1": l1.item(), "mse": mse.item(), "kl": kl.item()}


def vae_step(vae, opt, x, recipe, step, generator=None):
    for group in opt.param_groups:
        group["lr"] = lr_at(step, recipe)
    opt.zero_grad(set_to_none=True)
    loss, parts = vae_loss(vae, x, recipe, generator)
    loss.backward()
    opt.step()
    return loss.item(), parts


def eval_indices(images, count):
    """Evenly spaced over the split, so every source (figures, emoji) is measured."""
    return np.unique(np.linspace(0, len(images) - 1, min(count, len(images))).round().astype(np.int64))


@torch.no_grad()
def heldout_psnr(vae, images, count, by_source=False):
    """Mean PSNR (dB) of decode(mean of encode(x)) on `count` held-out pictures; per source if asked."""
    was_training = vae.training
    vae.eval()
    idx = eval_indices(images, count)
    values = torch.cat([psnr(vae.decode(vae.encode(x)[0]), x) for x in (images.images(idx[i : i + 64]) for i in range(0, len(idx), 64))])
    vae.train(was_training)
    if not by_source:
        return values.mean().item()
    sources = np.array([images.index["items"][i]["source"] for i in idx])
    return {"all": values.mean().item(), **{s: values[torch.from_numpy(sources == s)].mean().item() for s in sorted(set(sources))}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", default="assets/models/embedded/recipe.json")
    ap.add_argument("--data", default=".cache/embedded-training/data")
    ap.add_argument("--work", default=".cache/embedded-training/vae")
    ap.add_argument("--max-minutes", type=float, default=None, help="checkpoint and stop after this long")
    ap.add_argument("--steps", type=int, default=None, help="stop at this step (default: the recipe's)")
    ap.add_argument("--threads", default=None, help="1, 2 or auto (default: the recipe's)")
    args = ap.parse_args()

    full = load_json(args.recipe)
    recipe = full["vae"]
    threads = ThreadPolicy(args.threads or full["runtime"]["threads"])
    os.makedirs(args.work, exist_ok=True)
    lock = hold_lock(args.work)  # noqa: F841 (held until exit)
    log = Log(os.path.join(args.work, "log.jsonl"))
    config = load_json(os.path.join(args.data, "config.json"))["vae"]
    train = PackedImages(args.data, "train")
    heldout = PackedImages(args.data, "heldout")

    torch.manual_seed(recipe["seed"])
    vae = AutoencoderKL(config)
    opt = adamw(vae.parameters(), recipe)
    ckpt_path = os.path.join(args.work, "checkpoint.pt")
    step = 0
    ckpt = load_checkpoint(ckpt_path)
    if ckpt is not None:
        vae.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        step = ckpt["step"]
        log(event="resumed", step=step)
    else:
        log(event="started", params=sum(p.numel() for p in vae.parameters()), train=len(train), heldout=len(heldout))

    def checkpoint():
        save_atomic({"model": vae.state_dict(), "optimizer": opt.state_dict(), "step": step, "config": config, "recipe": recipe}, ckpt_path)

    end = min(args.steps or recipe["steps"], recipe["steps"])
    stop = StopFlag()
    window = StepWindow(log, threads, lambda s: lr_at(s, recipe), checkpoint, full["runtime"]["checkpointMinutes"], args.max_minutes)
    vae.train()
    while step < end and not stop.stop:
        rng = batch_rng(recipe["seed"], step)
        idx = rng.integers(0, len(train), recipe["batch"])
        generator = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
        t0 = time.perf_counter()
        loss, parts = vae_step(vae, opt, train.images(idx), recipe, step, generator)
        step += 1
        if step % recipe["evalEvery"] == 0 or step == end:
            log(step=step, heldout_psnr_db=heldout_psnr(vae, heldout, recipe["evalImages"], by_source=True))
        if window.after_step(step, time.perf_counter() - t0, loss=loss, l1=parts["l1"], kl=parts["kl"]):
            break
    checkpoint()
    log(event="done" if step >= recipe["steps"] else "stopped", step=step)


if __name__ == "__main__":
    main()
