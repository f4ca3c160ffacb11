"""The training loop behind ``minitorch train``, written once against the PyTorch API.

An :class:`Engine` is the library a run trains with (minitorch, or real PyTorch for the
twin) plus its device and dtype; everything else - the loop, evaluation, checkpoints -
is the same code for both. The twin gets identical starting weights (``copy_weights``)
and identical batches (the loader's minitorch tensors, converted through numpy), so
its per-step losses can be compared one for one with minitorch's.

A :class:`Trainer` can stop between any two steps and start again from a checkpoint to
the very same result as an uninterrupted run: the checkpoint records the step within
the epoch, the shuffle generator's state when the epoch's order was drawn, and the
global generators' states at the stopping point. Checkpoints always hold minitorch
tensors (a torch run's state is converted), so one safe file format serves both engines.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import random as _random
from .tensor import Tensor

CHECKPOINT_FORMAT = "minitorch-train/1"


def _numpy(t: Any) -> np.ndarray:
    """A CPU numpy array from a minitorch or torch tensor."""
    return t.detach().cpu().numpy()


def copy_weights(src: Any, dst: Any) -> None:
    """Copy every parameter and buffer of ``src`` into ``dst`` exactly (bit for bit), via numpy.

    Either module may be minitorch's or torch's; both must have the same state-dict keys.

    Args:
        src: the module to read.
        dst: the module to overwrite in place.
    """
    values = {k: _numpy(v) for k, v in src.state_dict().items()}
    if _is_torch_module(dst):
        import torch

        values = {k: torch.from_numpy(v.copy()) for k, v in values.items()}
    dst.load_state_dict(values)


def _is_torch_module(module: Any) -> bool:
    from .nn import Module

    return not isinstance(module, Module)


class Engine:
    """The library a run trains with, and how a batch, a state tree or an RNG state crosses into it.

    Args:
        name: ``"minitorch"`` or ``"torch"``.
        device: ``"cpu"`` or ``"cuda"``.
        dtype: floating dtype of inputs and parameters, by name (``"float32"`` or ``"float64"``).
    """

    def __init__(self, name: str = "minitorch", device: str = "cpu", dtype: str = "float32") -> None:
        if name == "minitorch":
            import minitorch as lib
        elif name == "torch":
            import torch as lib
        else:
            raise ValueError(f"unknown engine {name!r}; expected 'minitorch' or 'torch'")
        self.name, self.lib = name, lib
        self.device = lib.device(device)
        self.dtype = getattr(lib, dtype)

    def __repr__(self) -> str:
        return f"Engine({self.name!r}, device={str(self.device)!r}, dtype={self.dtype})"

    def version(self) -> str:
        return str(self.lib.__version__)

    def tensor(self, value: Any) -> Any:
        """This library's tensor, on this device, from a minitorch or torch tensor or a numpy array (via numpy)."""
        arr = value if isinstance(value, np.ndarray) else _numpy(value)
        return self.lib.from_numpy(np.ascontiguousarray(arr)).to(self.device)

    def batch(self, inputs: Any, labels: Any) -> tuple:
        """One batch in this library: floating inputs in the engine's dtype, integer labels."""
        x = inputs if self.name == "minitorch" and isinstance(inputs, Tensor) else self.tensor(inputs)
        y = labels if self.name == "minitorch" and isinstance(labels, Tensor) else self.tensor(labels)
        return x.to(device=self.device, dtype=self.dtype), y.to(self.device)

    def build_model(self, name: str, input_shape: tuple | None = None, num_classes: int = 10) -> Any:
        """A registered model, initialised from minitorch's default generator whatever the engine: for torch,
        the twin built from the same definition with the minitorch model's weights copied in."""
        import minitorch

        from . import models

        model = models.build(name, minitorch, input_shape, num_classes)
        if self.name == "torch":
            twin = models.build(name, self.lib, input_shape, num_classes)
            copy_weights(model, twin)
            model = twin
        return model.to(device=self.device, dtype=self.dtype)

    def optimizer(self, name: str, params: Iterable[Any], lr: float, momentum: float) -> Any:
        """``sgd`` (with momentum) or ``adam`` over ``params``."""
        if name == "sgd":
            return self.lib.optim.SGD(params, lr=lr, momentum=momentum)
        if name == "adam":
            return self.lib.optim.Adam(params, lr=lr)
        raise ValueError(f"unknown optimizer {name!r}; expected 'sgd' or 'adam'")

    # ---------------------------------------------------------------- checkpoints
    def export(self, tree: Any) -> Any:
        """``tree`` with every tensor as a CPU minitorch tensor (what ``minitorch.save`` stores)."""
        if isinstance(tree, Tensor):
            return tree.detach().cpu()
        if hasattr(tree, "detach") and hasattr(tree, "numpy"):
            return Tensor._wrap(_numpy(tree).copy())
        if isinstance(tree, dict):
            return type(tree)((k, self.export(v)) for k, v in tree.items())
        if isinstance(tree, (list, tuple)):
            return type(tree)(self.export(v) for v in tree)
        return tree

    def restore(self, tree: Any) -> Any:
        """The inverse of ``export``: minitorch tensors become this library's (CPU) tensors."""
        if isinstance(tree, Tensor):
            return tree if self.name == "minitorch" else self.lib.from_numpy(tree.numpy().copy())
        if isinstance(tree, dict):
            return type(tree)((k, self.restore(v)) for k, v in tree.items())
        if isinstance(tree, (list, tuple)):
            return type(tree)(self.restore(v) for v in tree)
        return tree

    def rng_state(self) -> dict:
        """The global generators' states: minitorch's always, torch's too for a torch run (dropout draws from it)."""
        state: dict[str, Any] = {"minitorch": _random.get_rng_state()}
        if self.name == "torch":
            state["torch"] = self.export(self.lib.get_rng_state())
        return state

    def set_rng_state(self, state: dict) -> None:
        _random.set_rng_state(state["minitorch"])
        if self.name == "torch" and "torch" in state:
            self.lib.set_rng_state(self.restore(state["torch"]))


