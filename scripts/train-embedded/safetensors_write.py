"""Writes .safetensors (F32 or F16) with numpy, atomically: the engine's reader validates it."""
import json
import os
import struct

import numpy as np

DTYPES = {"F32": "<f4", "F16": "<f2"}


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """tensors: name -> array-like; written in name order with 8-byte aligned data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(np.asarray(tensors[name], dtype=np.float32).astype(DTYPES[dtype])).tobytes()
        header[name] = {"dtype": dtype, "shape": list(np.shape(tensors[name])), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
