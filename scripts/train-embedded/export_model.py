"""Writes a model folder the studio loads (main/engine/pipeline/latent-diffusion-model.ts):
model.json ('scedit-studio.model/1'), tokenizer.json and weights.safetensors in the LDM
single-file names (model.diffusion_model.*, first_stage_model.*, cond_stage_model.*), PyTorch
layouts. By default from the stage checkpoints, with the EMA weights of the U-Net and text encoder.

  scripts/train-embedded/run.sh export_model.py --out assets/models/embedded [--dtype F16] [--live]"""
import argparse
import json
import os
import shutil

from common import load_checkpoint, load_json
from safetensors_write import write_safetensors

MODEL_FORMAT = "scedit-studio.model/1"


def model_tensors(unet_state, vae_state, text_state):
    out = {}
    for prefix, state in (("model.diffusion_model.", unet_state), ("first_stage_model.", vae_state), ("cond_stage_model.", text_state)):
        for name, value in state.items():
            out[prefix + name] = value.detach().cpu().numpy()
    return out


def write_model_folder(out, *, model, config, scale_factor, tokenizer_path, unet_state, vae_state, text_state, dtype="F32", metadata=None):
    """model: the recipe's model entry (id, name, imageSize, schedule)."""
    os.makedirs(out, exist_ok=True)
    config = json.loads(json.dumps(config))
    config["vae"]["scaleFactor"] = scale_factor
    write_safetensors(os.path.join(out, "weights.safetensors"), model_tensors(unet_state, vae_state, text_state), dtype,
                      {"format": MODEL_FORMAT, "id": model["id"], **(metadata or {})})
    tmp = os.path.join(out, f"tokenizer.json.tmp-{os.getpid()}")
    shutil.copyfile(tokenizer_path, tmp)
    os.replace(tmp, os.path.join(out, "tokenizer.json"))
    manifest = {"format": MODEL_FORMAT, "id": model["id"], "name": model["name"], "imageSize": model["imageSize"],
                "config": config, "schedule": model["schedule"]}
    tmp = os.path.join(out, f"model.json.tmp-{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, os.path.join(out, "model.json"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", default="assets/models/embedded/recipe.json")
    ap.add_argument("--data", default=".cache/embedded-training/data")
    ap.add_argument("--vae", default=".cache/embedded-training/vae/checkpoint.pt")
    ap.add_argument("--ldm", default=".cache/embedded-training/ldm/checkpoint.pt")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", choices=["F32", "F16"], default="F32")
    ap.add_argument("--live", action="store_true", help="the live weights instead of the EMA")
    args = ap.parse_args()
    recipe = load_json(args.recipe)
    vae, ldm = load_checkpoint(args.vae), load_checkpoint(args.ldm)
    if vae is None or ldm is None:
        raise SystemExit(f"need both checkpoints: {args.vae} and {args.ldm}")
    write_model_folder(
        args.out, model=recipe["model"], config=ldm["config"], scale_factor=ldm["scale_factor"],
        tokenizer_path=os.path.join(args.data, "tokenizer.json"), vae_state=vae["model"],
        unet_state=ldm["unet" if args.live else "ema_unet"], text_state=ldm["text" if args.live else "ema_text"],
        dtype=args.dtype, metadata={"vae_step": vae["step"], "ldm_step": ldm["step"], "weights": "live" if args.live else "ema"},
    )
    print(f"wrote {args.out} (VAE step {vae['step']}, U-Net/text step {ldm['step']})")


if __name__ == "__main__":
    main()
