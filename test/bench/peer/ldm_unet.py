"""The LDM U-Net (input_blocks / middle_block / output_blocks) in PyTorch, built from the same
JSON config as main/engine/models/unet (camelCase keys), with the same parameter names, so one
.safetensors file of weights runs in both engines. Written for the benchmark peer; NCHW."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    exponent = torch.arange(half, dtype=torch.float32, device=t.device) * -math.log(max_period) / half
    args = t[:, None].float() * torch.exp(exponent)[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


class ResBlock(nn.Module):
    def __init__(self, ch, out, emb_dim, groups):
        super().__init__()
        self.in_layers = nn.Sequential(nn.GroupNorm(groups, ch, eps=1e-5), nn.SiLU(), nn.Conv2d(ch, out, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, out))
        self.out_layers = nn.Sequential(
            nn.GroupNorm(groups, out, eps=1e-5), nn.SiLU(), nn.Dropout(0.0), nn.Conv2d(out, out, 3, padding=1)
        )
        self.skip_connection = nn.Identity() if ch == out else nn.Conv2d(ch, out, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        h = h + self.emb_layers(emb)[:, :, None, None]
        return self.skip_connection(x) + self.out_layers(h)


class Attention(nn.Module):
    def __init__(self, query_dim, context_dim, heads, head_dim):
        super().__init__()
        inner = heads * head_dim
        self.heads, self.head_dim = heads, head_dim
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, query_dim), nn.Dropout(0.0))

    def forward(self, x, context=None):
        context = x if context is None else context
        b, n, _ = x.shape
        m = context.shape[1]

        def split(t, length):
            return t.reshape(b, length, self.heads, self.head_dim).transpose(1, 2)

        q = split(self.to_q(x) * (1 / math.sqrt(self.head_dim)), n)
        k = split(self.to_k(context), m)
        v = split(self.to_v(context), m)
        out = torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ v
        return self.to_out(out.transpose(1, 2).reshape(b, n, self.heads * self.head_dim))


class GEGLU(nn.Module):
    def __init__(self, dim_in, inner):
        super().__init__()
        self.proj = nn.Linear(dim_in, inner * 2)

    def forward(self, x):
        value, gate = self.proj(x).chunk(2, dim=-1)
        return value * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.Sequential(GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.net(x)


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, head_dim, context_dim):
        super().__init__()
        self.attn1 = Attention(dim, dim, heads, head_dim)
        self.ff = FeedForward(dim)
        self.attn2 = Attention(dim, context_dim, heads, head_dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class SpatialTransformer(nn.Module):
    def __init__(self, ch, heads, head_dim, depth, context_dim, use_linear, groups):
        super().__init__()
        inner = heads * head_dim
        self.use_linear = use_linear
        self.norm = nn.GroupNorm(groups, ch, eps=1e-6)
        self.proj_in = nn.Linear(ch, inner) if use_linear else nn.Conv2d(ch, inner, 1)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(inner, heads, head_dim, context_dim) for _ in range(depth)]
        )
        self.proj_out = nn.Linear(inner, ch) if use_linear else nn.Conv2d(inner, ch, 1)

    def forward(self, x, context):
        b, c, h, w = x.shape
        x_in = x
        x = self.norm(x)
        if not self.use_linear:
            x = self.proj_in(x)
        x = x.permute(0, 2, 3, 1).reshape(b, h * w, -1)
        if self.use_linear:
            x = self.proj_in(x)
        for block in self.transformer_blocks:
            x = block(x, context)
        if self.use_linear:
            x = self.proj_out(x)
        x = x.reshape(b, h, w, -1).permute(0, 3, 1, 2)
        if not self.use_linear:
            x = self.proj_out(x)
        return x + x_in


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class TimestepEmbedSequential(nn.Sequential):
    def forward(self, x, emb, context):
        for layer in self:
            if isinstance(layer, ResBlock):
                x = layer(x, emb)
            elif isinstance(layer, SpatialTransformer):
                x = layer(x, context)
            else:
                x = layer(x)
        return x


class UNet(nn.Module):
    def __init__(self, c):
        super().__init__()
        mc = c["modelChannels"]
        groups = c.get("normGroups", 32)
        emb_dim = mc * 4
        self.model_channels = mc
        self.time_embed = nn.Sequential(nn.Linear(mc, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))

        def transformer(ch):
            if c.get("numHeads") is not None:
                heads, head_dim = c["numHeads"], ch // c["numHeads"]
            else:
                heads, head_dim = ch // c["headDim"], c["headDim"]
            return SpatialTransformer(
                ch, heads, head_dim, c.get("transformerDepth", 1), c["contextDim"],
                c.get("useLinearProjection", False), groups,
            )

        self.input_blocks = nn.ModuleList([TimestepEmbedSequential(nn.Conv2d(c["inChannels"], mc, 3, padding=1))])
        chans = [mc]
        ch = mc
        levels = len(c["channelMult"])
        for level, mult in enumerate(c["channelMult"]):
            for _ in range(c["numResBlocks"]):
                layers = [ResBlock(ch, mc * mult, emb_dim, groups)]
                ch = mc * mult
                if level in c["attentionLevels"]:
                    layers.append(transformer(ch))
                self.input_blocks.append(TimestepEmbedSequential(*layers))
                chans.append(ch)
            if level != levels - 1:
                self.input_blocks.append(TimestepEmbedSequential(Downsample(ch)))
                chans.append(ch)
        self.middle_block = TimestepEmbedSequential(
            ResBlock(ch, ch, emb_dim, groups), transformer(ch), ResBlock(ch, ch, emb_dim, groups)
        )
        self.output_blocks = nn.ModuleList()
        for level in reversed(range(levels)):
            mult = c["channelMult"][level]
            for i in range(c["numResBlocks"] + 1):
                layers = [ResBlock(ch + chans.pop(), mc * mult, emb_dim, groups)]
                ch = mc * mult
                if level in c["attentionLevels"]:
                    layers.append(transformer(ch))
                if level and i == c["numResBlocks"]:
                    layers.append(Upsample(ch))
                self.output_blocks.append(TimestepEmbedSequential(*layers))
        self.out = nn.Sequential(nn.GroupNorm(groups, ch, eps=1e-5), nn.SiLU(), nn.Conv2d(ch, c["outChannels"], 3, padding=1))

    def forward(self, x, t, context):
        emb = self.time_embed(timestep_embedding(t, self.model_channels))
        skips = []
        h = x
        for block in self.input_blocks:
            h = block(h, emb, context)
            skips.append(h)
        h = self.middle_block(h, emb, context)
        for block in self.output_blocks:
            h = block(torch.cat([h, skips.pop()], dim=1), emb, context)
        return self.out(h)
