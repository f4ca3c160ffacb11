"""The model-level workloads, written once for both engines.

Each ``make_*`` takes a :class:`minitorch_app.training.Engine` (minitorch, or the torch
twin, on a device) and returns a zero-argument callable that runs one unit of work: a
training step, an inference pass, an epoch. The pytest-benchmark suite times these
callables and ``memory.py`` measures their peak memory in a fresh process, so both
measure the very same work. Models come from ``minitorch_app.models`` through
``Engine.build_model``: the torch twin starts from minitorch's weights.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import numpy as np

import minitorch
from minitorch_app import models
from minitorch_app.data import load_data
from minitorch_app.training import Engine

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


def make_bn_cnn_step(engine: Engine, batch: int) -> Callable[[], float]:
    """One training step of the BatchNorm CNN (``bn-cnn``: three conv + BatchNorm2d + ReLU blocks,
    AdaptiveAvgPool2d, a linear layer; 1x28x28 images) with SGD momentum 0.9, batch norm in training mode."""
    model = engine.build_model("bn-cnn")
    opt = engine.optimizer("sgd", model.parameters(), 0.01, 0.9)
    criterion = engine.lib.nn.CrossEntropyLoss()
    x, y = _inputs(engine, batch, (1, 28, 28))

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


def two_layer_problem(seed: int = 0) -> dict:
    """Inputs, targets and weights of the tutorials' two-layer net (64x1000 -> 100 -> 10), float32 arrays."""
    rng = np.random.default_rng(seed)
    shapes = {"x": (64, 1000), "y": (64, 10), "w1": (1000, 100), "w2": (100, 10)}
    return {name: rng.standard_normal(shape, dtype=np.float32) for name, shape in shapes.items()}


def make_two_layer_step(engine: Engine) -> Callable[[], float]:
    """One step of the tutorials' two-layer net (64x1000 -> 100 -> 10, squared error, manual SGD)."""
    p = two_layer_problem(0)
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


def make_lstm_step(
    engine: Engine, batch: int = 64, steps: int = 35, hidden: int = 256, embed: int = 128, vocab: int = 128
) -> Callable[[], float]:
    """One step of a character-level LSTM language model (``CharLSTM``: embedding, one LSTM layer, linear decoder;
    cross-entropy over every position, SGD momentum 0.9) on random characters; the torch twin starts from
    minitorch's weights."""
    minitorch.manual_seed(0)
    ours = models.classes(minitorch)["CharLSTM"](vocab, embed, hidden)
    model = ours
    if engine.lib is not minitorch:
        model = models.classes(engine.lib)["CharLSTM"](vocab, embed, hidden)
        model.load_state_dict({k: engine.tensor(v) for k, v in ours.state_dict().items()})
    model = model.to(device=engine.device, dtype=engine.dtype)
    opt = engine.optimizer("sgd", model.parameters(), 0.1, 0.9)
    lib = engine.lib
    text = np.random.default_rng(0).integers(0, vocab, (batch, steps + 1))
    x, y = engine.tensor(text[:, :-1]), engine.tensor(text[:, 1:])

    def step() -> float:
        opt.zero_grad()
        logits, _ = model(x)
        loss = lib.nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()

    return step


@functools.cache
def _fashion_train(images: int) -> object:
    """The first ``images`` Fashion-MNIST training images, as ``minitorch train`` prepares them.

    Raises:
        DataUnavailable: Fashion-MNIST is not where ``minitorch train`` looks (the case is skipped).
    """
    config = {
        "dataset": "fashion-mnist",
        "data_dir": os.environ.get("MINITORCH_BENCH_DATA", "data"),
        "download": False,
        "limit_train": images,
        "limit_test": 1,
    }
    train_set, _, _, _ = load_data(config, 32)
    return train_set


