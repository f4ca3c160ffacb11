"""The two-layer ReLU net in real PyTorch, from the same data and weights as minitorch's run."""

from __future__ import annotations

import argparse

import torch

from examples.two_layer_net import make_problem, train


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the two-layer net in PyTorch (minitorch's twin).")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    losses = train(torch, make_problem(args.seed), args.iterations, log_every=50)
    print(f"torch: loss fell from {losses[0]:.6g} to {losses[-1]:.6g}")


if __name__ == "__main__":
    main()
