#!/usr/bin/env bash
# scripts/gpu_check.sh - the one prepared command for a GPU machine (issue 12): minitorch's CUDA backend,
# its kernels and graph capture tested, benchmarked and trained on, results written to $OUT.
#
# On the development machine, once (copies Fashion-MNIST into .gpu_data/, ignored by git, and trains the
# CPU reference the GPU run is compared with):
#     bash scripts/gpu_prepare.sh
# then the device tool's call, from the repository root:
#     run(command="bash scripts/gpu_check.sh", carry=[".gpu_data"], timeout_s=580)
# A rerun of some stages only:  run(command="GPU_CHECK_STAGES=tests,train bash scripts/gpu_check.sh", ...)
# Dry run here (no GPU: the fake device, the CPU, a temporary $OUT):  bash scripts/gpu_check.sh --dry-run
#
# The GPU machine: Python 3.12 at /opt/torch/.venv/bin/python3 with CuPy 14 (CUDA 13), torch, pytest,
# pytest-xdist, hypothesis, pytest-benchmark, matplotlib, tqdm; no network. Stages, most valuable first,
# each bounded by `timeout` so that a hang cannot eat the lease (590 s in all at most, about 4.5 minutes expected):
#     env     30 s  install (pip --no-deps -e ., else PYTHONPATH), versions, nvidia-smi, ptxas report of every kernel
#     smoke   90 s  LeNet steps on the GPU against the CPU, captured steps against eager ones, a rough timing
#     tests  170 s  the cuda tests: kernels against their twins, training/capture tests, parity suites on cuda
#     bench  150 s  minitorch bench --device cuda --quick: GPU ops and LeNet steps (64/256/1024) eager and
#                   captured, minitorch and torch (torch's own CUDA-graph capture too)
#     train   90 s  minitorch train --device cuda --epochs 2 on Fashion-MNIST from .gpu_data/
#     profile 60 s  scripts/gpu_profile.py: cProfile of the eager step, torch.profiler kernel tables of both
#                   engines' eager and captured steps; scripts/gpu_hostcost.py: the host cost of each primitive
#                   and of the eager step's phases, both engines, and cProfile of its forward and backward apart
#                   (into gpu_check.log; skipped in a dry run)
# $OUT (at most 8 files come back): gpu_check.log, summary.txt, smoke.json, kernels.txt, tests.xml,
# bench/REPORT.md, bench/results.json, train/metrics.json. The summary table is printed last.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DRY=0
if [[ "${1:-}" == "--dry-run" ]]; then DRY=1; fi
STAGES=",${GPU_CHECK_STAGES:-env,smoke,tests,bench,train,profile},"
WORK=$(mktemp -d /tmp/gpu_check.XXXXXX)
if [[ -z "${OUT:-}" ]]; then OUT="$WORK/out"; fi
mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu_check.log") 2>&1

if [[ $DRY == 1 ]]; then
    PY="$ROOT/.venv/bin/python"
    DEVICE=fake      # the tests and the smoke stage: the host-backed test device with the kernels emulated
    TRAIN_DEVICE=cpu # the CLI trains on cpu or cuda
    TRAIN_ARGS="--epochs 1 --limit-train 1280 --limit-test 500"
    BENCH_DEVICE=cpu
    BENCH_FILTER="lenet_step_b64 or gpu_lenet"
    SCALE=${GPU_CHECK_TIME_SCALE:-8}  # a shared 2-core CPU, not a 16-core GPU host
    WORKERS=2
else
    PY=/opt/torch/.venv/bin/python3
    [[ -x $PY ]] || PY=$(command -v python3)
    DEVICE=cuda
    TRAIN_DEVICE=cuda
    TRAIN_ARGS="--epochs 2"
    BENCH_DEVICE=cuda
    BENCH_FILTER=""
    SCALE=${GPU_CHECK_TIME_SCALE:-1}
    WORKERS=4
