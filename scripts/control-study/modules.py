"""PyTorch port of the engine's CSC-Tuner and ControlNet (main/engine/tuners/csc-tuner.ts,
sc-adapter.ts, controlnet.ts, skip-layout.ts) with the same structure, parameter names, PyTorch
layouts and initialisation (bit for bit: nn/params.ts's seeded splitmix stream is ported), and of
how they are applied (composition.ts, skip-tuner-objective.ts, baseline-training.ts): CSC controls
added to the decoder's skips, ControlNet residuals added to the skips and the middle block's output.
The frozen U-Net and text encoder are the benchmark peer's modules (test/bench/peer), loaded from
the model folder (model.json + F16/F32 weights.safetensors). NCHW throughout."""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "test", "bench", "peer"))
sys.path.insert(0, os.path.join(REPO, "scripts", "train-embedded"))

from clip_text import TextTransformer  # noqa: E402
from ldm_unet import UNet, timestep_embedding  # noqa: E402
from safetensors_np import read_safetensors  # noqa: E402,F401  (F16 widened; re-exported for compare.py)
from safetensors_write import write_safetensors  # noqa: E402,F401  (atomic; re-exported for train.py, parity.py)

MODEL_DIR = os.path.join(REPO, "assets", "models", "embedded")
TUNER_FORMAT = "scedit-studio.tuner/1"
BASELINE_FORMAT = "scedit-studio.baseline/1"
CSC_PREFIX = "control_blocks.0."
CONTROLNET_PREFIX = "control_model."

def file_metadata(fmt, kind, module, condition, base_model, name=None, training=None):
    """The header the engine's tuner-file.ts / baseline-file.ts read (their format, kind, config)."""
    md = {
        "format": fmt,
        "kind": kind,
        "base_model_id": base_model["id"],
        "base_model_hash": base_model["hash"],
        "config": json.dumps(module.config, separators=(",", ":")),
        "parameter_count": str(sum(p.numel() for p in module.parameters())),
        "condition": condition,
    }
    if name:
        md["name"] = name
    if training is not None:
        md["training"] = json.dumps(training, separators=(",", ":"))
    return md


# ---------------------------------------------------------------------------------------------
# nn/params.ts's deterministic init: a splitmix32 stream seeded by the store seed and the name.

_M32 = 0xFFFFFFFF


def _stream(seed, name, n):
    h = (seed ^ 0x9E3779B9) & _M32
    for ch in name:
        h = ((h ^ ord(ch)) * 0x01000193) & _M32
    i = np.arange(1, n + 1, dtype=np.uint64)
    z = (np.uint64(h) + i * np.uint64(0x9E3779B9)) & np.uint64(_M32)
    z = ((z ^ (z >> np.uint64(16))) * np.uint64(0x21F0AAAD)) & np.uint64(_M32)
    z = ((z ^ (z >> np.uint64(15))) * np.uint64(0x735A2D97)) & np.uint64(_M32)
    z = z ^ (z >> np.uint64(15))
    return z.astype(np.float64) / 4294967296.0


def engine_uniform(seed, name, engine_shape, bound):
    """(next() * 2 - 1) * bound in the engine's layout order, as float32."""
    n = int(np.prod(engine_shape))
    return ((_stream(seed, name, n) * 2 - 1) * bound).astype(np.float32).reshape(engine_shape)


def init_conv(conv, seed, name, init):
    """Conv2d as nn/conv2d.ts: 'zero' | 'pytorch' (U(+-1/sqrt(fanIn)) weight and bias) | 'he'
    (U(+-sqrt(6/fanIn)) weight, zero bias). Engine layout HWIO -> OIHW."""
    o, i, kh, kw = conv.weight.shape
    with torch.no_grad():
        if init == "zero":
            conv.weight.zero_()
            conv.bias.zero_()
            return
        fan_in = i * kh * kw
        bound = math.sqrt(6 / fan_in) if init == "he" else 1 / math.sqrt(fan_in)
        w = engine_uniform(seed, f"{name}.weight", [kh, kw, i, o], bound).transpose(3, 2, 0, 1)
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
        if init == "he":
            conv.bias.zero_()
        else:
            conv.bias.copy_(torch.from_numpy(engine_uniform(seed, f"{name}.bias", [o], bound)))


