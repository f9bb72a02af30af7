#!/usr/bin/env bash
# Trains the shipped condition tuners (assets/tuners) with `scedit train` on the shipped embedded
# model: CSC-Tuners for canny (figures + emoji), depth and pose (figures). Resumable: run it again
# and each run continues from its checkpoint (a larger STEPS extends a finished run). Settings are
# the ones recorded in assets/tuners/README.md; then scripts/ship-tuners/publish.ts, then
# scripts/ship-tuners/previews.ts (publish rewrites the manifest; previews draws each preview again
# and names it there).
#   scripts/ship-tuners/run.sh [work folder] [only this condition]
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${1:-.cache/ship-tuners}
ONLY=${2:-}
BATCH=${BATCH:-8}
LR=${LR:-2e-3}
DROPOUT=${DROPOUT:-0.5}
PICTURES=${PICTURES:-3000}

if [ ! -d "$WORK/data/pose" ]; then
  node --import tsx scripts/ship-tuners/build-folders.ts "$WORK/data" "$PICTURES"
fi

for condition in canny depth pose; do
  if [ -n "$ONLY" ] && [ "$ONLY" != "$condition" ]; then continue; fi
  out="$WORK/runs/$condition"
  # What shipped for embedded model v2: canny 1,600 steps, depth 2,000, pose 2,400 (STEPS overrides all three).
  case "$condition" in canny) steps=${STEPS:-1600} ;; depth) steps=${STEPS:-2000} ;; *) steps=${STEPS:-2400} ;; esac
  resume=()
  if [ -f "$out/checkpoint.safetensors" ]; then resume=(--resume); fi
  npx scedit train --kind csc --condition "$condition" --data "$WORK/data/$condition" \
    --name "$condition" --steps "$steps" --batch "$BATCH" --lr "$LR" --caption-dropout "$DROPOUT" --seed 0 \
    --checkpoint-every 100 --out "$out" --no-library --json "${resume[@]}" \
    >> "$WORK/$condition.log"
done
