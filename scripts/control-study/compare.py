"""Compares two tuner files of the same kind (e.g. the CPU bench's and the port's, same settings):
their training loss histories step by step and their weights (max abs and relative L2 difference).

  python3 scripts/control-study/compare.py .cache/bench-control-v2/tuners/depth-csc.safetensors \
      .cache/control-study/steps-800/depth-csc.safetensors"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modules import read_safetensors  # noqa: E402


def load(path):
    weights, md = read_safetensors(path)
    training = json.loads(md.get("training", "{}"))
    history = {h["step"]: h["loss"] for h in training.get("lossHistory", [])}
    return weights, training, history


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    (wa, ta, ha), (wb, tb, hb) = load(sys.argv[1]), load(sys.argv[2])
    for key in ("lr", "steps", "batchSize", "seed", "captionDropout"):
        if key in ta and key in tb and ta[key] != tb[key]:
            print(f"note: {key} differs: {ta.get(key)} vs {tb.get(key)}")
    steps = sorted(set(ha) & set(hb))
    if steps:
        diff = np.array([abs(ha[s] - hb[s]) for s in steps])
        rel = diff / np.array([max(abs(ha[s]), 1e-12) for s in steps])
        print(f"loss histories: {len(steps)} common steps, max abs difference {diff.max():.3g} "
              f"(relative {rel.max():.3g}), mean loss {np.mean([ha[s] for s in steps]):.5f} vs {np.mean([hb[s] for s in steps]):.5f}")
    if set(wa) != set(wb):
        raise SystemExit(f"the files hold different tensors ({len(wa)} vs {len(wb)})")
    num = sum(float(((wa[k].astype(np.float64) - wb[k]) ** 2).sum()) for k in wa)
    den = sum(float((wa[k].astype(np.float64) ** 2).sum()) for k in wa)
    worst = max((float(np.abs(wa[k] - wb[k]).max()), k) for k in wa)
    print(f"weights: relative L2 difference {(num / max(den, 1e-30)) ** 0.5:.3g}, max abs {worst[0]:.3g} ({worst[1]})")


if __name__ == "__main__":
    main()
