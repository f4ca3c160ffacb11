#!/usr/bin/env bash
# Install everything the tests need into .venv, then run the whole suite against torch.
# Extra arguments go to pytest (e.g. scripts/test.sh -k matmul).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# Lint and format check first (seconds), then the type check (under a minute): configured in pyproject.toml.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest -n 2 "$@"
