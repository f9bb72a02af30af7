"""The evaluation classifier of issue 6: a small CNN trained on the embedded model's real training
pictures (the packed arrays prepare.ts writes), with one head per label the quality bench checks
(emoji category / subcategory, figure pose / colour, ...) and a penultimate feature vector for the
Frechet distance. Exports assets/eval/classifier/{weights.safetensors,config.json} and the parity
fixture test/unit/bench-quality/fixture/classifier-io.safetensors (PyTorch's outputs on fixed
inputs, so the TypeScript forward is checked without torch).

  OMP_NUM_THREADS=1 scripts/train-embedded/run.sh train_classifier.py [--epochs 3] [--fixture-only]

GroupNorm instead of BatchNorm: no running statistics, so a picture's features do not depend on
the batch it is in or on train/eval mode, and the TypeScript forward has nothing to track."""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common import PackedImages, set_threads
from safetensors_write import write_safetensors

FORMAT = "scedit-studio.eval-classifier/1"

# (head name, source whose items carry it, label key). Null labels count as the class "none".
HEADS = [
    ("source", None, None),
    ("emoji_category", "emoji", "category"),
    ("emoji_subcategory", "emoji", "subcategory"),
    ("figure_pose", "figures", "pose"),
    ("figure_color", "figures", "figure_color"),
    ("figure_object", "figures", "object"),
    ("figure_ground", "figures", "ground"),
    ("figure_time_of_day", "figures", "time_of_day"),
    ("figure_facing", "figures", "facing"),
]


class Classifier(nn.Module):
    """Stride-2 3x3 conv + GroupNorm + SiLU blocks (64 -> 4 px), flattened in PyTorch's (C, H, W)
    order (where things are matters: pose, facing, the object's side), one linear + SiLU to the
    feature vector, one linear head per label."""

    def __init__(self, channels, groups, features, head_sizes, size=64):
        super().__init__()
        self.blocks = nn.ModuleList()
        c_in = 3
        for c in channels:
            block = nn.Module()
            block.conv = nn.Conv2d(c_in, c, 3, stride=2, padding=1)
            block.norm = nn.GroupNorm(groups, c, eps=1e-5)
            self.blocks.append(block)
            c_in = c
        side = size // 2 ** len(channels)
        self.feature = nn.Linear(c_in * side * side, features)
        self.heads = nn.ModuleDict({name: nn.Linear(features, k) for name, k in head_sizes.items()})

    def features(self, x):
        for block in self.blocks:
            x = F.silu(block.norm(block.conv(x)))
        return F.silu(self.feature(x.flatten(1)))

    def forward(self, x):
        f = self.features(x)
        return f, {name: head(f) for name, head in self.heads.items()}


def label_of(item, source, key):
    if source is None:
        return item["source"]
    if item["source"] != source:
        return None
    value = item["labels"].get(key)
    return "none" if value is None else str(value)


def build_targets(items, classes):
    """name -> int64 array, -1 where the head does not apply (other source) or the class is unknown."""
    out = {}
    for name, source, key in HEADS:
        index = {c: i for i, c in enumerate(classes[name])}
        out[name] = np.array([index.get(label_of(it, source, key), -1) if label_of(it, source, key) is not None else -1 for it in items], dtype=np.int64)
    return out


def evaluate(model, images, targets, batch=256):
    model.eval()
    preds = {name: [] for name in targets}
    with torch.no_grad():
        for start in range(0, len(images), batch):
            idx = np.arange(start, min(len(images), start + batch))
            _, logits = model(images.images(idx))
            for name in preds:
                preds[name].append(logits[name].argmax(1).numpy())
    model.train()
    result = {}
    for name, t in targets.items():
        p = np.concatenate(preds[name])
        mask = t >= 0
        result[name] = {"accuracy": float((p[mask] == t[mask]).mean()) if mask.any() else None, "images": int(mask.sum())}
    return result


def export_tensors(model):
    return {name: p.detach().numpy() for name, p in model.state_dict().items()}


def write_fixture(model, heldout, path, seed):
    """One real held-out picture per source and one synthetic input reaching outside [-1, 1]."""
    items = heldout.index["items"]
    first = [next(i for i, it in enumerate(items) if it["source"] == s) for s in ("figures", "emoji")]
    real = heldout.images(np.array(first))
    g = torch.Generator().manual_seed(seed)
    synthetic = torch.rand(1, 3, 64, 64, generator=g) * 2.4 - 1.2
    x = torch.cat([real, synthetic])
    model.eval()
    with torch.no_grad():
        feats, logits = model(x)
    tensors = {"input": x.numpy(), "features": feats.numpy(), **{f"logits.{k}": v.numpy() for k, v in logits.items()}}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_safetensors(path, tensors, "F32", {"about": "PyTorch outputs of assets/eval/classifier on fixed NCHW inputs in [-1, 1]"})


def build_model(config):
    arch = config["architecture"]
    heads = {h["name"]: len(h["classes"]) for h in config["heads"]}
    return Classifier(arch["channels"], arch["groups"], arch["features"], heads, config["input"]["size"])


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": "<f4", "F16": "<f2"}
    state = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        values = np.frombuffer(data[a:b], dtype=dtypes[info["dtype"]]).astype(np.float32)
        state[name] = torch.from_numpy(values.reshape(info["shape"]))
    return state


