"""Stage 1b: fine-tune the VAE's decoder alone (recipe["vaeDecoder"]) on the frozen latent space of
stage 1, like SD's ft-MSE decoder: the encoder, and so every latent the U-Net learned on, stays
exactly as it was, so a sharper decoder needs no U-Net retraining. Reads the posterior (mean,
log-variance) of every training picture from stage 3's latent cache (the frozen encoder's own
output), decodes a posterior sample and fits the picture with L1 + MSE. Resumable like stage 1.

  scripts/train-embedded/run.sh train_vae_decoder.py [--max-minutes M] [--steps N]
  export:  scripts/train-embedded/run.sh export_model.py --vae .cache/embedded-training/vae-decoder/checkpoint.pt ..."""
import argparse
import os
import time

import torch

from common import (AutoencoderKL, Log, PackedImages, StepWindow, StopFlag, ThreadPolicy, adamw, batch_rng, hold_lock, load_checkpoint,
                    load_json, lr_at, save_atomic)
from train_vae import heldout_psnr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", default="assets/models/embedded/recipe.json")
    ap.add_argument("--data", default=".cache/embedded-training/data")
    ap.add_argument("--vae", default=".cache/embedded-training/vae/checkpoint.pt")
    ap.add_argument("--latents", default=".cache/embedded-training/ldm/latents.pt")
    ap.add_argument("--work", default=".cache/embedded-training/vae-decoder")
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--threads", default=None)
    args = ap.parse_args()

    full = load_json(args.recipe)
    recipe = full["vaeDecoder"]
    threads = ThreadPolicy(args.threads or full["runtime"]["threads"])
    os.makedirs(args.work, exist_ok=True)
    lock = hold_lock(args.work)  # noqa: F841 (held until exit)
    log = Log(os.path.join(args.work, "log.jsonl"))
    config = load_json(os.path.join(args.data, "config.json"))["vae"]
    train = PackedImages(args.data, "train")
    heldout = PackedImages(args.data, "heldout")

    base = load_checkpoint(args.vae)
    cached = load_checkpoint(args.latents)
    if base is None or cached is None:
        raise SystemExit(f"need the stage-1 VAE ({args.vae}) and stage 3's latent cache ({args.latents})")
    if cached["vae_step"] != base["step"] or cached["mean"].shape[0] != len(train):
        raise SystemExit(f"{args.latents} was not encoded by {args.vae} at step {base['step']} over this training split")
    std = torch.exp(0.5 * cached["logvar"])

    vae = AutoencoderKL(config)
    vae.load_state_dict(base["model"])
    for p in vae.parameters():
        p.requires_grad_(False)
    trained = list(vae.decoder.parameters()) + list(vae.post_quant_conv.parameters())
    for p in trained:
        p.requires_grad_(True)
    opt = adamw(trained, recipe)
    ckpt_path = os.path.join(args.work, "checkpoint.pt")
    step = 0
    ckpt = load_checkpoint(ckpt_path)
    if ckpt is not None:
        if ckpt["encoder_step"] != base["step"]:
            raise SystemExit(f"{ckpt_path} fine-tunes the decoder of the VAE at step {ckpt['encoder_step']}, {args.vae} is at {base['step']}")
        vae.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        step = ckpt["decoder_step"]
        log(event="resumed", step=step)
    else:
        log(event="started", trained_params=sum(p.numel() for p in trained), encoder_step=base["step"],
            heldout_psnr_db=heldout_psnr(vae, heldout, recipe["evalImages"], by_source=True))

    def checkpoint():
        # "step" stays the encoder's: the latent space (and so the U-Net's checkpoint) is unchanged.
        save_atomic({"model": vae.state_dict(), "optimizer": opt.state_dict(), "step": base["step"], "encoder_step": base["step"],
                     "decoder_step": step, "config": config, "recipe": recipe}, ckpt_path)

    end = min(args.steps or recipe["steps"], recipe["steps"])
    stop = StopFlag()
    window = StepWindow(log, threads, lambda s: lr_at(s, recipe), checkpoint, full["runtime"]["checkpointMinutes"], args.max_minutes)
    vae.train()
    w = recipe["loss"]
    while step < end and not stop.stop:
        rng = batch_rng(recipe["seed"], step)
        idx = torch.from_numpy(rng.integers(0, len(train), recipe["batch"]))
        gen = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
        t0 = time.perf_counter()
        z = cached["mean"][idx] + std[idx] * torch.randn(std[idx].shape, generator=gen)
        x = train.images(idx.numpy())
        for group in opt.param_groups:
            group["lr"] = lr_at(step, recipe)
        opt.zero_grad(set_to_none=True)
        recon = vae.decode(z)
        l1 = (recon - x).abs().mean()
        mse = ((recon - x) ** 2).mean()
        loss = w["l1"] * l1 + w["mse"] * mse
        loss.backward()
        opt.step()
        step += 1
        if step % recipe["evalEvery"] == 0 or step == end:
            log(step=step, heldout_psnr_db=heldout_psnr(vae, heldout, recipe["evalImages"], by_source=True))
        if window.after_step(step, time.perf_counter() - t0, loss=loss.item()):
            break
    checkpoint()
    log(event="done" if step >= recipe["steps"] else "stopped", step=step)


if __name__ == "__main__":
    main()
