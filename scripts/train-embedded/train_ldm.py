"""Stage 2: the text encoder and the U-Net, trained jointly on the epsilon-prediction MSE over the
latents of the frozen stage-1 VAE (recipe["ldm"]): scaled-linear schedule, AdamW, 10 % of
captions replaced by the empty prompt (for classifier-free guidance), EMA of both networks.
Resumable like stage 1: weights, EMA, optimizer, step and the latent scale factor live in one
atomic checkpoint; every step's batch, timesteps and noise depend only on (seed, step).

  scripts/train-embedded/run.sh train_ldm.py [--max-minutes M] [--steps N]"""
import argparse
import copy
import os
import time

import numpy as np
import torch

from common import (AutoencoderKL, Log, PackedImages, StepWindow, StopFlag, TextTransformer, ThreadPolicy, UNet, adamw, batch_rng, hold_lock,
                    load_checkpoint, load_json, lr_at, save_atomic)


def alphas_cumprod(schedule):
    """SD's scaled_linear (sqrt-spaced) or linear betas -> cumulative alpha products."""
    n = schedule.get("trainTimesteps", 1000)
    start, end = schedule.get("betaStart", 0.00085), schedule.get("betaEnd", 0.012)
    if schedule["betaSchedule"] == "scaled_linear":
        betas = torch.linspace(start**0.5, end**0.5, n, dtype=torch.float64) ** 2
    elif schedule["betaSchedule"] == "linear":
        betas = torch.linspace(start, end, n, dtype=torch.float64)
    else:
        raise ValueError(f"betaSchedule {schedule['betaSchedule']} is not supported by the trainer")
    return torch.cumprod(1 - betas, 0).float()


def zero_init_outputs(unet):
    """LDM's zero_module on the last conv of every ResBlock, every transformer's proj_out and the
    U-Net's output conv: each block starts as the identity and the first prediction as zero."""
    for name, module in unet.named_modules():
        if name == "out.2" or name.endswith("out_layers.3") or name.endswith("proj_out"):
            for p in module.parameters():
                torch.nn.init.zeros_(p)


@torch.no_grad()
def encode_latents(vae, images, batch=64):
    """(mean, logvar) of every training image under the frozen VAE, unscaled."""
    vae.eval()
    means, logvars = [], []
    for start in range(0, len(images), batch):
        mean, logvar = vae.encode(images.images(np.arange(start, min(start + batch, len(images)))))
        means.append(mean)
        logvars.append(logvar)
    return torch.cat(means), torch.cat(logvars)


def ldm_loss(unet, text, latents, ids, t, noise, acp):
    a = acp[t].view(-1, 1, 1, 1)
    noisy = a.sqrt() * latents + (1 - a).sqrt() * noise
    return torch.nn.functional.mse_loss(unet(noisy, t.float(), text(ids)), noise)


class Ema:
    def __init__(self, modules, decay):
        self.decay = decay
        self.shadow = [copy.deepcopy(m).eval().requires_grad_(False) for m in modules]

    @torch.no_grad()
    def update(self, modules, step):
        d = min(self.decay, (1 + step) / (10 + step))
        for shadow, live in zip(self.shadow, modules):
            for s, p in zip(shadow.parameters(), live.parameters()):
                s.mul_(d).add_(p.detach(), alpha=1 - d)


