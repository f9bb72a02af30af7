"""Minimal .safetensors reader with numpy, so the peer needs no extra package: F32, and F16 widened
to float32 as the engine widens it (the shipped model is stored in F16)."""
import json
import struct

import numpy as np

_DTYPES = {"F32": "<f4", "F16": "<f2"}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    metadata = header.pop("__metadata__", {})
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}; the peer reads F32 and F16 only")
        start, end = info["data_offsets"]
        a = np.frombuffer(raw[base + start : base + end], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = a.astype(np.float32) if info["dtype"] == "F16" else a
    return tensors, metadata