@dataclass
class Position:
    """Where a run stands: the checkpointed part of the loop's state.

    Attributes:
        epoch: epochs finished.
        step: batches finished within the current epoch.
        loss_sum: sum of batch-mean losses times batch sizes in the current epoch.
        samples: training samples seen in the current epoch.
        curve: (epoch as a fraction, mean loss since the last point) for the plot.
        curve_sum, curve_n: the losses summed since the last curve point, and how many.
        history: one dict of metrics per finished epoch.
    """

    epoch: int = 0
    step: int = 0
    loss_sum: float = 0.0
    samples: int = 0
    curve_sum: float = 0.0
    curve_n: int = 0
    curve: list[list] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)


class StopRequest:
    """Turns the first Ctrl-C into a request to stop after the current step; a second one stops at once.

    Inside a ``with`` block on the main thread, SIGINT sets ``requested`` instead of raising,
    so a step is never cut in half; elsewhere (other threads) it changes nothing.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


class Interrupted(Exception):
    """Training stopped at a step boundary (Ctrl-C); the position is consistent and can be checkpointed."""


class Trainer:
    """Trains ``model`` epoch by epoch on batches of (inputs, labels), with checkpointable state.

    Args:
        engine: the library, device and dtype.
        model: a model of ``engine``'s library.
        optimizer: its optimizer.
        train_loader: an iterable of (inputs, labels), reshuffled on each pass from ``shuffle``.
        test_loader: an iterable of (inputs, labels) for evaluation.
        num_classes: number of classes (for per-class accuracy).
        shuffle: the minitorch generator the train loader shuffles with (None: no shuffling to track).
        points_per_epoch: loss-curve points recorded per epoch.
    """

    def __init__(
        self,
        engine: Engine,
        model: Any,
        optimizer: Any,
        train_loader: Iterable,
        test_loader: Iterable,
        num_classes: int,
        shuffle: _random.Generator | None = None,
        points_per_epoch: int = 20,
    ) -> None:
        self.engine, self.model, self.optimizer = engine, model, optimizer
        self.criterion = engine.lib.nn.CrossEntropyLoss()
        self.train_loader, self.test_loader = train_loader, test_loader
        self.num_classes = num_classes
        self.shuffle = shuffle
        self.pos = Position()
        self.epoch_shuffle_state = shuffle.get_state() if shuffle is not None else None
        self.stop = StopRequest()
        self._updating = False
        try:
            self._steps_per_epoch = len(train_loader)  # type: ignore[arg-type]
        except TypeError:
            self._steps_per_epoch = 0
        self._points = max(1, points_per_epoch)

    # ---------------------------------------------------------------- the loop
    def steps(self) -> Iterator[float]:
        """Train the rest of the current epoch, yielding each step's loss; stops at a Ctrl-C between steps."""
        if self.shuffle is not None:
            self.shuffle.set_state(self.epoch_shuffle_state)  # the epoch's order is drawn from here
        model = self.model
        model.train()
        every = max(1, self._steps_per_epoch // self._points) if self._steps_per_epoch else 50
        for i, (inputs, labels) in enumerate(self.train_loader):
            if i < self.pos.step:
                continue  # done before the checkpoint this run resumed from
            inputs, labels = self.engine.batch(inputs, labels)
            self.optimizer.zero_grad()
            outputs = model(inputs)
            loss = self.criterion(outputs, labels)
            loss.backward()
            self._updating = True
            self.optimizer.step()
            self._updating = False
            value, n = loss.item(), int(labels.shape[0])
            self.pos.step += 1
            self.pos.loss_sum += value * n
            self.pos.samples += n
            self.pos.curve_sum += value
            self.pos.curve_n += 1
            if self.pos.step % every == 0:
                frac = self.pos.epoch + self.pos.step / (self._steps_per_epoch or self.pos.step)
                self.pos.curve.append([frac, self.pos.curve_sum / self.pos.curve_n])
                self.pos.curve_sum, self.pos.curve_n = 0.0, 0
            yield value
            if self.stop.requested:
                raise Interrupted

    def finish_epoch(self, seconds: float) -> dict:
        """Evaluate, record the epoch's metrics and move to the next epoch; returns the metrics."""
        correct, total = self.evaluate()
        train_samples = self.pos.samples
        metrics = {
            "epoch": self.pos.epoch + 1,
            "train_loss": self.pos.loss_sum / max(1, train_samples),
            "test_accuracy": 100.0 * float(correct.sum()) / max(1, int(total.sum())),
            "per_class_accuracy": [100.0 * float(c) / t if t else None for c, t in zip(correct, total)],
            "test_samples": int(total.sum()),
            "train_samples": train_samples,
            "train_seconds": seconds,
            "samples_per_second": train_samples / seconds if seconds > 0 else None,
        }
        self.pos.history.append(metrics)
        self.pos = Position(epoch=self.pos.epoch + 1, curve=self.pos.curve, history=self.pos.history)
        if self.shuffle is not None:
            self.epoch_shuffle_state = self.shuffle.get_state()
        return metrics

    def evaluate(self) -> tuple:
        """Correct predictions and samples per class on the test loader, as two integer arrays."""
        lib, model = self.engine.lib, self.model
        correct = np.zeros(self.num_classes, dtype=np.int64)
        total = np.zeros(self.num_classes, dtype=np.int64)
        model.eval()
        with lib.no_grad():
            for images, labels in self.test_loader:
                images, labels = self.engine.batch(images, labels)
                outputs = model(images)
                _, predicted = lib.max(outputs, 1)
                y, hit = _numpy(labels), _numpy(predicted == labels)
                total += np.bincount(y, minlength=self.num_classes)
                correct += np.bincount(y, weights=hit, minlength=self.num_classes).astype(np.int64)
        model.train()
        return correct, total

    # ---------------------------------------------------------------- checkpoints
    @property
    def consistent(self) -> bool:
        """False while an optimizer step is half done (the state must not be saved then)."""
        return not self._updating

    def state_dict(self) -> dict:
        """Everything needed to continue exactly from here, with minitorch tensors only."""
        ex = self.engine.export
        return {
            "format": CHECKPOINT_FORMAT,
            "engine": self.engine.name,
            "model": ex(self.model.state_dict()),
            "optimizer": ex(self.optimizer.state_dict()),
            "position": asdict(self.pos),
            "rng": {"shuffle": self.epoch_shuffle_state, **self.engine.rng_state()},
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue from ``state_dict()``'s output (as ``minitorch.load`` returns it)."""
        if state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(
                f"not a training checkpoint: format {state.get('format')!r}, expected {CHECKPOINT_FORMAT!r}"
            )
        if state["engine"] != self.engine.name:
            raise ValueError(
                f"the checkpoint was written by engine {state['engine']!r}, this run uses {self.engine.name!r}"
            )
        rs = self.engine.restore
        self.model.load_state_dict(rs(state["model"]))
        self.optimizer.load_state_dict(rs(state["optimizer"]))
        self.pos = Position(**state["position"])
        self.epoch_shuffle_state = state["rng"]["shuffle"]
        self.engine.set_rng_state(state["rng"])