def draw(rng, recipe, n_train, empty_ids, ids, schedule_len):
    idx = rng.integers(0, n_train, recipe["batch"])
    batch_ids = ids[idx].copy()
    batch_ids[rng.random(recipe["batch"]) < recipe["captionDropout"]] = empty_ids
    t = rng.integers(0, schedule_len, recipe["batch"])
    return idx, torch.from_numpy(batch_ids), torch.from_numpy(t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", default="assets/models/embedded/recipe.json")
    ap.add_argument("--data", default=".cache/embedded-training/data")
    ap.add_argument("--vae", default=".cache/embedded-training/vae/checkpoint.pt")
    ap.add_argument("--work", default=".cache/embedded-training/ldm")
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--threads", default=None)
    ap.add_argument("--allow-unfinished-vae", action="store_true", help="start before the VAE reached its recipe steps")
    args = ap.parse_args()

    full = load_json(args.recipe)
    recipe = full["ldm"]
    threads = ThreadPolicy(args.threads or full["runtime"]["threads"])
    os.makedirs(args.work, exist_ok=True)
    lock = hold_lock(args.work)  # noqa: F841 (held until exit)
    log = Log(os.path.join(args.work, "log.jsonl"))
    config = load_json(os.path.join(args.data, "config.json"))
    train = PackedImages(args.data, "train")
    acp = alphas_cumprod(full["model"]["schedule"])

    ckpt_path = os.path.join(args.work, "checkpoint.pt")
    ckpt = load_checkpoint(ckpt_path)
    vae_ckpt = load_checkpoint(args.vae)
    if vae_ckpt is None:
        raise SystemExit(f"{args.vae}: no VAE checkpoint; run train_vae.py first")
    if vae_ckpt["step"] < full["vae"]["steps"] and not args.allow_unfinished_vae:
        raise SystemExit(f"{args.vae}: the VAE is at step {vae_ckpt['step']} of {full['vae']['steps']}; finish it or pass --allow-unfinished-vae")
    if ckpt is not None and ckpt["vae_step"] != vae_ckpt["step"]:
        raise SystemExit(f"{ckpt_path} was trained on the VAE at step {ckpt['vae_step']}, {args.vae} is at {vae_ckpt['step']}")
    vae = AutoencoderKL(config["vae"])
    vae.load_state_dict(vae_ckpt["model"])

    latents_path = os.path.join(args.work, "latents.pt")
    cached = load_checkpoint(latents_path)
    if cached is None or cached["vae_step"] != vae_ckpt["step"] or cached["mean"].shape[0] != len(train):
        t0 = time.time()
        mean, logvar = encode_latents(vae, train)
        sample = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=torch.Generator().manual_seed(0))
        cached = {"mean": mean, "logvar": logvar, "vae_step": vae_ckpt["step"], "scale_factor": float(1 / sample.std())}
        save_atomic(cached, latents_path)
        log(event="latents", count=len(train), scale_factor=cached["scale_factor"], seconds=time.time() - t0)
    std = torch.exp(0.5 * cached["logvar"])

    torch.manual_seed(recipe["seed"])
    unet, text = UNet(config["unet"]), TextTransformer(config["text"])
    if recipe.get("zeroInitOutputs"):
        zero_init_outputs(unet)
    params = list(unet.parameters()) + list(text.parameters())
    opt = adamw(params, recipe)
    ema = Ema([unet, text], recipe["emaDecay"])
    step = 0
    scale = cached["scale_factor"]
    if ckpt is not None:
        unet.load_state_dict(ckpt["unet"])
        text.load_state_dict(ckpt["text"])
        ema.shadow[0].load_state_dict(ckpt["ema_unet"])
        ema.shadow[1].load_state_dict(ckpt["ema_text"])
        opt.load_state_dict(ckpt["optimizer"])
        step, scale = ckpt["step"], ckpt["scale_factor"]
        log(event="resumed", step=step)
    else:
        log(event="started", unet_params=sum(p.numel() for p in unet.parameters()),
            text_params=sum(p.numel() for p in text.parameters()), scale_factor=scale)

    def checkpoint():
        save_atomic({"unet": unet.state_dict(), "text": text.state_dict(), "ema_unet": ema.shadow[0].state_dict(),
                     "ema_text": ema.shadow[1].state_dict(), "optimizer": opt.state_dict(), "step": step,
                     "scale_factor": scale, "vae_step": vae_ckpt["step"], "config": config, "recipe": recipe}, ckpt_path)

    end = min(args.steps or recipe["steps"], recipe["steps"])
    stop = StopFlag()
    window = StepWindow(log, threads, lambda s: lr_at(s, recipe), checkpoint, full["runtime"]["checkpointMinutes"], args.max_minutes)
    unet.train()
    text.train()
    while step < end and not stop.stop:
        rng = batch_rng(recipe["seed"], step)
        idx, ids, t = draw(rng, recipe, len(train), train.empty_ids, train.ids, len(acp))
        gen = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
        idx_t = torch.from_numpy(idx)
        latents = (cached["mean"][idx_t] + std[idx_t] * torch.randn(std[idx_t].shape, generator=gen)) * scale
        noise = torch.randn(latents.shape, generator=gen)
        t0 = time.perf_counter()
        for group in opt.param_groups:
            group["lr"] = lr_at(step, recipe)
        opt.zero_grad(set_to_none=True)
        loss = ldm_loss(unet, text, latents, ids, t, noise, acp)
        loss.backward()
        opt.step()
        ema.update([unet, text], step)
        step += 1
        if window.after_step(step, time.perf_counter() - t0, loss=loss.item()):
            break
    checkpoint()
    log(event="done" if step >= recipe["steps"] else "stopped", step=step)


if __name__ == "__main__":
    main()
