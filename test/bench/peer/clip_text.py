"""The CLIP-style text transformer of main/engine/models/text (HF CLIPTextModel names:
text_model.embeddings.*, text_model.encoder.layers.N.*, text_model.final_layer_norm) in PyTorch,
from the same JSON config (camelCase keys), for the benchmark peer and for training outside tfjs."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class SelfAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads, self.head_dim = heads, width // heads
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x, mask):
        b, n, w = x.shape

        def split(t):
            return t.reshape(b, n, self.heads, self.head_dim).transpose(1, 2)

        q = split(self.q_proj(x) * (1 / math.sqrt(self.head_dim)))
        scores = q @ split(self.k_proj(x)).transpose(-1, -2)
        if mask is not None:
            scores = scores + mask
        out = torch.softmax(scores, dim=-1) @ split(self.v_proj(x))
        return self.out_proj(out.transpose(1, 2).reshape(b, n, w))


class Mlp(nn.Module):
    def __init__(self, width, ffn, activation):
        super().__init__()
        self.fc1 = nn.Linear(width, ffn)
        self.fc2 = nn.Linear(ffn, width)
        self.activation = activation

    def forward(self, x):
        h = self.fc1(x)
        h = h * torch.sigmoid(1.702 * h) if self.activation == "quick_gelu" else F.gelu(h)
        return self.fc2(h)


class EncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = SelfAttention(c["width"], c["heads"])
        self.layer_norm1 = nn.LayerNorm(c["width"])
        self.mlp = Mlp(c["width"], c["ffnDim"], c.get("activation", "gelu"))
        self.layer_norm2 = nn.LayerNorm(c["width"])

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class TextModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = nn.Module()
        self.embeddings.token_embedding = nn.Embedding(c["vocabSize"], c["width"])
        self.embeddings.position_embedding = nn.Embedding(c["contextLength"], c["width"])
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([EncoderLayer(c) for _ in range(c["layers"])])
        self.final_layer_norm = nn.LayerNorm(c["width"])
        self.causal = c.get("causal", True)

    def forward(self, ids):
        n = ids.shape[1]
        x = self.embeddings.token_embedding(ids) + self.embeddings.position_embedding(torch.arange(n, device=ids.device))[None]
        mask = None
        if self.causal:
            mask = torch.triu(torch.full((n, n), -1e9, device=ids.device), diagonal=1)
        for layer in self.encoder.layers:
            x = layer(x, mask)
        return self.final_layer_norm(x)


class TextTransformer(nn.Module):
    """Token ids [B, T] -> context [B, T, width]."""

    def __init__(self, c):
        super().__init__()
        self.text_model = TextModel(c)

    def forward(self, ids):
        return self.text_model(ids)