def init_linear(lin, seed, name, zero=False):
    """Linear as nn/linear.ts: U(+-1/sqrt(in)) weight and bias, or zeros. Engine [in, out] -> [out, in]."""
    o, i = lin.weight.shape
    with torch.no_grad():
        if zero:
            lin.weight.zero_()
            lin.bias.zero_()
            return
        bound = 1 / math.sqrt(i)
        lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(engine_uniform(seed, f"{name}.weight", [i, o], bound).T)))
        lin.bias.copy_(torch.from_numpy(engine_uniform(seed, f"{name}.bias", [o], bound)))


# ---------------------------------------------------------------------------------------------
# The frozen model


def load_model_folder(model_dir=MODEL_DIR):
    """(manifest, unet, text) with the folder's weights, frozen, in eval mode, float32."""
    with open(os.path.join(model_dir, "model.json")) as f:
        manifest = json.load(f)
    weights, _ = read_safetensors(os.path.join(model_dir, "weights.safetensors"))
    c = manifest["config"]
    unet, text = UNet(c["unet"]), TextTransformer(c["text"])
    for module, prefix in ((unet, "model.diffusion_model."), (text, "cond_stage_model.")):
        state = {k[len(prefix) :]: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in weights.items() if k.startswith(prefix)}
        module.load_state_dict(state, strict=True)
        module.eval().requires_grad_(False)
    return manifest, unet, text


def skip_info(unet_config):
    """Per skip (encoder order): (channels, downscale), as UNet.skipInfo."""
    mc, out, ch, ds = unet_config["modelChannels"], [], unet_config["modelChannels"], 1
    out.append((ch, ds))
    levels = len(unet_config["channelMult"])
    for level, mult in enumerate(unet_config["channelMult"]):
        for _ in range(unet_config["numResBlocks"]):
            ch = mc * mult
            out.append((ch, ds))
        if level != levels - 1:
            ds *= 2
            out.append((ch, ds))
    return out


def alphas_cumprod(schedule):
    """scaled_linear (or linear) betas -> alphas_cumprod, float64 as diffusion/schedule.ts."""
    t = schedule.get("trainTimesteps", 1000)
    kind = schedule.get("betaSchedule", "scaled_linear")
    if kind == "scaled_linear":
        b0, b1 = schedule.get("betaStart", 0.00085), schedule.get("betaEnd", 0.012)
        betas = np.linspace(math.sqrt(b0), math.sqrt(b1), t, dtype=np.float64) ** 2
    elif kind == "linear":
        betas = np.linspace(schedule.get("betaStart", 0.0001), schedule.get("betaEnd", 0.02), t, dtype=np.float64)
    else:
        raise ValueError(f"beta schedule {kind} not ported")
    return np.cumprod(1 - betas)


def unet_encode(unet, x, t, context):
    """UNet.encode: (skips in encoder order, middle output h, emb)."""
    emb = unet.time_embed(timestep_embedding(t, unet.model_channels))
    skips, h = [], x
    for block in unet.input_blocks:
        h = block(h, emb, context)
        skips.append(h)
    return skips, unet.middle_block(h, emb, context), emb


def unet_decode(unet, h, skips, emb, context, skip_hook=None):
    """UNet.decode: skip j (decoder order, 0 = last encoder output) goes through skip_hook first."""
    x = h
    n = len(skips)
    for j, block in enumerate(unet.output_blocks):
        skip = skips[n - 1 - j]
        if skip_hook is not None:
            skip = skip_hook(j, skip)
        x = block(torch.cat([x, skip], dim=1), emb, context)
    return unet.out(x)


# ---------------------------------------------------------------------------------------------
# CSC-Tuner


CSC_PARAMETER_SHARE = 0.08


