#!/usr/bin/env bash
# Prepares .gpu_data/, the folder scripts/gpu_check.sh reads on the GPU machine (no downloads there):
# Fashion-MNIST's four IDX files (~30 MiB, laid out as `minitorch train --data-dir` expects) and
# cpu_metrics.json, the same two training epochs on this CPU, which the GPU run's accuracy is compared with.
# .gpu_data/ is ignored by git (.gitignore); the device tool takes it along when `carry` names it:
#     run(command="bash scripts/gpu_check.sh", carry=[".gpu_data"], timeout_s=580)
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
RAW=.gpu_data/FashionMNIST/raw
mkdir -p "$RAW"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    cp -u "$SRC/$f.gz" "$RAW/"
done
if [[ ! -f .gpu_data/cpu_metrics.json ]]; then
    [[ -x .venv/bin/minitorch ]] || bash scripts/setup.sh cli
    run=$(mktemp -d /tmp/gpu_prepare.XXXXXX)
    .venv/bin/minitorch train --device cpu --epochs 2 --data-dir .gpu_data --out "$run/train"
    cp "$run/train/metrics.json" .gpu_data/cpu_metrics.json
    rm -rf "$run"
fi
du -sh .gpu_data
echo "ready: run(command=\"bash scripts/gpu_check.sh\", carry=[\".gpu_data\"], timeout_s=580)"
