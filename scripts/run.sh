#!/usr/bin/env bash
# The main job: install minitorch into .venv and train the tutorials' two-layer ReLU net.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python examples/two_layer_net.py "$@"
