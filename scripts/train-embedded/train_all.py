"""All of the embedded model in one process on one device, inside a wall-clock budget: the VAE,
then the text encoder + U-Net on its latents (recipe["device"]). Written for a lent GPU machine
(the device tool: one command of at most 10 minutes, a few MiB of files back), where the
per-stage scripts' resumable CPU loops would waste the budget on host round trips.

Same networks, losses and schedules as train_vae.py / train_ldm.py, but batches are drawn on the
device, the step counts come from the budget (a short calibration times a step, then each stage
gets as many steps as its share of the budget fits; the counts are written to meta.json, and
--vae-steps / --ldm-steps replay them exactly), and the results are written as safetensors
shards under 16 MiB each (the device tool's limit per file) that import_device_run.py turns into
a model folder.

  python3 scripts/train-embedded/train_all.py --data .gpu/data --out "$OUT" --device cuda --budget-seconds 460"""
import argparse
import json
import lzma
import os
import time

import numpy as np
import torch

from common import AutoencoderKL, TextTransformer, UNet, load_json, psnr, warmup_cosine
from safetensors_write import write_safetensors
from train_ldm import alphas_cumprod, zero_init_outputs


def unpack(data_dir, split):
    """<split>.u8.xz + <split>.json.xz (pack_device_data.py) -> (uint8 NHWC array, index)."""
    with open(os.path.join(data_dir, f"{split}.json.xz"), "rb") as f:
        index = json.loads(lzma.decompress(f.read()))
    with open(os.path.join(data_dir, f"{split}.u8.xz"), "rb") as f:
        pixels = np.frombuffer(lzma.decompress(f.read()), dtype=np.uint8)
    s = index["size"]
    pixels = pixels.reshape(-1, s, s, 3)
    if pixels.shape[0] != index["count"]:
        raise ValueError(f"{data_dir}/{split}.u8.xz holds {pixels.shape[0]} pictures, its index says {index['count']}")
    return pixels, index


def to_unit(px):
    """uint8 NHWC -> float NCHW in [-1, 1]."""
    return px.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def lr_at(step, stage, steps):
    return warmup_cosine(step, stage["lr"], stage["warmupSteps"], steps)


def make_adamw(params, stage, device):
    kwargs = dict(lr=stage["lr"], betas=tuple(stage["betas"]), weight_decay=stage["weightDecay"])
    if device.type == "cuda":
        try:
            return torch.optim.AdamW(params, fused=True, **kwargs)
        except (TypeError, RuntimeError):
            pass
    return torch.optim.AdamW(params, **kwargs)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


class Budgeted:
    """Runs `step_fn(step, steps)` for one stage. Steps `warm` to `warm + calibrate` are timed (after
    the first ones pay for kernel selection), then the stage gets as many steps as its `seconds`
    fit; or exactly `fixed_steps` when replaying. Until the count is known the schedule is still in
    its warm-up, which does not depend on the count, so a replay follows the same rates."""

    def __init__(self, name, seconds, fixed_steps, device, log, warm=20, calibrate=60):
        self.name, self.seconds, self.fixed, self.device, self.log = name, seconds, fixed_steps, device, log
        self.warm, self.calibrate = warm, calibrate

    def run(self, step_fn, every=250):
        started = time.time()
        steps = self.fixed or 10**9
        step, losses, timer = 0, [], None
        while step < steps:
            if self.fixed is None and step in (self.warm, self.warm + self.calibrate):
                sync(self.device)
                if step == self.warm:
                    timer = time.time()
                else:
                    per_step = (time.time() - timer) / self.calibrate
                    left = self.seconds - (time.time() - started)
                    steps = step + max(1, int(left / per_step * 0.97))
                    self.log(stage=self.name, event="calibrated", step_s=per_step, steps=steps)
            losses.append(step_fn(step, steps))
            step += 1
            if step % every == 0 or step == steps:
                mean = torch.stack(losses).mean().item()
                losses = []
                self.log(stage=self.name, step=step, loss=mean, seconds=round(time.time() - started, 1))
        sync(self.device)
        return steps, time.time() - started


