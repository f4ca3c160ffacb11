#!/usr/bin/env bash
# The main job: install minitorch (with the train command's extras) into .venv and train
# LeNet-5 on Fashion-MNIST on the CPU. Extra arguments go to `minitorch train`
# (e.g. scripts/run.sh --epochs 2, or --engine torch for the PyTorch twin).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh cli
exec .venv/bin/minitorch train --model lenet --dataset fashion-mnist "$@"
