"""Turns what train_all.py wrote on a device machine (vae-text.safetensors, unet-1/2.safetensors,
meta.json) into a model folder the studio loads, like export_model.py does for the CPU stages.

  python3 scripts/train-embedded/import_device_run.py --run DIR --out assets/models/embedded --dtype F16"""
import argparse
import os

import torch

from common import load_json
from export_model import write_model_folder
from safetensors_np import read_safetensors  # the peer's F32 reader; train_all.py writes F32 shards


def split_prefix(tensors, prefix):
    return {k[len(prefix) :]: torch.from_numpy(v.copy()) for k, v in tensors.items() if k.startswith(prefix)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True, help="the folder train_all.py wrote")
    ap.add_argument("--recipe", default="assets/models/embedded/recipe.json")
    ap.add_argument("--data", default=".gpu/data", help="where config.json and tokenizer.json of the run are")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", choices=["F32", "F16"], default="F32")
    args = ap.parse_args()
    meta = load_json(os.path.join(args.run, "meta.json"))
    if not meta.get("final"):
        print(f"warning: {args.run} holds an intermediate save (U-Net step {meta['ldm_steps']}), not the run's end")
    tensors, _ = read_safetensors(os.path.join(args.run, "vae-text.safetensors"))
    for part in ("1", "2"):
        tensors.update(read_safetensors(os.path.join(args.run, f"unet-{part}.safetensors"))[0])
    recipe = load_json(args.recipe)
    write_model_folder(
        args.out, model=recipe["model"], config=load_json(os.path.join(args.data, "config.json")), scale_factor=meta["scale_factor"],
        tokenizer_path=os.path.join(args.data, "tokenizer.json"), vae_state=split_prefix(tensors, "vae."),
        unet_state=split_prefix(tensors, "unet."), text_state=split_prefix(tensors, "text."), dtype=args.dtype,
        metadata={"vae_step": meta["vae_steps"], "ldm_step": meta["ldm_steps"], "weights": "ema", "trained_on": meta["device"]},
    )
    print(f"wrote {args.out} (VAE steps {meta['vae_steps']}, U-Net/text steps {meta['ldm_steps']}, trained on {meta['device']})")


if __name__ == "__main__":
    main()