def make_epoch(engine: Engine, batches: int = EPOCH_BATCHES) -> Callable[[], int]:
    """One epoch of ``minitorch train``'s loop (LeNet, batch 64, shuffled DataLoader) over the first
    ``batches * 64`` Fashion-MNIST training images, as ``--limit-train`` caps it; data loading included."""
    import minitorch
    from minitorch.utils.data import DataLoader
    from minitorch_app.parallel import World
    from minitorch_app.training import Trainer, train_sampler

    train_set = _fashion_train(batches * EPOCH_BATCH_SIZE)
    minitorch.manual_seed(0)
    model = engine.build_model("lenet")
    opt = engine.optimizer("sgd", model.parameters(), 0.01, 0.9)

    def epoch() -> int:
        sampler = train_sampler(train_set, 0, World())
        loader = DataLoader(train_set, batch_size=EPOCH_BATCH_SIZE, sampler=sampler)
        trainer = Trainer(engine, model, opt, loader, [], 10, sampler)
        return sum(1 for _ in trainer.steps())

    return epoch


def make_lenet_graph(engine: Engine, batch: int) -> Callable[[], object]:
    """The LeNet step of ``make_lenet_step`` captured as a CUDA graph, by torch's recipe (written once for both
    libraries: warm-up on a side stream, capture, then each call replays the whole step)."""
    lib = engine.lib
    model = engine.build_model("lenet")
    opt = engine.optimizer("sgd", model.parameters(), 0.01, 0.9)
    criterion = lib.nn.CrossEntropyLoss()
    x, y = _inputs(engine, batch)

    def step() -> object:
        opt.zero_grad(set_to_none=True)
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        return loss

    side = lib.cuda.Stream()
    side.wait_stream(lib.cuda.current_stream())
    with lib.cuda.stream(side):
        for _ in range(3):
            step()
    lib.cuda.current_stream().wait_stream(side)
    graph = lib.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)
    with lib.cuda.graph(graph):
        static_loss = step()

    def replay() -> object:
        graph.replay()
        return static_loss

    return replay


GPU_BATCHES = (64, 256, 1024)
# GPU case id -> (title, factory, keyword arguments, extra info): each run eagerly and as a captured graph
GPU_CASES: dict[str, tuple[str, Callable, dict, dict]] = {}
for _b in GPU_BATCHES:
    GPU_CASES[f"gpu_lenet_step_b{_b}"] = (
        f"LeNet train step, batch {_b}, eager",
        make_lenet_step,
        {"batch": _b},
        {"batch": _b},
    )
    GPU_CASES[f"gpu_lenet_graph_b{_b}"] = (
        f"LeNet train step, batch {_b}, captured (CUDA graph replay)",
        make_lenet_graph,
        {"batch": _b},
        {"batch": _b, "captured": True},
    )

# case id -> (title, factory, keyword arguments, extra info for the report)
MODEL_CASES: dict[str, tuple[str, Callable, dict, dict]] = {
    "two_layer_step": ("two-layer net step (64x1000->100->10)", make_two_layer_step, {}, {"batch": 64}),
    "lenet_step_b4": ("LeNet train step, batch 4", make_lenet_step, {"batch": 4}, {"batch": 4}),
    "lenet_step_b64": ("LeNet train step, batch 64", make_lenet_step, {"batch": 64}, {"batch": 64}),
    "lenet_step_b256": ("LeNet train step, batch 256", make_lenet_step, {"batch": 256}, {"batch": 256}),
    "bn_cnn_step_b64": ("BatchNorm CNN train step, batch 64", make_bn_cnn_step, {"batch": 64}, {"batch": 64}),
    "lenet_infer_1000": ("LeNet inference, 1,000 images", make_lenet_inference, {}, {"batch": 1000}),
    "lstm_step": (
        "char LSTM train step, batch 64, seq 35, hidden 256 (embedding + LSTM + decoder)",
        make_lstm_step,
        {},
        {"batch": 64},
    ),
    "fashion_epoch": (
        f"Fashion-MNIST epoch, {EPOCH_BATCHES} batches of 64 (train loop + data loading)",
        make_epoch,
        {},
        {"batch": EPOCH_BATCH_SIZE, "batches": EPOCH_BATCHES},
    ),
}
