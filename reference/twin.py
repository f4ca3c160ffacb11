"""minitorch's models and training loop in real PyTorch: the twins every run is checked against.

The torch models come from the very same definitions as minitorch's
(``minitorch_app.models``, written against ``lib.nn``); weights cross between the two
libraries exactly, through numpy; and the loop is the application's own ``Trainer`` run
by a :class:`TorchEngine` (what ``minitorch train --engine torch`` and the benchmarks'
torch rows use). ``python -m minitorch_app.reference.twin`` trains both twins side by
side on Fashion-MNIST and prints their per-step losses.

This directory is installed as ``minitorch_app.reference`` (see ``setup.py``): the
application loads it for ``--engine torch``; minitorch itself never imports torch.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch

import minitorch
from minitorch_app import models
from minitorch_app.training import Engine, Trainer, make_engine


def copy_weights(src: Any, dst: Any) -> None:
    """Copy every parameter and buffer of ``src`` into ``dst`` exactly (bit for bit), via numpy.

    Either module may be minitorch's or torch's; both must have the same state-dict keys.

    Args:
        src: the module to read.
        dst: the module to overwrite in place.
    """
    values = {k: v.detach().cpu().numpy() for k, v in src.state_dict().items()}
    if isinstance(dst, torch.nn.Module):
        values = {k: torch.from_numpy(v.copy()) for k, v in values.items()}
    dst.load_state_dict(values)


class TorchEngine(Engine):
    """The training loop's engine in real PyTorch: the twin of minitorch's :class:`Engine`.

    Models start from minitorch's weights (built by minitorch from its generator, then
    copied), so a torch run follows a minitorch run with the same seed step for step;
    checkpoints hold minitorch tensors, and torch's global generator state besides
    minitorch's (dropout draws from it).

    Args:
        device: ``"cpu"`` or ``"cuda"``.
        dtype: floating dtype of inputs and parameters, by name.
    """

    name = "torch"

    def __init__(self, device: str = "cpu", dtype: str = "float32") -> None:
        self._setup(torch, device, dtype)

    def build_model(self, name: str, input_shape: tuple | None = None, num_classes: int = 10) -> Any:
        """The registered model built by minitorch from its default generator, as a torch twin with those weights."""
        ours = models.build(name, minitorch, input_shape, num_classes)
        twin = models.build(name, torch, input_shape, num_classes)
        copy_weights(ours, twin)
        return twin.to(device=self.device, dtype=self.dtype)

    def to_minitorch(self, t: Any) -> minitorch.Tensor:
        return minitorch.from_numpy(np.array(t.detach().cpu().numpy()))

    def from_minitorch(self, t: minitorch.Tensor) -> Any:
        return torch.from_numpy(t.numpy().copy())

    def manual_seed(self, seed: int) -> None:
        super().manual_seed(seed)
        torch.manual_seed(seed)

    def rng_state(self) -> dict:
        return {**super().rng_state(), "torch": self.export(torch.get_rng_state())}

    def set_rng_state(self, state: dict) -> None:
        super().set_rng_state(state)
        if "torch" in state:
            torch.set_rng_state(self.restore(state["torch"]))


def build(name: str, input_shape: Sequence[int] | None = None, num_classes: int = 10) -> torch.nn.Module:
    """The torch model registered as ``name`` in ``minitorch_app.models`` (torch's own initialisation)."""
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
    from minitorch.utils.data import DataLoader
    from minitorch_app.data import load_data

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
    a = step_losses(make_engine("minitorch"), ours, batches, args.optimizer, lr)
    b = step_losses(TorchEngine(), theirs, batches, args.optimizer, lr)
    for i, (x, y) in enumerate(zip(a, b), 1):
        print(f"step {i:4d}  minitorch {x:.7f}  torch {y:.7f}  rel diff {abs(x - y) / abs(y):.2e}")


if __name__ == "__main__":
    main()