def train_vae(cfg, stage, train_px, heldout, device, seconds, fixed_steps, log, seed, calibration):
    torch.manual_seed(seed)
    vae = AutoencoderKL(cfg).to(device)
    opt = make_adamw(vae.parameters(), stage, device)
    g = torch.Generator(device=device).manual_seed(seed)
    w = stage["loss"]
    vae.train()

    def step_fn(step, steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, stage, steps)
        idx = torch.randint(0, train_px.shape[0], (stage["batch"],), device=device, generator=g)
        x = to_unit(train_px[idx])
        mean, logvar = vae.encode(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, device=device, generator=g)
        recon = vae.decode(z)
        kl = 0.5 * (mean**2 + logvar.exp() - 1 - logvar).sum(dim=(1, 2, 3)).mean()
        loss = w["l1"] * (recon - x).abs().mean() + w["mse"] * ((recon - x) ** 2).mean() + w["klWeight"] * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.detach()

    steps, took = Budgeted("vae", seconds, fixed_steps, device, log, *calibration).run(step_fn)
    vae.eval()
    hpx, hindex = heldout
    with torch.no_grad():
        x = to_unit(torch.from_numpy(hpx).to(device))
        values = torch.cat([psnr(vae.decode(vae.encode(x[i : i + 128])[0]), x[i : i + 128]) for i in range(0, len(x), 128)]).cpu()
    sources = np.array([it["source"] for it in hindex["items"]])
    quality = {"all": values.mean().item(), **{s: values[torch.from_numpy(sources == s)].mean().item() for s in sorted(set(sources))}}
    log(stage="vae", event="done", steps=steps, seconds=took, heldout_psnr_db=quality)
    return vae, steps, quality


@torch.no_grad()
def encode_all(vae, train_px, device, seed):
    means, logvars = [], []
    for start in range(0, train_px.shape[0], 1024):
        mean, logvar = vae.encode(to_unit(train_px[start : start + 1024]))
        means.append(mean)
        logvars.append(logvar)
    mean, logvar = torch.cat(means), torch.cat(logvars)
    g = torch.Generator(device=device).manual_seed(seed)
    sample = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, device=device, generator=g)
    return mean, torch.exp(0.5 * logvar), float(1 / sample.std())


class Ema:
    def __init__(self, modules, decay):
        self.decay = decay
        self.live = [p for m in modules for p in m.parameters()]
        self.shadow = [p.detach().clone() for p in self.live]

    @torch.no_grad()
    def update(self, step):
        d = min(self.decay, (1 + step) / (10 + step))
        if hasattr(torch, "_foreach_lerp_"):
            torch._foreach_lerp_(self.shadow, [p.detach() for p in self.live], 1 - d)
        else:
            for s, p in zip(self.shadow, self.live):
                s.mul_(d).add_(p.detach(), alpha=1 - d)

    def state(self, module, offset):
        """The shadow values of `module`'s parameters as a state dict (buffers from the module)."""
        names = [n for n, _ in module.named_parameters()]
        state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        for i, name in enumerate(names):
            state[name] = self.shadow[offset + i].clone()
        return state