def default_csc_config(skips, condition, latent_factor, down_ratio=1, max_parameters=None):
    """defaultCscTunerConfig: 3x3 dense hints where the hint halves when they fit max_parameters."""
    width = skips[0][0]
    plain = {
        "layout": {"skips": [{"channels": c, "downscale": d} for c, d in skips]},
        "condition": condition,
        "latentFactor": latent_factor,
        "conditionChannels": 3,
        "hintChannels": max(16, _js_round(width * 0.8 / 8) * 8),
        "preHintRatio": max(0.25, min(1, width / 320)),
        "denseHintKernel": 1,
        "downRatio": down_ratio,
    }
    if max_parameters is None:
        return plain
    halving3x3 = dict(plain, downsampleHintKernel=3)
    count = sum(p.numel() for p in CscTuner(halving3x3, seed=0).parameters())
    return halving3x3 if count <= max_parameters else plain


def _js_round(x):
    """Math.round (halves up)."""
    return int(math.floor(x + 0.5))


def pre_hint_plan(config):
    """preHintPlan: [(width, stride)] per 3x3 conv."""
    stages = math.log2(config["latentFactor"])
    if stages != int(stages) or stages < 1:
        raise ValueError(f"latentFactor must be a power of two >= 2, got {config['latentFactor']}")
    r = config["preHintRatio"]
    inner = [32, 96, 192, 384]
    plan = [(_js_round(16 * r), 1), (_js_round(16 * r), 1)]
    for s in range(int(stages)):
        last = s == stages - 1
        width = config["hintChannels"] if last else _js_round(inner[min(s, len(inner) - 1)] * r)
        plan.append((width, 2))
        if not last:
            plan.append((width, 1))
    return plan


class TunerOp(nn.Module):
    def __init__(self, channels, hidden):
        super().__init__()
        self.ln1 = nn.Linear(channels, hidden)
        self.ln2 = nn.Linear(hidden, channels)


class ScAdapter(nn.Module):
    """T(x) = ln2(GELU(ln1(x))) per pixel (exact GELU); ln2 starts at zero."""

    def __init__(self, channels, hidden):
        super().__init__()
        self.tuner_op = TunerOp(channels, hidden)

    def init(self, seed, name):
        init_linear(self.tuner_op.ln1, seed, f"{name}.tuner_op.ln1")
        init_linear(self.tuner_op.ln2, seed, f"{name}.tuner_op.ln2", zero=True)

    def forward(self, x):  # x NCHW
        y = x.permute(0, 2, 3, 1)
        y = self.tuner_op.ln2(F.gelu(self.tuner_op.ln1(y)))
        return y.permute(0, 3, 1, 2)


