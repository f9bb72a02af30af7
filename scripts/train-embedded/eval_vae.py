"""Held-out reconstruction PSNR of a VAE checkpoint, overall and per source (figures, emoji).
Reads the checkpoint only; safe to run while training goes on.

  scripts/train-embedded/run.sh eval_vae.py [--images 512] [--threads 1]"""
import argparse
import json

import torch

from common import AutoencoderKL, PackedImages, load_checkpoint, load_json, set_threads
from train_vae import heldout_psnr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/embedded-training/data")
    ap.add_argument("--checkpoint", default=".cache/embedded-training/vae/checkpoint.pt")
    ap.add_argument("--images", type=int, default=512)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    set_threads(args.threads)
    ckpt = load_checkpoint(args.checkpoint)
    if ckpt is None:
        raise SystemExit(f"{args.checkpoint}: no checkpoint yet")
    vae = AutoencoderKL(load_json(f"{args.data}/config.json")["vae"])
    vae.load_state_dict(ckpt["model"])
    with torch.no_grad():
        result = heldout_psnr(vae, PackedImages(args.data, "heldout"), args.images, by_source=True)
    print(json.dumps({"step": ckpt["step"], "images": args.images, "heldout_psnr_db": result}))


if __name__ == "__main__":
    main()
