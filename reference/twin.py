"""minitorch's models and training loop in real PyTorch: the twins every run is checked against.

The torch models come from the very same definitions as minitorch's
(``minitorch.models``, written against ``lib.nn``); weights cross between the two
libraries exactly, through numpy; and the loop is minitorch's own ``Trainer`` run by a
torch ``Engine``. ``python -m reference.twin`` trains both twins side by side on
Fashion-MNIST and prints their per-step losses.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from typing import Any

import torch

import minitorch
from minitorch import models
from minitorch.training import Engine, Trainer, copy_weights


def build(name: str, input_shape: Sequence[int] | None = None, num_classes: int = 10) -> torch.nn.Module:
    """The torch model registered as ``name`` in ``minitorch.models`` (torch's own initialisation)."""
    return models.build(name, torch, input_shape, num_classes)


def to_torch(model: minitorch.nn.Module, twin: torch.nn.Module) -> torch.nn.Module:
    """Overwrite ``twin``'s parameters and buffers with ``model``'s, bit for bit; returns ``twin``."""
    copy_weights(model, twin)
    return twin


def to_minitorch(model: torch.nn.Module, twin: minitorch.nn.Module) -> minitorch.nn.Module:
    """Overwrite minitorch ``twin``'s parameters and buffers with torch ``model``'s, bit for bit; returns ``twin``."""
    copy_weights(model, twin)
    return twin


def twins(
    name: str, input_shape: Sequence[int] | None = None, num_classes: int = 10, seed: int = 0, dtype: str = "float32"
) -> tuple:
    """(minitorch model, torch model) with identical weights, initialised by minitorch's generator from ``seed``."""
    minitorch.manual_seed(seed)
    ours = models.build(name, minitorch, input_shape, num_classes).to(getattr(minitorch, dtype))
    theirs = to_torch(ours, build(name, input_shape, num_classes)).to(getattr(torch, dtype))
    return ours, theirs


def step_losses(
    engine: Engine, model: Any, batches: Iterable, optimizer: str = "sgd", lr: float = 0.01, momentum: float = 0.9
) -> list[float]:
    """The loss of every step of the ``minitorch train`` loop over ``batches`` (a list of (inputs, labels)), with
    ``engine``'s library; ``model`` is of that library."""
    opt = engine.optimizer(optimizer, model.parameters(), lr, momentum)
    trainer = Trainer(engine, model, opt, list(batches), [], num_classes=1)
    return list(trainer.steps())


def main() -> None:
    parser = argparse.ArgumentParser(description="Train minitorch's LeNet and its torch twin on the same batches.")
    parser.add_argument("--model", default="lenet", choices=models.names())
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--optimizer", default="sgd", choices=["sgd", "adam"])
    parser.add_argument("--data-dir", default="data")
    args = parser.parse_args()
    from minitorch.cli import load_data
    from minitorch.utils.data import DataLoader

    config = {
        "dataset": "fashion-mnist",
        "data_dir": args.data_dir,
        "download": False,
        "limit_train": args.steps * args.batch_size,
        "limit_test": 1,
    }
    train_set, _, classes, shape = load_data(config, models.MODELS[args.model].image_size)
    loader = DataLoader(
        train_set, batch_size=args.batch_size, shuffle=True, generator=minitorch.Generator().manual_seed(0)
    )
    batches = list(loader)
    ours, theirs = twins(args.model, shape, len(classes))
    lr = 0.01 if args.optimizer == "sgd" else 1e-3
    a = step_losses(Engine("minitorch"), ours, batches, args.optimizer, lr)
    b = step_losses(Engine("torch"), theirs, batches, args.optimizer, lr)
    for i, (x, y) in enumerate(zip(a, b), 1):
        print(f"step {i:4d}  minitorch {x:.7f}  torch {y:.7f}  rel diff {abs(x - y) / abs(y):.2e}")


if __name__ == "__main__":
    main()
