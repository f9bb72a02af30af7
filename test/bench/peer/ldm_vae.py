"""AutoencoderKL in the LDM layout (encoder.*, decoder.*, quant_conv, post_quant_conv) in
PyTorch, from the same JSON config as main/engine/models/vae (camelCase keys) and with the same
parameter names, for the benchmark peer and for training the embedded VAE outside tfjs. NCHW."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def norm(ch, groups):
    return nn.GroupNorm(groups, ch, eps=1e-6)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.norm1 = norm(cin, groups)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = norm(cout, groups)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)
        else:
            self.nin_shortcut = None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.nin_shortcut is None else self.nin_shortcut(x)) + h


class AttnBlock(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.norm = norm(ch, groups)
        self.q = nn.Conv2d(ch, ch, 1)
        self.k = nn.Conv2d(ch, ch, 1)
        self.v = nn.Conv2d(ch, ch, 1)
        self.proj_out = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        n = self.norm(x)

        def tokens(t):
            return t.reshape(b, c, h * w).transpose(1, 2)

        q = tokens(self.q(n) * (1 / math.sqrt(c)))
        scores = torch.softmax(q @ tokens(self.k(n)).transpose(1, 2), dim=-1)
        out = (scores @ tokens(self.v(n))).transpose(1, 2).reshape(b, c, h, w)
        return x + self.proj_out(out)


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


def middle(ch, groups):
    mid = nn.Module()
    mid.block_1 = ResnetBlock(ch, ch, groups)
    mid.attn_1 = AttnBlock(ch, groups)
    mid.block_2 = ResnetBlock(ch, ch, groups)
    return mid


def run_middle(mid, x):
    return mid.block_2(mid.attn_1(mid.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        g, base, mults = c.get("normGroups", 32), c["baseChannels"], c["channelMult"]
        attn_levels = c.get("attentionLevels", [])
        self.conv_in = nn.Conv2d(c.get("inChannels", 3), base, 3, padding=1)
        self.down = nn.ModuleList()
        block_in = base
        for i, mult in enumerate(mults):
            level = nn.Module()
            level.block, level.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(c["numResBlocks"]):
                level.block.append(ResnetBlock(block_in, base * mult, g))
                block_in = base * mult
                if i in attn_levels:
                    level.attn.append(AttnBlock(block_in, g))
            if i != len(mults) - 1:
                level.downsample = Downsample(block_in)
            self.down.append(level)
        self.mid = middle(block_in, g)
        self.norm_out = norm(block_in, g)
        self.conv_out = nn.Conv2d(block_in, 2 * c["latentChannels"], 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for i, level in enumerate(self.down):
            for j, block in enumerate(level.block):
                h = block(h)
                if len(level.attn) > 0:
                    h = level.attn[j](h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)
        h = run_middle(self.mid, h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        g, base, mults = c.get("normGroups", 32), c["baseChannels"], c["channelMult"]
        attn_levels = c.get("attentionLevels", [])
        block_in = base * mults[-1]
        self.conv_in = nn.Conv2d(c["latentChannels"], block_in, 3, padding=1)
        self.mid = middle(block_in, g)
        ups = []
        for i in reversed(range(len(mults))):
            level = nn.Module()
            level.block, level.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(c["numResBlocks"] + 1):
                level.block.append(ResnetBlock(block_in, base * mults[i], g))
                block_in = base * mults[i]
                if i in attn_levels:
                    level.attn.append(AttnBlock(block_in, g))
            if i != 0:
                level.upsample = Upsample(block_in)
            ups.insert(0, level)
        self.up = nn.ModuleList(ups)
        self.norm_out = norm(block_in, g)
        self.conv_out = nn.Conv2d(block_in, c.get("outChannels", 3), 3, padding=1)

    def forward(self, z):
        h = run_middle(self.mid, self.conv_in(z))
        for i in reversed(range(len(self.up))):
            level = self.up[i]
            for j, block in enumerate(level.block):
                h = block(h)
                if len(level.attn) > 0:
                    h = level.attn[j](h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class AutoencoderKL(nn.Module):
    def __init__(self, c):
        super().__init__()
        z = c["latentChannels"]
        self.scale_factor = c["scaleFactor"]
        self.encoder = Encoder(c)
        self.decoder = Decoder(c)
        self.quant_conv = nn.Conv2d(2 * z, 2 * z, 1)
        self.post_quant_conv = nn.Conv2d(z, z, 1)

    def encode(self, x):
        """(mean, logvar) of the unscaled latent; logvar clamped to [-30, 20] as LDM does."""
        mean, logvar = self.quant_conv(self.encoder(x)).chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))
