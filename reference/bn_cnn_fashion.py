"""The BatchNorm CNN example in real PyTorch: the same model, weights, batches and loop as minitorch's run.

The loop is ``examples/bn_cnn_fashion.py``'s, so this runs from a source checkout:
``.venv/bin/python -m minitorch_app.reference.bn_cnn_fashion`` in the repository root trains the
torch twin alone (``python examples/bn_cnn_fashion.py`` trains both and compares them).
"""

from __future__ import annotations

import argparse

import torch

import minitorch

try:
    from examples.bn_cnn_fashion import accuracy, batch_orders, define, load, torch_twin, train
except ModuleNotFoundError as e:
    if e.name != "examples":
        raise
    raise SystemExit(
        "minitorch_app.reference.bn_cnn_fashion trains examples/bn_cnn_fashion.py's loop: run it in the "
        "root of a minitorch source checkout"
    ) from None


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the BatchNorm CNN in PyTorch (minitorch's twin).")
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = load(args.data_dir, args.train, 10000)
    minitorch.manual_seed(args.seed)  # the starting weights are minitorch's, as in the comparison
    model = torch_twin(define(minitorch)())
    losses = train(torch, model, data, batch_orders(len(data["train"][1]), 64, args.epochs, args.seed), 0.05)
    print(f"torch: loss {losses[0]:.4f} -> {losses[-1]:.4f}, test accuracy {accuracy(torch, model, data):.2f} %")


if __name__ == "__main__":
    main()