def load_exported(out_dir, config=None):
    """The model as a user of the exported files sees it (weights read back from the safetensors)."""
    config = config or json.load(open(os.path.join(out_dir, "config.json")))
    model = build_model(config)
    model.load_state_dict(read_safetensors(os.path.join(out_dir, "weights.safetensors")))
    return model


def finish(model, config, heldout, args):
    """Stores the weights as F16 (the folder stays under 2 MB), then measures the held-out accuracy
    and writes the parity fixture with the weights read back, so both describe the shipped file."""
    os.makedirs(args.out, exist_ok=True)
    write_safetensors(os.path.join(args.out, "weights.safetensors"), export_tensors(model), "F16", {"format": FORMAT})
    shipped = load_exported(args.out, config)
    classes = {h["name"]: h["classes"] for h in config["heads"]}
    accuracy = evaluate(shipped, heldout, build_targets(heldout.index["items"], classes))
    print(json.dumps(accuracy, indent=1))
    for head in config["heads"]:
        head["heldoutAccuracy"] = accuracy[head["name"]]["accuracy"]
        head["heldoutImages"] = accuracy[head["name"]]["images"]
    tmp = os.path.join(args.out, f"config.json.tmp-{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(json.dumps(config, indent=2) + "\n")
    os.replace(tmp, os.path.join(args.out, "config.json"))
    write_fixture(shipped, heldout, args.fixture, args.seed)
    print(f"wrote {args.out} and {args.fixture}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/embedded-training/data")
    ap.add_argument("--out", default="assets/eval/classifier")
    ap.add_argument("--fixture", default="test/unit/bench-quality/fixture/classifier-io.safetensors")
    ap.add_argument("--epochs", type=float, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--fixture-only", action="store_true", help="rewrite the parity fixture from the exported weights")
    ap.add_argument("--reexport", action="store_true", help="store the exported weights again (F16), re-measure, rewrite config and fixture")
    args = ap.parse_args()
    set_threads(args.threads)
    torch.manual_seed(args.seed)
    heldout = PackedImages(args.data, "heldout")
    if args.fixture_only:
        write_fixture(load_exported(args.out), heldout, args.fixture, args.seed)
        print(f"wrote {args.fixture}")
        return
    if args.reexport:
        config = json.load(open(os.path.join(args.out, "config.json")))
        finish(load_exported(args.out, config), config, heldout, args)
        return

    train = PackedImages(args.data, "train")
    items = train.index["items"]
    classes = {}
    for name, source, key in HEADS:
        classes[name] = sorted({label_of(it, source, key) for it in items} - {None})
    y_train = build_targets(items, classes)
    channels, groups, features = [32, 64, 128, 128], 8, 128
    model = Classifier(channels, groups, features, {k: len(v) for k, v in classes.items()})
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = int(args.epochs * len(train) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    rng = np.random.default_rng(args.seed)
    order = np.concatenate([rng.permutation(len(train)) for _ in range(int(np.ceil(args.epochs)) + 1)])
    started = time.process_time()
    wall = time.time()
    y_t = {k: torch.from_numpy(v) for k, v in y_train.items()}
    for step in range(steps):
        idx = np.sort(order[step * args.batch : (step + 1) * args.batch])
        _, logits = model(train.images(idx))
        loss = sum(F.cross_entropy(logits[k], y_t[k][idx], ignore_index=-1) for k in logits if (y_t[k][idx] >= 0).any())
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == steps - 1:
            print(f"step={step}/{steps} loss={loss.item():.4f} cpu_s={time.process_time() - started:.0f}", flush=True)
    cpu_s = time.process_time() - started
    wall_s = time.time() - wall
    heads = [{"name": name, "source": source, "label": key, "classes": classes[name]} for name, source, key in HEADS]
    config = {
        "format": FORMAT,
        "about": "Evaluation classifier for the embedded model's quality bench (issue 6): trained on the training split of the recipe's datasets; heldoutAccuracy is on the held-out split (emoji held out as whole base emoji, so those are pictures of emoji it never saw). Trained by scripts/train-embedded/train_classifier.py.",
        "input": {"size": 64, "channels": 3, "range": [-1, 1], "layout": "weights F16 in PyTorch layout (conv OIHW, linear [out, in]); inputs RGB"},
        "architecture": {
            "blocks": "conv3x3 stride 2 padding 1 -> GroupNorm -> SiLU, per entry of channels",
            "channels": channels,
            "groups": groups,
            "normEps": 1e-5,
            "features": features,
            "pool": "flatten the last block's [C, H, W] (PyTorch order), then feature = SiLU(Linear); heads are Linear on the feature",
        },
        "heads": heads,
        "training": {
            "seed": args.seed,
            "epochs": args.epochs,
            "batch": args.batch,
            "steps": steps,
            "optimizer": f"AdamW lr {args.lr} one-cycle, weight decay 1e-4",
            "loss": "sum over heads of cross-entropy on the items that carry the head's label",
            "trainImages": len(train),
            "heldoutImages": len(heldout),
            "threads": args.threads,
            "cpuSeconds": round(cpu_s),
            "wallSeconds": round(wall_s),
            "torch": torch.__version__,
        },
    }
    print(f"trained: cpu {cpu_s:.0f} s, wall {wall_s:.0f} s")
    finish(model, config, heldout, args)


if __name__ == "__main__":
    main()