class CscTuner(nn.Module):
    """State dict names as the engine's ParamStore (the file adds `control_blocks.0.`)."""

    def __init__(self, config, seed=0):
        super().__init__()
        self.config = config
        skips = config["layout"]["skips"]
        if not config["downRatio"] > 0:
            raise ValueError("downRatio must be > 0")
        layers, ch = [], config["conditionChannels"]
        plan = pre_hint_plan(config)
        for n, (width, stride) in enumerate(plan):
            layers.append(nn.Conv2d(ch, width, 3, stride=stride, padding=1))
            if n < len(plan) - 1:
                layers.append(nn.SiLU())
            ch = width
        self.pre_hint_blocks = nn.Sequential(*layers)
        k = config["denseHintKernel"]
        per_hint = config.get("hintKernels")
        if per_hint is not None and len(per_hint) != len(skips):
            raise ValueError(f"hintKernels has {len(per_hint)} entries for {len(skips)} skips")
        dense = []
        for i, s in enumerate(skips):
            down = i > 0 and s["downscale"] > skips[i - 1]["downscale"]
            # The hints that halve the resolution may use their own kernel (downsampleHintKernel);
            # hintKernels, where given, sets each hint's kernel and overrides both.
            kk = per_hint[i] if per_hint is not None else (config.get("downsampleHintKernel", k) if down else k)
            dense.append(nn.Sequential(nn.SiLU(), nn.Conv2d(ch, s["channels"], kk, stride=2 if down else 1, padding=1 if kk == 3 else 0)))
            ch = s["channels"]
        self.dense_hint_blocks = nn.ModuleList(dense)
        adapters = []
        for j in range(len(skips)):
            c = skips[len(skips) - 1 - j]["channels"]
            adapters.append(ScAdapter(c, max(1, _js_round(c * config["downRatio"]))))
        self.lsc_tuner_blocks = nn.ModuleList(adapters)
        for n in range(len(plan)):
            init_conv(self.pre_hint_blocks[2 * n], seed, f"pre_hint_blocks.{2 * n}", "he")
        for i in range(len(skips)):
            init_conv(self.dense_hint_blocks[i][1], seed, f"dense_hint_blocks.{i}.1", "zero")
        for j in range(len(skips)):
            self.lsc_tuner_blocks[j].init(seed, f"lsc_tuner_blocks.{j}")

    def hints(self, condition):
        """condition NCHW in [0, 1] -> hint maps in DECODER order."""
        h = self.pre_hint_blocks(condition)
        enc = []
        for block in self.dense_hint_blocks:
            h = block(h)
            enc.append(h)
        return enc[::-1]

    def control(self, j, skip, hint):
        return hint + self.lsc_tuner_blocks[j](skip + hint)

    def forward_unet(self, unet, x, t, context, condition, weight=1.0, encoder_grad=False):
        """The U-Net's prediction with this tuner (composition.ts, one CSC-Tuner, control scale 1)."""
        with torch.set_grad_enabled(encoder_grad and torch.is_grad_enabled()):
            skips, h, emb = unet_encode(unet, x, t, context)
        hints = self.hints(condition)
        return unet_decode(unet, h, skips, emb, context, lambda j, s: s + self.control(j, s, hints[j]) * weight)

    def file_tensors(self):
        return {CSC_PREFIX + k: v.detach().float().cpu().numpy() for k, v in self.state_dict().items()}

    def file_metadata(self, base_model, name=None, training=None):
        return file_metadata(TUNER_FORMAT, "csc", self, self.config["condition"], base_model, name, training)


# ---------------------------------------------------------------------------------------------
# ControlNet

ENCODER_PREFIXES = ("time_embed.", "input_blocks.", "middle_block.")


