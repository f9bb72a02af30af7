"""Gathers a device run's files for the trip back (at most 8 files, 16 MiB each, 64 MiB in all):
ControlNet files as they are (one each; more than 6 go in tars of at most 16 MiB), every CSC-Tuner
file and the logs in one tar, and summary.json (each run's final JSON line). Prints what it wrote and refuses to exceed the limits.

  python3 scripts/control-study/collect.py --files DIR --logs DIR --out $OUT"""
import argparse
import glob
import json
import os
import shutil
import tarfile

MIB = 1024 * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    files = sorted(glob.glob(os.path.join(a.files, "*.safetensors")))
    controlnets = [f for f in files if "-controlnet-" in os.path.basename(f)]
    cscs = [f for f in files if f not in controlnets]
    logs = sorted(glob.glob(os.path.join(a.logs, "*.log")))
    summary = []
    for log in logs:
        with open(log) as fh:
            for line in fh:
                if line.startswith('{"run"'):
                    summary.append(json.loads(line))
    with open(os.path.join(a.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    tar_path = os.path.join(a.out, "csc-and-logs.tar")
    with tarfile.open(tar_path, "w") as tar:
        for f in cscs + logs:
            tar.add(f, arcname=os.path.basename(f))
    # Up to 6 ControlNet files go back as they are; more (a longer run's snapshots) go in tars of at
    # most 16 MiB each, so the 8-file limit holds (F16 files: two to a tar).
    single = controlnets if len(controlnets) <= 6 else []
    for f in single:
        if os.path.getsize(f) > 16 * MIB:
            print(f"WARNING: {f} is over 16 MiB; left behind")
            continue
        shutil.copyfile(f, os.path.join(a.out, os.path.basename(f)))
    groups, size = [], 0
    for f in controlnets if not single else []:
        n = os.path.getsize(f)
        if n > 16 * MIB:
            print(f"WARNING: {f} is over 16 MiB; left behind (set CN_DTYPE=F16)")
            continue
        if not groups or size + n > 16 * MIB:
            groups.append([])
            size = 0
        groups[-1].append(f)
        size += n
    for i, group in enumerate(groups):
        with tarfile.open(os.path.join(a.out, f"controlnets-{i + 1}.tar"), "w") as tar:
            for f in group:
                tar.add(f, arcname=os.path.basename(f))
    total = 0
    for f in sorted(os.listdir(a.out)):
        size = os.path.getsize(os.path.join(a.out, f))
        total += size
        print(f"  {f}: {size / MIB:.2f} MiB")
    print(f"  {len(os.listdir(a.out))} files, {total / MIB:.2f} MiB in all (limits: 8 files, 16 MiB each, 64 MiB)")
    if total > 64 * MIB or len(os.listdir(a.out)) > 8:
        print("WARNING: over the limits of what comes back")


if __name__ == "__main__":
    main()
