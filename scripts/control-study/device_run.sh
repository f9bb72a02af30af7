#!/usr/bin/env bash
# The control study's GPU run (issue 11 item 3): CSC-Tuner (lr 2e-3) and ControlNet (lr 2e-4) on
# the control bench's data, trained by the PyTorch port (train.py) for STEPS steps, with the
# SAVE_AT-step state saved on the way (with a constant rate that is exactly a SAVE_AT-step run).
# Phase 1 runs depth and pose (4 processes at once on the one GPU); phase 2 then runs the
# experiments in LATER (canny-figures) with whatever time is left. Every run stops at the deadline
# and saves the step it reached. Files come back through collect.py (8 files, 16 MiB, 64 MiB).
# METHODS picks the methods trained for each experiment (default "csc controlnet"; "csc" trains
# CSC-Tuners only, e.g. a design probe to set beside ControlNets trained before). CSC_CONFIG is a
# JSON object passed to train.py as one argument, --csc-config (CSC_ARGS is split on spaces, so
# JSON with spaces or quotes cannot go through it).
#
# On the device machine, from the repository root, with carry [".study/device"]:
#   bash scripts/control-study/device_run.sh            # writes to $OUT
# Locally (smoke test, CPU):
#   OUT=/tmp/cs-out PY=/usr/bin/python3 DEVICE=cpu GRAPH= STEPS=4 SAVE_AT=2 BUDGET=300 \
#     nice -n 19 bash scripts/control-study/device_run.sh
#   (CSC-Tuners only, a design probe: add METHODS=csc CSC_CONFIG='{"downRatio": 1.5}')
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:?set OUT}
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}
GRAPH=${GRAPH---graph}
STEPS=${STEPS:-4000}
SAVE_AT=${SAVE_AT:-800}
FIRST=${FIRST:-depth pose}
LATER=${LATER-canny-figures}
BUDGET=${BUDGET:-400}          # wall seconds for all training, from the start of this script
THREADS=${THREADS:-2}
DATA=${DATA:-.study/device/data}
CN_SNAPSHOT_DTYPE=${CN_SNAPSHOT_DTYPE:-F16}   # 800-step ControlNets in F16 so 6 fit in 64 MiB
CN_DTYPE=${CN_DTYPE:-F32}      # the final ControlNet files; F16 for a longer run's many files (collect.py tars them)
CSC_ARGS=${CSC_ARGS:-}         # more train.py options for the CSC-Tuners, e.g. "--downsample-hint-kernel 3"
CSC_CONFIG=${CSC_CONFIG:-}     # JSON over the default CSC-Tuner config, e.g. '{"downRatio": 1.5}' (one argument)
METHODS=${METHODS:-csc controlnet}
for m in $METHODS; do
  case $m in csc|controlnet) ;; *) echo "METHODS: unknown method '$m' (csc, controlnet)" >&2; exit 2 ;; esac
done
if [ -n "$CSC_CONFIG" ]; then
  "$PY" -c 'import json, sys; json.loads(sys.argv[1])' "$CSC_CONFIG" || { echo "CSC_CONFIG is not JSON: $CSC_CONFIG" >&2; exit 2; }
fi
export PYTHONUNBUFFERED=1
start=$(date +%s)
work=$(mktemp -d /tmp/control-study.XXXXXX)
mkdir -p "$work/files" "$work/logs" "$OUT"
left() { echo $((BUDGET - ($(date +%s) - start))); }
echo "control study: methods [$METHODS], steps $STEPS (saved at $SAVE_AT), first [$FIRST], later [$LATER], budget ${BUDGET}s, device $DEVICE ${GRAPH:-eager}"
[ -n "$CSC_ARGS$CSC_CONFIG" ] && echo "CSC-Tuner options: $CSC_ARGS${CSC_CONFIG:+ --csc-config $CSC_CONFIG}"
if [ "$DEVICE" = cuda ]; then nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true; fi
"$PY" -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__, "cuda", torch.cuda.is_available())'

lr_of() { if [ "$1" = csc ]; then echo 2e-3; else echo 2e-4; fi; }

launch() { # experiment method deadline graph-flag; sets LAST_PID (no subshell: the run stays our child)
  local e=$1 m=$2 deadline=$3 g=$4 sd=F32 extra=""
  local -a config=()
  local fd=F32
  [ "$m" = controlnet ] && sd=$CN_SNAPSHOT_DTYPE && fd=$CN_DTYPE
  [ "$m" = csc ] && extra=$CSC_ARGS
  [ "$m" = csc ] && [ -n "$CSC_CONFIG" ] && config=(--csc-config "$CSC_CONFIG")
  "$PY" scripts/control-study/train.py --experiment "$e" --method "$m" --steps "$STEPS" --lr "$(lr_of "$m")" \
    --batch 8 --seed 0 --caption-dropout 0.5 --device "$DEVICE" --threads "$THREADS" --data-dir "$DATA" \
    --save-at "$SAVE_AT" --snapshot "$work/files" --snapshot-dtype "$sd" --dtype "$fd" \
    --out "$work/files/$e-$m-$STEPS.safetensors" --deadline "$deadline" $g $extra "${config[@]}" >>"$work/logs/$e-$m.log" 2>&1 &
  LAST_PID=$!
}

phase() { # runs every method of the named experiments at once; an eager rerun for a failed graph run
  local -a names=() pids=()
  for e in "$@"; do for m in $METHODS; do
    launch "$e" "$m" "$(left)" "$GRAPH"
    names+=("$e-$m"); pids+=("$LAST_PID")
  done; done
  local -a again=() again_pids=()
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}"; rc=$?
    echo "[$(( $(date +%s) - start ))s] ${names[$i]} exited $rc"
    tail -n 4 "$work/logs/${names[$i]}.log"
    if [ $rc -ne 0 ] && [ -n "$GRAPH" ] && [ "$(left)" -gt 60 ]; then
      echo "  rerunning ${names[$i]} eagerly with $(left)s left"
      e=${names[$i]%-*}; m=${names[$i]##*-}
      launch "$e" "$m" "$(left)" ""
      again+=("${names[$i]}"); again_pids+=("$LAST_PID")
    fi
  done
  for i in "${!again_pids[@]}"; do
    wait "${again_pids[$i]}"; rc=$?
    echo "[$(( $(date +%s) - start ))s] ${again[$i]} (eager rerun) exited $rc"
    tail -n 3 "$work/logs/${again[$i]}.log"
  done
}

# shellcheck disable=SC2086
phase $FIRST
if [ -n "$LATER" ] && [ "$(left)" -gt 45 ]; then
  echo "phase 2 with $(left)s left"
  # shellcheck disable=SC2086
  phase $LATER
elif [ -n "$LATER" ]; then
  echo "no time left for [$LATER]"
fi
"$PY" scripts/control-study/collect.py --files "$work/files" --logs "$work/logs" --out "$OUT"
echo "control study done in $(( $(date +%s) - start ))s"
