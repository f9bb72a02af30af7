"""Packs the prepared training data (prepare.ts's .cache/embedded-training/data) small enough to
travel to a lent GPU machine with the repository (the device tool carries 64 MiB in all, the
tracked tree included), for train_all.py.

The pixels go xz-compressed (rendered figures ~1.5 KB each, emoji ~3.3 KB), the indexes slimmed
to what training reads (token ids, source). What is kept, deterministically:
  - figures: the first --figures training pictures (they are in seed order, so any prefix is a
    random sample of the renderer's world);
  - emoji: the first --emoji-per-base composites of every base emoji (each base emoji appears 3-4
    times on different backgrounds), so every emoji the model should know is still there;
  - held out: --heldout pictures evenly spaced over the split, for the VAE's PSNR.

  python3 scripts/train-embedded/pack_device_data.py --out .gpu/data"""
import argparse
import collections
import json
import lzma
import os
import shutil

import numpy as np


def slim_index(index, keep):
    items = [index["items"][i] for i in keep]
    return {"size": index["size"], "count": len(items), "emptyIds": index["emptyIds"],
            "items": [{"source": it["source"], "ids": it["ids"]} for it in items]}


def write_split(out, split, pixels, index, keep):
    """<split>.u8.xz and <split>.json.xz; train_all.py unpacks them to the PackedImages layout."""
    data = np.ascontiguousarray(pixels[keep]).tobytes()
    with open(os.path.join(out, f"{split}.u8.xz"), "wb") as f:
        f.write(lzma.compress(data, preset=9))
    with open(os.path.join(out, f"{split}.json.xz"), "wb") as f:
        f.write(lzma.compress(json.dumps(slim_index(index, keep), separators=(",", ":")).encode(), preset=9))
    return os.path.getsize(os.path.join(out, f"{split}.u8.xz"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/embedded-training/data")
    ap.add_argument("--out", default=".gpu/data")
    ap.add_argument("--figures", type=int, default=10000)
    ap.add_argument("--emoji-per-base", type=int, default=2)
    ap.add_argument("--heldout", type=int, default=256)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    with open(os.path.join(args.data, "train.json")) as f:
        train = json.load(f)
    size = train["size"]
    pixels = np.memmap(os.path.join(args.data, "train.u8"), dtype=np.uint8, mode="r").reshape(-1, size, size, 3)
    seen, keep, figures = collections.Counter(), [], 0
    for i, item in enumerate(train["items"]):
        if item["source"] == "figures":
            if figures < args.figures:
                keep.append(i)
                figures += 1
        else:
            base = item["labels"]["unified"]
            seen[base] += 1
            if seen[base] <= args.emoji_per_base:
                keep.append(i)
    train_bytes = write_split(args.out, "train", pixels, train, np.array(keep))

    with open(os.path.join(args.data, "heldout.json")) as f:
        heldout = json.load(f)
    hpixels = np.memmap(os.path.join(args.data, "heldout.u8"), dtype=np.uint8, mode="r").reshape(-1, size, size, 3)
    hkeep = np.unique(np.linspace(0, len(hpixels) - 1, args.heldout).round().astype(np.int64))
    write_split(args.out, "heldout", hpixels, heldout, hkeep)

    for name in ("config.json", "tokenizer.json"):
        shutil.copyfile(os.path.join(args.data, name), os.path.join(args.out, name))
    counts = collections.Counter(train["items"][i]["source"] for i in keep)
    print(f"train: {len(keep)} pictures ({dict(counts)}), {train_bytes / 1e6:.1f} MB compressed; heldout: {len(hkeep)}")


if __name__ == "__main__":
    main()