fi
export PYTHONUNBUFFERED=1 MINITORCH_HYPOTHESIS_PROFILE=ci MINITORCH_BENCH_DATA="$ROOT/.gpu_data"
# The host's numba kernels off: every process would spend 10-30 s of the lease compiling CPU kernels (the
# CPU sides of the comparisons run the plain numpy twins, which the parity suites hold to the same results).
export MINITORCH_NO_NUMBA=${MINITORCH_NO_NUMBA:-1}
export ROOT DRY OUT WORK PY DEVICE TRAIN_DEVICE TRAIN_ARGS BENCH_DEVICE BENCH_FILTER WORKERS
declare -A RESULT SECONDS_OF

stage() {  # stage NAME LIMIT_S COMMAND...: run when selected, bounded by timeout, status recorded
    local name=$1 limit=$2
    shift 2
    if [[ $STAGES != *",$name,"* ]]; then RESULT[$name]=skipped; return; fi
    limit=$((limit * SCALE))
    echo "=== stage $name (at most ${limit} s) ==="
    local t0=$SECONDS
    timeout --kill-after=15 "$limit" bash -c '"$@"' "$name" "$@"  # functions are exported (export -f)
    local rc=$?
    SECONDS_OF[$name]=$((SECONDS - t0))
    if [[ $rc == 0 ]]; then RESULT[$name]=ok; elif [[ $rc == 124 || $rc == 137 ]]; then RESULT[$name]="timed out"; else RESULT[$name]="failed (exit $rc)"; fi
    echo "=== stage $name: ${RESULT[$name]} in ${SECONDS_OF[$name]} s ==="
}

install() {  # the checkout into the machine's Python, without the network; else PYTHONPATH
    [[ $DRY == 1 ]] && return
    "$PY" -m pip install -q --no-deps --no-build-isolation --no-index -e "$ROOT" >"$WORK/pip.log" 2>&1 ||
        { tail -3 "$WORK/pip.log"; echo "pip could not install the checkout: PYTHONPATH instead"; }
    if ! "$PY" -c "import minitorch_app.benchmarks.driver" 2>/dev/null; then
        ln -sfn ../benchmarks "$ROOT/minitorch_app/benchmarks"  # what setup.py's package_dir maps
        ln -sfn ../reference "$ROOT/minitorch_app/reference"
        export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
    fi
}

env_stage() {
    echo "python: $PY"
    [[ $DRY == 1 ]] || nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv 2>&1 | head -3
    "$PY" - <<'PY'
import importlib, minitorch, numpy
print("minitorch", minitorch.__file__, "| numpy", numpy.__version__, end="")
for name in ("cupy", "torch"):
    try:
        print(f" | {name}", importlib.import_module(name).__version__, end="")
    except Exception as e:
        print(f" | {name} missing ({type(e).__name__})", end="")
print(f" | minitorch.cuda.is_available() = {minitorch.cuda.is_available()}")
PY
    # Registers, spills and shared memory of every kernel, for the record (nvcc: ptxas -v); NVRTC compiles them at run time.
    "$PY" - >"$OUT/kernels.txt" 2>&1 <<'PY' || echo "(no ptxas report: see kernels.txt)"
import numpy as np, minitorch
from minitorch.backend import cuda_kernels as ck
print("kernels:", ", ".join(k.name for k in ck.kernels_of(minitorch.backend.CUDA)))
if ck.nvcc_path():
    print(ck.compile_source(ck.combined_source([k.source(np.float32) for k in ck.kernels_of(minitorch.backend.CUDA)]), "kernels.cu", compiler="nvcc"))
elif ck.nvrtc_available():
    for k in ck.kernels_of(minitorch.backend.CUDA):
        ck.compile_source(k.source(np.float32), k.name + ".cu")
    print("compiled with NVRTC (no nvcc for a ptxas report)")
PY
    grep -c "spill" "$OUT/kernels.txt" >/dev/null && grep -E "Used [0-9]+ registers|spill" "$OUT/kernels.txt" | sort | uniq -c | sort -rn | head -4
}

