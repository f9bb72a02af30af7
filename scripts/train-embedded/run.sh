#!/usr/bin/env bash
# Runs one training script with the environment that makes Debian's torch fast here (OpenMP
# OpenBLAS, glibc malloc tunables; see issue 3 item 7) at low priority, from the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."
script="$1"
shift
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184:glibc.malloc.arena_max=1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
export PYTHONPATH="scripts/train-embedded${PYTHONPATH:+:$PYTHONPATH}"
exec nice -n "${NICE:-10}" /usr/bin/python3 "scripts/train-embedded/$script" "$@"
