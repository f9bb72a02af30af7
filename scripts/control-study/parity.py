"""The PyTorch half of the parity check (check-parity.ts is the other): trains a CSC-Tuner and a
ControlNet a few steps on CPU with train.py's Trainer, writes their files, and for fixed inputs
writes what PyTorch computes: the U-Net's prediction with each tuner applied (x, t, context,
condition given), and one batch's training loss and gradients (x0, noise, timesteps given).

  python3 scripts/control-study/parity.py --out .study/parity [--experiment depth --steps 3]"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modules import CONTROLNET_PREFIX, CSC_PREFIX, load_tuner_file, write_safetensors  # noqa: E402
from train import Trainer, parse_args  # noqa: E402


def nhwc(t):
    return np.ascontiguousarray(t.detach().float().cpu().numpy().transpose(0, 2, 3, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=".study/parity")
    ap.add_argument("--experiment", default="depth")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--downsample-hint-kernel", default=None, choices=["1", "3"])
    ap.add_argument("--csc-config", default=None, help="JSON over the CSC-Tuner's default config, as train.py")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    report = {}
    for method, lr in (("csc", 2e-3), ("controlnet", 2e-4)):
        path = os.path.join(a.out, f"{method}.safetensors")
        extra = ["--downsample-hint-kernel", a.downsample_hint_kernel] if a.downsample_hint_kernel and method == "csc" else []
        if a.csc_config and method == "csc":
            extra += ["--csc-config", a.csc_config]
        args = parse_args(["--experiment", a.experiment, "--method", method, "--steps", str(a.steps), "--lr", str(lr), "--out", path, *extra])
        tr = Trainer(args)
        # The initial weights (step 0), to compare with the engine's seeded initialisation.
        tr.save(os.path.join(a.out, f"{method}-init.safetensors"), 0, np.array([]), 0.0)
        losses = [float(tr.step(s)) for s in range(a.steps)]
        tr.save(path, a.steps, np.array(losses), 0.0)
        for variant in ("trained", "perturbed"):
            if variant == "perturbed":
                # A few steps leave the zero-initialised layers near zero, so the tuner barely moves the
                # output; perturbed weights make every part of the structure count in the comparison.
                gp = torch.Generator().manual_seed(7)
                with torch.no_grad():
                    for p in tr.tuner.parameters():
                        p.add_(torch.randn(p.shape, generator=gp) * 0.05)
                path = os.path.join(a.out, f"{method}-perturbed.safetensors")
                tr.save(path, a.steps, np.array(losses), 0.0)
            report[f"{method}-{variant}"] = check(a, tr, method, variant, path, losses)
    with open(os.path.join(a.out, "python.json"), "w") as f:
        json.dump(report, f, indent=1)


def check(a, tr, method, variant, path, losses):
    """Writes the fixed inputs and what PyTorch computes from them with the tuner in `path`."""
    # Reload what was written (as the engine will) and use that module from here on.
    tuner, _ = load_tuner_file(path, tr.unet, tr.manifest)
    tuner.eval()
    g = torch.Generator().manual_seed(123)
    idx = torch.tensor([5, 77])
    x0 = tr.x0[idx]
    noise = torch.randn(x0.shape, generator=g)
    t = torch.tensor([37, 612])
    ctx = torch.stack([tr.contexts[5], tr.empty])
    cond = tr.cond[idx]
    a_ = tr.sqrt_ab[t].view(-1, 1, 1, 1)
    b_ = tr.sqrt_1mab[t].view(-1, 1, 1, 1)
    x = x0 * a_ + noise * b_
    with torch.no_grad():
        out = tuner.forward_unet(tr.unet, x, t.float(), ctx, cond)
        base = tr.unet(x, t.float(), ctx)
    # One batch's loss and gradients through the trainer's objective.
    saved, tr.tuner = tr.tuner, tuner
    for p in tuner.parameters():
        p.requires_grad_(True)
        p.grad = None
    loss = tr.loss(x0, noise, t, ctx, cond)
    loss.backward()
    prefix = CSC_PREFIX if method == "csc" else CONTROLNET_PREFIX
    grads = {prefix + n: p.grad.detach().numpy() for n, p in tuner.named_parameters()}
    tr.tuner = saved
    d = os.path.join(a.out, f"{method}-{variant}")
    os.makedirs(d, exist_ok=True)
    for name, arr in (("x", nhwc(x)), ("x0", nhwc(x0)), ("noise", nhwc(noise)), ("context", ctx.numpy()),
                      ("condition", nhwc(cond)), ("out", nhwc(out)), ("t", t.numpy().astype(np.float32)),
                      ("loss", np.array([loss.item()], dtype=np.float32))):
        np.save(os.path.join(d, f"{name}.npy"), np.ascontiguousarray(arr, dtype=np.float32))
    write_safetensors(os.path.join(d, "grads.safetensors"), grads, metadata={"loss": str(loss.item())})
    r = {"file": path, "train_losses": losses, "loss": loss.item(),
         "control_effect_max_abs": float((out - base).abs().max()), "out_max_abs": float(out.abs().max())}
    print(method, variant, json.dumps(r), flush=True)
    return r


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
