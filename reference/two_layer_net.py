"""The two-layer ReLU net in real PyTorch, from the same data and weights as minitorch's run.

The loop is ``examples/two_layer_net.py``'s, so this runs from a source checkout:
``.venv/bin/python -m minitorch_app.reference.two_layer_net`` in the repository root.
"""

from __future__ import annotations

import argparse

import torch

try:
    from examples.two_layer_net import make_problem, train
except ModuleNotFoundError as e:
    if e.name != "examples":
        raise
    raise SystemExit(
        "minitorch_app.reference.two_layer_net trains examples/two_layer_net.py's loop: run it in the "
        "root of a minitorch source checkout"
    ) from None


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the two-layer net in PyTorch (minitorch's twin).")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    losses = train(torch, make_problem(args.seed), args.iterations, log_every=50)
    print(f"torch: loss fell from {losses[0]:.6g} to {losses[-1]:.6g}")


if __name__ == "__main__":
    main()