class ControlNet(nn.Module):
    """A trainable copy of the encoder (time_embed, input_blocks, middle_block, from the base U-Net),
    input_hint_block (the CSC pre-hint cascade at SD widths, He init, then a zero conv to the model
    width), zero_convs.{i}.0 and middle_block_out.0 (zero-initialised 1x1 convs)."""

    def __init__(self, base_unet, unet_config, latent_factor, condition_channels=3, seed=0):
        super().__init__()
        self.config = {"latentFactor": latent_factor, "conditionChannels": condition_channels}
        copy = UNet(unet_config)
        copy.load_state_dict(base_unet.state_dict())
        self.model_channels = copy.model_channels
        self.time_embed = copy.time_embed
        self.input_blocks = copy.input_blocks
        self.middle_block = copy.middle_block
        extras_seed = seed + 1
        skips = skip_info(unet_config)
        plan = pre_hint_plan({
            "layout": None, "latentFactor": latent_factor, "conditionChannels": condition_channels,
            "hintChannels": 256, "preHintRatio": 1, "denseHintKernel": 3, "downRatio": 1,
        })
        layers, ch = [], condition_channels
        for n, (width, stride) in enumerate(plan):
            layers.append(nn.Conv2d(ch, width, 3, stride=stride, padding=1))
            layers.append(nn.SiLU())  # the last SiLU sits before the zero conv: the reference's layout
            ch = width
        layers.append(nn.Conv2d(ch, unet_config["modelChannels"], 3, padding=1))
        self.input_hint_block = nn.Sequential(*layers)
        self.zero_convs = nn.ModuleList([nn.Sequential(nn.Conv2d(c, c, 1)) for c, _ in skips])
        mid = skips[-1][0]
        self.middle_block_out = nn.Sequential(nn.Conv2d(mid, mid, 1))
        for n in range(len(plan)):
            init_conv(self.input_hint_block[2 * n], extras_seed, f"input_hint_block.{2 * n}", "he")
        init_conv(self.input_hint_block[2 * len(plan)], extras_seed, f"input_hint_block.{2 * len(plan)}", "zero")
        for zc in self.zero_convs:
            init_conv(zc[0], extras_seed, "", "zero")
        init_conv(self.middle_block_out[0], extras_seed, "", "zero")
        self.n_plan = len(plan)

    def hint(self, condition):
        """ControlNet.hint: conv, SiLU between convs, none after the last (zero) conv."""
        h = condition
        convs = [self.input_hint_block[2 * n] for n in range(self.n_plan + 1)]
        for n, conv in enumerate(convs):
            h = conv(h)
            if n < len(convs) - 1:
                h = F.silu(h)
        return h

    def controls(self, x, t, context, hint):
        """(skip residuals in encoder order, middle residual)."""
        emb = self.time_embed(timestep_embedding(t, self.model_channels))
        skips, h = [], x
        for i, block in enumerate(self.input_blocks):
            h = block(h, emb, context)
            if i == 0:
                h = h + hint
            skips.append(self.zero_convs[i](h))
        return skips, self.middle_block_out(self.middle_block(h, emb, context))

    def forward_unet(self, unet, x, t, context, condition, weight=1.0, encoder_grad=False):
        """composition.ts's forward with one ControlNet (control scale 1)."""
        res, middle = self.controls(x, t, context, self.hint(condition))
        n = len(res)
        with torch.set_grad_enabled(encoder_grad and torch.is_grad_enabled()):
            skips, h, emb = unet_encode(unet, x, t, context)
        return unet_decode(unet, h + middle * weight, skips, emb, context, lambda j, s: s + res[n - 1 - j] * weight)

    def file_tensors(self):
        return {CONTROLNET_PREFIX + k: v.detach().float().cpu().numpy() for k, v in self.state_dict().items()}

    def file_metadata(self, base_model, condition, name=None, training=None):
        return file_metadata(BASELINE_FORMAT, "controlnet", self, condition, base_model, name, training)


def build_tuner(method, unet, manifest, condition, seed=0, downsample_hint_kernel=None, csc_overrides=None):
    unet_config = manifest["config"]["unet"]
    factor = vae_factor(manifest)
    if method == "csc":
        # cscConfigFor: the default within CSC_PARAMETER_SHARE of this model's ControlNet.
        control_net = sum(p.numel() for p in ControlNet(unet, unet_config, factor, 3, seed=seed).parameters())
        config = default_csc_config(skip_info(unet_config), condition, factor,
                                    max_parameters=control_net * CSC_PARAMETER_SHARE)
        if downsample_hint_kernel is not None:
            config["downsampleHintKernel"] = downsample_hint_kernel
        config.update(csc_overrides or {})
        return CscTuner(config, seed=seed)
    if method == "controlnet":
        return ControlNet(unet, unet_config, factor, 3, seed=seed)
    raise ValueError(method)


def vae_factor(manifest):
    return 2 ** (len(manifest["config"]["vae"]["channelMult"]) - 1)


def load_tuner_file(path, unet, manifest):
    """A tuner/baseline file this port (or the engine) wrote -> (module, metadata)."""
    tensors, md = read_safetensors(path)
    if md.get("format") == TUNER_FORMAT and md.get("kind") == "csc":
        m, prefix = CscTuner(json.loads(md["config"])), CSC_PREFIX
    elif md.get("format") == BASELINE_FORMAT and md.get("kind") == "controlnet":
        cfg = json.loads(md["config"])
        m, prefix = ControlNet(unet, manifest["config"]["unet"], cfg["latentFactor"], cfg["conditionChannels"]), CONTROLNET_PREFIX
    else:
        raise ValueError(f"{path}: not a CSC-Tuner or ControlNet file")
    m.load_state_dict({k[len(prefix) :]: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in tensors.items()}, strict=True)
    return m, md