tests_stage() {
    local select="$DEVICE or test_cuda_kernels or test_device_training"
    # the kernels' sources compiled for the host CPU (tests/host_kernels.py) ran on the development machine already
    [[ $DRY == 1 ]] || select="($select) and not compiled"
    "$PY" -m pytest -q -p no:cacheprovider -n "$WORKERS" --junitxml="$OUT/tests.xml" -o junit_family=xunit2 \
        tests/test_cuda_kernels.py tests/test_device_training.py tests/test_device_plumbing.py tests/test_backend.py \
        tests/test_ops_elementwise.py tests/test_ops_linalg.py tests/test_ops_reduce.py tests/test_ops_shape.py \
        tests/test_ops_index.py tests/test_nn_conv_pool.py tests/test_nn_functional.py tests/test_nn_module.py \
        tests/test_utils_checkpoint.py tests/test_distributions.py tests/test_distributions_more.py \
        tests/test_distributions_rest.py tests/test_amp.py tests/test_func.py tests/test_nn_ctc.py tests/test_nn_lazy.py \
        tests/test_nn_prune.py tests/test_nn_small_layers.py tests/test_ops_decompositions.py tests/test_ops_triangular.py \
        tests/test_ops_spectral.py tests/test_ops_matrix_functions.py tests/test_optim_lbfgs.py \
        tests/test_vision_transforms_more.py tests/test_device_plumbing_layers.py \
        -k "$select" 2>&1 | tail -40
}

bench_stage() {
    "$PY" -m minitorch_app bench --quick --no-memory --out "$WORK/bench" --device "$BENCH_DEVICE" \
        ${BENCH_FILTER:+--filter "$BENCH_FILTER"} 2>&1 | tail -60
    local rc=${PIPESTATUS[0]}
    mkdir -p "$OUT/bench"
    cp "$WORK/bench/REPORT.md" "$WORK/bench/results.json" "$OUT/bench/" 2>/dev/null
    return "$rc"
}

train_stage() {
    "$PY" -m minitorch_app train --device "$TRAIN_DEVICE" --data-dir "$ROOT/.gpu_data" --out "$WORK/train" \
        $TRAIN_ARGS 2>&1 | tail -30
    local rc=${PIPESTATUS[0]}
    mkdir -p "$OUT/train"
    cp "$WORK/train/metrics.json" "$OUT/train/" 2>/dev/null
    return "$rc"
}

profile_stage() {
    if [[ $DRY == 1 ]]; then echo "(no GPU: nothing to profile)"; return 0; fi
    "$PY" scripts/gpu_profile.py 2>&1 | tail -400
    "$PY" scripts/gpu_hostcost.py --profile 2>&1 | tail -150  # host costs, phases, cProfile of forward and backward
}

export -f env_stage tests_stage bench_stage train_stage profile_stage
install
[[ -d .gpu_data/FashionMNIST/raw ]] || echo "warning: .gpu_data/ is missing (bash scripts/gpu_prepare.sh, and carry it): no training"
stage env 30 env_stage
stage smoke 90 "$PY" scripts/gpu_smoke.py --device "$DEVICE" --json "$OUT/smoke.json"
stage tests 170 tests_stage
stage bench 150 bench_stage
stage train 90 train_stage
stage profile 60 profile_stage

summary=$(for s in env smoke tests bench train profile; do echo "$s=${RESULT[$s]:-skipped}|${SECONDS_OF[$s]:-0}"; done)
GPU_CHECK_SUMMARY="$summary" GPU_CHECK_DRY=$DRY "$PY" scripts/gpu_summary.py "$OUT" "$ROOT/.gpu_data" | tee "$OUT/summary.txt"
echo "files in \$OUT: $(cd "$OUT" && find . -type f | sort | tr '\n' ' ')"
rm -rf "$WORK/bench" "$WORK/train"
