#!/usr/bin/env bash
# The main job: install minitorch (with the train command's extras) into .venv and train
# LeNet-5 on Fashion-MNIST on the CPU. Extra arguments go to `minitorch train`
# (e.g. scripts/run.sh --epochs 2, or --engine torch for the PyTorch twin). Given --nproc or
# --tensorboard, the extra those options need (distributed, tensorboard) is installed too.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=cli
for arg in "$@"; do
  case "$arg" in
    --nproc|--nproc=*) extras="$extras,distributed" ;;
    --tensorboard) extras="$extras,tensorboard" ;;
  esac
done
bash scripts/setup.sh "$extras"
exec .venv/bin/minitorch train --model lenet --dataset fashion-mnist "$@"
