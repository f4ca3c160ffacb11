#!/usr/bin/env bash
# Create .venv (if missing) and install minitorch with the given extras, e.g. `scripts/setup.sh test`.
# The `fast` extra (numba: compiled host kernels) comes with every install unless MINITORCH_NO_NUMBA=1,
# which also turns the kernels off at run time: minitorch then runs its plain numpy kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ "${MINITORCH_NO_NUMBA:-0}" = 0 ]; then
  extras="${extras:+$extras,}fast"
fi
# The default real data set: Debian's Fashion-MNIST (IDX files) under /usr/share/datasets.
if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) >/dev/null 2>&1 \
    || echo "note: could not install dataset-fashion-mnist; tests that need it will be skipped" >&2
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ -n "$extras" ]; then
  .venv/bin/python -m pip install -q -e ".[$extras]"
else
  .venv/bin/python -m pip install -q -e .
fi
# Compile the numba kernels now, into numba's cache beside the package (a build step: ~30 s on two cores),
# so that the first training step loads them instead of compiling.
if [[ ",$extras," == *",fast,"* ]]; then
  .venv/bin/python -m minitorch.ops.warm || echo "note: the numba kernels will compile on first use" >&2
fi
