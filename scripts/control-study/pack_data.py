"""Packs export-data.ts's folders for the GPU machine: each .npy xz-compressed (data.py reads
.npy.xz), meta.json as is, into .study/device/data/<experiment>/ (about 2 MB an experiment; the
folder travels with `carry: [".study/device"]`).

  python3 scripts/control-study/pack_data.py [--src .study/data --out .study/device/data]"""
import argparse
import lzma
import os
import shutil

FILES = ("latents", "conditions", "ids", "empty_ids", "check_contexts")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=".study/data")
    ap.add_argument("--out", default=".study/device/data")
    ap.add_argument("--experiments", default="depth,pose,canny-figures,canny-emoji")
    a = ap.parse_args()
    total = 0
    for e in a.experiments.split(","):
        src, out = os.path.join(a.src, e), os.path.join(a.out, e)
        os.makedirs(out, exist_ok=True)
        for f in FILES:
            with open(os.path.join(src, f + ".npy"), "rb") as fh:
                packed = lzma.compress(fh.read(), preset=6)
            tmp = os.path.join(out, f"{f}.npy.xz.tmp-{os.getpid()}")
            with open(tmp, "wb") as fh:
                fh.write(packed)
            os.replace(tmp, os.path.join(out, f + ".npy.xz"))
            total += len(packed)
        shutil.copyfile(os.path.join(src, "meta.json"), os.path.join(out, "meta.json"))
    print(f"packed {a.experiments} into {a.out}: {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