def train_ldm(cfg, stage, schedule, mean, std, scale, ids, empty_ids, device, seconds, fixed_steps, log, seed, save, calibration):
    torch.manual_seed(seed)
    unet, text = UNet(cfg["unet"]).to(device), TextTransformer(cfg["text"]).to(device)
    if stage.get("zeroInitOutputs"):
        zero_init_outputs(unet)
    opt = make_adamw(list(unet.parameters()) + list(text.parameters()), stage, device)
    ema = Ema([unet, text], stage["emaDecay"])
    acp = alphas_cumprod(schedule).to(device)
    g = torch.Generator(device=device).manual_seed(seed)
    n, batch = mean.shape[0], stage["batch"]
    unet.train()
    text.train()
    last_save = [time.time()]
    n_unet = len(list(unet.parameters()))

    def states():
        return ema.state(unet, 0), ema.state(text, n_unet)

    def step_fn(step, steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, stage, steps)
        idx = torch.randint(0, n, (batch,), device=device, generator=g)
        latents = (mean[idx] + std[idx] * torch.randn(mean[idx].shape, device=device, generator=g)) * scale
        batch_ids = ids[idx].clone()
        drop = torch.rand(batch, device=device, generator=g) < stage["captionDropout"]
        batch_ids[drop] = empty_ids
        t = torch.randint(0, acp.shape[0], (batch,), device=device, generator=g)
        noise = torch.randn(latents.shape, device=device, generator=g)
        a = acp[t].view(-1, 1, 1, 1)
        noisy = a.sqrt() * latents + (1 - a).sqrt() * noise
        loss = torch.nn.functional.mse_loss(unet(noisy, t.float(), text(batch_ids)), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        ema.update(step)
        if time.time() - last_save[0] > 90:
            save(*states(), step=step + 1, final=False)
            last_save[0] = time.time()
        return loss.detach()

    steps, took = Budgeted("ldm", seconds, fixed_steps, device, log, *calibration).run(step_fn)
    log(stage="ldm", event="done", steps=steps, seconds=took)
    return states(), steps


def write_shards(out, vae_state, unet_state, text_state, meta):
    """F32 shards under 16 MiB each: vae + text in one, the U-Net's tensors split in two by name."""
    numpy = lambda state: {k: v.detach().float().cpu().numpy() for k, v in state.items()}  # noqa: E731
    write_safetensors(os.path.join(out, "vae-text.safetensors"),
                      {**{"vae." + k: v for k, v in numpy(vae_state).items()}, **{"text." + k: v for k, v in numpy(text_state).items()}})
    names = sorted(unet_state)
    half = len(names) // 2
    unet = numpy(unet_state)
    for part, chunk in (("1", names[:half]), ("2", names[half:])):
        write_safetensors(os.path.join(out, f"unet-{part}.safetensors"), {"unet." + k: unet[k] for k in chunk})
    tmp = os.path.join(out, "meta.json.tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=2)
    os.replace(tmp, os.path.join(out, "meta.json"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", default="assets/models/embedded/recipe.json")
    ap.add_argument("--data", default=".gpu/data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--budget-seconds", type=float, default=460, help="training time for both stages together")
    ap.add_argument("--vae-steps", type=int, default=None, help="replay: exactly this many VAE steps")
    ap.add_argument("--ldm-steps", type=int, default=None, help="replay: exactly this many U-Net steps")
    ap.add_argument("--calibration", default="20,60", help="W,C: time steps W..W+C of each stage to size it")
    args = ap.parse_args()

    recipe = load_json(args.recipe)
    calibration = tuple(int(v) for v in args.calibration.split(","))
    plan = recipe["device"]
    device = torch.device(args.device)
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, "log.jsonl")

    def log(**fields):
        fields = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **fields}
        with open(log_path, "a") as f:
            f.write(json.dumps(fields) + "\n")
        print(json.dumps(fields), flush=True)

    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        log(event="device", name=torch.cuda.get_device_name(0), torch=torch.__version__)
    t0 = time.time()
    config = load_json(os.path.join(args.data, "config.json"))
    train_np, train_index = unpack(args.data, "train")
    heldout = unpack(args.data, "heldout")
    train_px = torch.from_numpy(train_np.copy()).to(device)
    ids = torch.tensor([it["ids"] for it in train_index["items"]], dtype=torch.int64, device=device)
    empty_ids = torch.tensor(train_index["emptyIds"], dtype=torch.int64, device=device)
    log(event="data", train=int(train_px.shape[0]), heldout=int(heldout[0].shape[0]), seconds=round(time.time() - t0, 1))

    share = plan["vae"]["budgetShare"]
    vae, vae_steps, vae_quality = train_vae(config["vae"], plan["vae"], train_px, heldout, device, args.budget_seconds * share,
                                            args.vae_steps, log, plan["vae"]["seed"], calibration)
    mean, std, scale = encode_all(vae, train_px, device, plan["ldm"]["seed"])
    log(event="latents", scale_factor=scale)
    del train_px
    vae_state = {k: v.detach().clone() for k, v in vae.state_dict().items()}
    base_meta = {"vae_steps": vae_steps, "vae_heldout_psnr_db": vae_quality, "scale_factor": scale, "train_pictures": int(mean.shape[0]),
                 "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu", "torch": torch.__version__}

    def save(unet_state, text_state, step, final):
        write_shards(args.out, vae_state, unet_state, text_state, {**base_meta, "ldm_steps": step, "final": final})

    (unet_state, text_state), ldm_steps = train_ldm(
        config, plan["ldm"], recipe["model"]["schedule"], mean, std, scale, ids, empty_ids, device,
        args.budget_seconds * (1 - share), args.ldm_steps, log, plan["ldm"]["seed"], save, calibration)
    save(unet_state, text_state, step=ldm_steps, final=True)
    log(event="finished", seconds=round(time.time() - t0, 1))


if __name__ == "__main__":
    main()
