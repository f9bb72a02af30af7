"""Regenerates test/integration/embedded-model/fixture/: a tiny model trained for two steps of
each stage through the same code as the real runs (vae_step, ldm_loss, write_model_folder),
exported as a model folder, plus PyTorch's outputs on fixed inputs (pytorch-io.safetensors, NCHW)
that the TypeScript test compares against. CI then needs no torch.

  scripts/train-embedded/run.sh make_fixture.py"""
import json
import os
import re

import numpy as np
import torch

from common import AutoencoderKL, TextTransformer, UNet, adamw, set_threads
from export_model import write_model_folder
from safetensors_write import write_safetensors
from train_ldm import alphas_cumprod, ldm_loss
from train_vae import vae_step

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "integration", "embedded-model", "fixture")
SIZE = 16
CONFIG = {
    "unet": {"inChannels": 4, "outChannels": 4, "modelChannels": 8, "channelMult": [1, 2], "numResBlocks": 1,
             "attentionLevels": [1], "headDim": 8, "contextDim": 16, "transformerDepth": 1,
             "useLinearProjection": True, "normGroups": 4},
    "vae": {"inChannels": 3, "outChannels": 3, "baseChannels": 8, "channelMult": [1, 2, 2], "numResBlocks": 1,
            "attentionLevels": [], "latentChannels": 4, "scaleFactor": 1, "normGroups": 4},
    "text": {"vocabSize": 12, "width": 16, "layers": 1, "heads": 2, "ffnDim": 32, "contextLength": 8,
             "activation": "gelu", "causal": True},
}
VOCAB = ["<pad>", "<bos>", "<eos>", "<unk>", "a", "red", "apple", "blue", "figure", "grinning", "face", "ball"]
CAPTIONS = ["a red apple", "a blue figure", "grinning face", "a red ball", "", "a blue ball, red figure"]
PROMPTS = ["a red apple", "grinning face with big eyes", ""]
MODEL = {"id": "fixture-tiny", "name": "Tiny fixture exported by make_fixture.py", "imageSize": SIZE,
         "schedule": {"betaSchedule": "scaled_linear", "betaStart": 0.00085, "betaEnd": 0.012, "trainTimesteps": 1000,
                      "prediction": "epsilon"}}
RECIPE_VAE = {"optimizer": {"lr": 1e-3, "betas": [0.9, 0.99], "weightDecay": 0.0}, "warmupSteps": 0, "steps": 2,
              "loss": {"l1": 1.0, "mse": 0.0, "klWeight": 1e-6}}
RECIPE_LDM = {"optimizer": {"lr": 1e-3, "betas": [0.9, 0.999], "weightDecay": 0.01}, "warmupSteps": 0, "steps": 2}


def encode(text):
    """The WordTokenizer's encoding for ASCII text (the test checks the TS tokenizer agrees)."""
    ids = [VOCAB.index(w) if w in VOCAB else 3 for w in re.findall(r"[a-z0-9]+", text.lower())]
    ids = [1, *ids[: CONFIG["text"]["contextLength"] - 2], 2]
    return ids + [0] * (CONFIG["text"]["contextLength"] - len(ids))


def main():
    set_threads(1)
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(1)
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, SIZE), torch.linspace(-1, 1, SIZE), indexing="ij")
    images = torch.stack([torch.stack([torch.sin(3 * xx + i), torch.cos(2 * yy - i), xx * yy]) for i in range(len(CAPTIONS))])
    images = (images + 0.1 * torch.randn(images.shape, generator=g)).clamp(-1, 1)

    vae, unet, text = AutoencoderKL(CONFIG["vae"]), UNet(CONFIG["unet"]), TextTransformer(CONFIG["text"])
    opt = adamw(vae.parameters(), RECIPE_VAE)
    for step in range(2):
        vae_step(vae, opt, images, RECIPE_VAE, step, g)
    with torch.no_grad():
        mean, logvar = vae.encode(images)
    scale = float(1 / mean.std())
    acp = alphas_cumprod(MODEL["schedule"])
    ids = torch.tensor([encode(c) for c in CAPTIONS])
    opt = adamw(list(unet.parameters()) + list(text.parameters()), RECIPE_LDM)
    for step in range(2):
        opt.zero_grad()
        latents = (mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=g)) * scale
        t = torch.randint(0, 1000, (len(CAPTIONS),), generator=g)
        ldm_loss(unet, text, latents, ids, t, torch.randn(latents.shape, generator=g), acp).backward()
        opt.step()

    tokenizer = os.path.join(OUT, "tokenizer.source.json")
    with open(tokenizer, "w") as f:
        json.dump({"format": "scedit-word-tokenizer", "version": 1, "contextLength": CONFIG["text"]["contextLength"], "vocab": VOCAB}, f)
    write_model_folder(os.path.join(OUT, "model"), model=MODEL, config=CONFIG, scale_factor=scale, tokenizer_path=tokenizer,
                       unet_state=unet.state_dict(), vae_state=vae.state_dict(), text_state=text.state_dict())
    os.remove(tokenizer)

    vae.eval(), unet.eval(), text.eval()
    with torch.no_grad():
        image = images[:1]
        enc_mean, enc_logvar = vae.encode(image)
        latent = torch.randn(2, 4, SIZE // 4, SIZE // 4, generator=g)
        decoded = vae.decode(latent)
        prompt_ids = torch.tensor([encode(p) for p in PROMPTS])
        context = text(prompt_ids)
        t = torch.tensor([37.0, 801.0])
        eps = unet(latent, t, context[:2])
    write_safetensors(os.path.join(OUT, "pytorch-io.safetensors"), {
        "image": image, "mean": enc_mean, "logvar": enc_logvar, "latent": latent, "decoded": decoded,
        "ids": prompt_ids.float(), "context": context, "t": t, "eps": eps,
    }, metadata={"prompts": json.dumps(PROMPTS), "torch": torch.__version__})
    print(f"wrote {os.path.abspath(OUT)} (scale factor {scale:.4f})")


if __name__ == "__main__":
    main()
