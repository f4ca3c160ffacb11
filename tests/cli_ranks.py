"""``minitorch train`` in each rank of ``mpiexec -n N python -m tests.cli_ranks [options] -- train ...``.

What tests/test_cli_parallel.py needs that a plain ``mpiexec -n N minitorch train`` cannot do:
``--sigint RANK STEP`` sends this rank a Ctrl-C (SIGINT) during its STEP-th optimizer step,
``--fail RANK STEP`` raises there, and ``--no-data RANK`` makes that rank miss the data set. On
every rank but 0, writing a file raises, so a run in which another rank writes fails.
"""

from __future__ import annotations

import argparse
import builtins
import os
import signal
import sys
from typing import Any

import minitorch
from minitorch_app import cli
from minitorch_app.data import DataUnavailable


def _rank() -> int:
    return int(os.environ.get("PMI_RANK", os.environ.get("OMPI_COMM_WORLD_RANK", "0")))


def _at_step(rank: int, step: int, action: Any) -> None:
    """Run ``action`` during this rank's ``step``-th optimizer step (1-based), if this is ``rank``."""
    if _rank() != rank:
        return
    original, calls = minitorch.optim.SGD.step, [0]

    def step_with_action(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == step:
            action()
        return original(self, *args, **kwargs)

    minitorch.optim.SGD.step = step_with_action  # type: ignore[method-assign]


def _refuse_writes() -> None:
    """Make every write to a file raise on this rank (not rank 0)."""
    rank, original_open = _rank(), builtins.open

    def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            raise AssertionError(f"rank {rank} opened {file} for writing; rank 0 alone writes")
        return original_open(file, mode, *args, **kwargs)

    def guarded_replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"rank {rank} replaced {dst}; rank 0 alone writes")

    builtins.open = guarded_open
    os.replace = guarded_replace  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    split = argv.index("--")
    parser = argparse.ArgumentParser()
    parser.add_argument("--sigint", nargs=2, type=int, metavar=("RANK", "STEP"))
    parser.add_argument("--fail", nargs=2, type=int, metavar=("RANK", "STEP"))
    parser.add_argument("--no-data", type=int, metavar="RANK")
    opts = parser.parse_args(argv[:split])
    if opts.sigint:
        _at_step(*opts.sigint, lambda: os.kill(os.getpid(), signal.SIGINT))
    if opts.fail:
        rank, step = opts.fail

        def fail() -> None:
            raise RuntimeError(f"deliberate failure on rank {rank} at step {step}")

        _at_step(rank, step, fail)
    if opts.no_data is not None and _rank() == opts.no_data:

        def missing(*args: Any, **kwargs: Any) -> Any:
            raise DataUnavailable(f"no data set on rank {opts.no_data}")

        cli.load_data = missing  # type: ignore[assignment]
    if _rank() != 0:
        _refuse_writes()
    return cli.main(argv[split + 1 :])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
