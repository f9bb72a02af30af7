#!/usr/bin/env bash
# Runs one figure-annotator trainer with Debian's torch at low priority on one core, from the
# repository root (the same environment as scripts/train-embedded/run.sh, one thread).
set -euo pipefail
cd "$(dirname "$0")/../.."
script="$1"
shift
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184:glibc.malloc.arena_max=1
export OMP_NUM_THREADS=1
export PYTHONPATH="scripts/annotators${PYTHONPATH:+:$PYTHONPATH}"
exec nice -n 10 /usr/bin/python3 "scripts/annotators/$script" "$@"
