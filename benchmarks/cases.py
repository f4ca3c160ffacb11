"""The model-level workloads, written once for both engines.

Each ``make_*`` takes a :class:`minitorch.training.Engine` (minitorch or torch, on a
device) and returns a zero-argument callable that runs one unit of work: a training
step, an inference pass, an epoch. The pytest-benchmark suite times these callables
and ``benchmarks/memory.py`` measures their peak memory in a fresh process, so both
measure the very same work. Models come from ``minitorch.models`` through
``Engine.build_model``: the torch twin starts from minitorch's weights.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import numpy as np

from minitorch.training import Engine

QUICK = os.environ.get("MINITORCH_BENCH_QUICK") == "1"
# Batches in the Fashion-MNIST epoch case (what --limit-train would cap the epoch to, in batches of 64).
EPOCH_BATCHES = 10 if QUICK else 60
EPOCH_BATCH_SIZE = 64


def _inputs(engine: Engine, batch: int, shape: tuple = (1, 32, 32), seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    x = engine.tensor(rng.standard_normal((batch, *shape), dtype=np.float32))
    y = engine.tensor(rng.integers(0, 10, batch))
    return x, y


def make_lenet_step(engine: Engine, batch: int) -> Callable[[], float]:
    """One LeNet-5 training step (zero_grad, forward, cross-entropy, backward, SGD momentum 0.9)."""
    model = engine.build_model("lenet")
    opt = engine.optimizer("sgd", model.parameters(), 0.01, 0.9)
    criterion = engine.lib.nn.CrossEntropyLoss()
    x, y = _inputs(engine, batch)

    def step() -> float:
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def make_lenet_inference(engine: Engine, images: int = 1000) -> Callable[[], object]:
    """LeNet-5 predictions for ``images`` images in one batch (eval mode, no_grad, argmax)."""
    model = engine.build_model("lenet")
    model.eval()
    x, _ = _inputs(engine, images)
    lib = engine.lib

    def infer() -> object:
        with lib.no_grad():
            return model(x).argmax(1)

    return infer


def make_two_layer_step(engine: Engine) -> Callable[[], float]:
    """One step of the tutorials' two-layer net (64x1000 -> 100 -> 10, squared error, manual SGD)."""
    from examples.two_layer_net import make_problem

    p = make_problem(0)
    lib = engine.lib
    x, y = engine.tensor(p["x"]), engine.tensor(p["y"])
    w1 = engine.tensor(p["w1"]).requires_grad_()
    w2 = engine.tensor(p["w2"]).requires_grad_()

    def step() -> float:
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        loss.backward()
        with lib.no_grad():
            w1.sub_(1e-6 * w1.grad)
            w2.sub_(1e-6 * w2.grad)
            w1.grad.zero_()
            w2.grad.zero_()
        return loss.item()

    return step


class DataMissing(Exception):
    """Fashion-MNIST is not installed where ``minitorch train`` looks for it."""


@functools.cache
def _fashion_train(images: int) -> object:
    from minitorch.cli import UsageError, load_data

    config = {
        "dataset": "fashion-mnist",
        "data_dir": os.environ.get("MINITORCH_BENCH_DATA", "data"),
        "download": False,
        "limit_train": images,
        "limit_test": 1,
    }
    try:
        train_set, _, _, _ = load_data(config, 32)
    except UsageError as e:
        raise DataMissing(str(e)) from None
    return train_set


def make_epoch(engine: Engine, batches: int = EPOCH_BATCHES) -> Callable[[], int]:
    """One epoch of ``minitorch train``'s loop (LeNet, batch 64, shuffled DataLoader) over the first
    ``batches * 64`` Fashion-MNIST training images, as ``--limit-train`` caps it; data loading included."""
    import minitorch
    from minitorch.training import Trainer
    from minitorch.utils.data import DataLoader

    train_set = _fashion_train(batches * EPOCH_BATCH_SIZE)
    minitorch.manual_seed(0)
    model = engine.build_model("lenet")
    opt = engine.optimizer("sgd", model.parameters(), 0.01, 0.9)

    def epoch() -> int:
        shuffle = minitorch.Generator().manual_seed(0)
        loader = DataLoader(train_set, batch_size=EPOCH_BATCH_SIZE, shuffle=True, generator=shuffle)
        trainer = Trainer(engine, model, opt, loader, [], 10, shuffle)
        return sum(1 for _ in trainer.steps())

    return epoch


# case id -> (title, factory, keyword arguments, extra info for the report)
MODEL_CASES: dict[str, tuple[str, Callable, dict, dict]] = {
    "two_layer_step": ("two-layer net step (64x1000->100->10)", make_two_layer_step, {}, {"batch": 64}),
    "lenet_step_b4": ("LeNet train step, batch 4", make_lenet_step, {"batch": 4}, {"batch": 4}),
    "lenet_step_b64": ("LeNet train step, batch 64", make_lenet_step, {"batch": 64}, {"batch": 64}),
    "lenet_step_b256": ("LeNet train step, batch 256", make_lenet_step, {"batch": 256}, {"batch": 256}),
    "lenet_infer_1000": ("LeNet inference, 1,000 images", make_lenet_inference, {}, {"batch": 1000}),
    "fashion_epoch": (
        f"Fashion-MNIST epoch, {EPOCH_BATCHES} batches of 64 (train loop + data loading)",
        make_epoch,
        {},
        {"batch": EPOCH_BATCH_SIZE, "batches": EPOCH_BATCHES},
    ),
}
