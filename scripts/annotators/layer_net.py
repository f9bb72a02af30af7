"""The figure-world annotators' networks and data, in PyTorch.

A network is the same layer list that its config.json carries (main/annotators/layer-net.ts runs
it in the studio): conv2d (explicit symmetric padding, stride, relu/sigmoid/none), upsample
(bilinear, half-pixel centres), save (remember the activation under a name) and concat (append a
saved activation's channels). Building the PyTorch module from the list is what makes the exported
weights and the config agree by construction.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "train-embedded"))
from safetensors_write import write_safetensors  # noqa: E402


def conv(name, cin, cout, k=3, stride=1, act="relu"):
    return {"type": "conv2d", "name": name, "in_channels": cin, "out_channels": cout,
            "kernel_size": k, "stride": stride, "padding": k // 2, "activation": act}


def unet_layers(widths, out_channels, out_activation, up_levels=None):
    """A small U-Net: a stride-2 encoder over `widths`, then bilinear upsampling with skip
    concatenations back up `up_levels` levels (all by default), and a 3x3 head."""
    layers, cin = [], 3
    levels = len(widths)
    for i, w in enumerate(widths):
        layers.append(conv(f"enc{i}", cin, w, stride=1 if i == 0 else 2))
        layers.append(conv(f"enc{i}b", w, w))
        cin = w
        if i < levels - 1:
            layers.append({"type": "save", "name": f"skip{i}"})
    up_levels = levels - 1 if up_levels is None else up_levels
    for i in range(levels - 2, levels - 2 - up_levels, -1):
        layers.append({"type": "upsample", "scale": 2})
        layers.append({"type": "concat", "name": f"skip{i}"})
        layers.append(conv(f"dec{i}", cin + widths[i], widths[i]))
        cin = widths[i]
    layers.append(conv("head", cin, out_channels, act=out_activation))
    return layers


class LayerNet(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = layers
        self.convs = nn.ModuleDict()
        for layer in layers:
            if layer["type"] == "conv2d":
                self.convs[layer["name"]] = nn.Conv2d(
                    layer["in_channels"], layer["out_channels"], layer["kernel_size"],
                    stride=layer["stride"], padding=layer["padding"])

    def forward(self, x, final_activation=True):
        saved = {}
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            t = layer["type"]
            if t == "conv2d":
                x = self.convs[layer["name"]](x)
                act = layer["activation"]
                if act == "relu":
                    x = F.relu(x)
                elif act == "sigmoid" and (final_activation or i != last):
                    x = torch.sigmoid(x)
            elif t == "upsample":
                x = F.interpolate(x, scale_factor=layer["scale"], mode="bilinear", align_corners=False)
            elif t == "save":
                saved[layer["name"]] = x
            elif t == "concat":
                x = torch.cat([x, saved[layer["name"]]], dim=1)
        return x

    def export(self, folder, config, metadata=None):
        os.makedirs(folder, exist_ok=True)
        tensors = {k.replace("convs.", "", 1): v.detach().cpu().numpy() for k, v in self.state_dict().items()}
        write_safetensors(os.path.join(folder, "weights.safetensors"), tensors, "F32", metadata)
        tmp = os.path.join(folder, f"config.json.tmp-{os.getpid()}")
        with open(tmp, "w") as f:
            json.dump({**config, "layers": self.layers}, f, indent=1)
            f.write("\n")
        os.replace(tmp, os.path.join(folder, "config.json"))


def load_split(root, split):
    with open(os.path.join(root, "index.json")) as f:
        index = json.load(f)
    info = index["splits"][split]
    n, s = info["count"], info["size"]
    images = np.fromfile(os.path.join(root, f"{split}-images.u8"), dtype=np.uint8).reshape(n, s, s, 3)
    depth = np.fromfile(os.path.join(root, f"{split}-depth.u8"), dtype=np.uint8).reshape(n, s, s)
    keypoints = np.fromfile(os.path.join(root, f"{split}-keypoints.f32"), dtype=np.float32).reshape(n, 18, 3)
    return images, depth, keypoints


def to_input(images_u8):
    """N×H×W×3 uint8 -> N×3×H×W float in 0..1 (the configs use mean 0, std 1)."""
    return torch.from_numpy(images_u8).permute(0, 3, 1, 2).float().div_(255.0)


def setup(threads=1, seed=0):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    return np.random.RandomState(seed)
