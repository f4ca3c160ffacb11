"""The training loop behind ``minitorch train``, written once against the PyTorch API.

An :class:`Engine` is the library a run trains with plus its device and dtype; everything
else - the loop, evaluation, checkpoints - is the same code whatever the library.
:class:`Engine` itself is minitorch. The same loop in real PyTorch (the twin, for
``--engine torch`` and the benchmarks) is ``reference``'s ``TorchEngine``, which
:func:`make_engine` loads only when asked for: this module never imports torch. The twin
gets identical starting weights and identical batches (the loader's minitorch tensors,
converted through numpy), so its per-step losses can be compared one for one with
minitorch's.

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

import minitorch

from . import models

CHECKPOINT_FORMAT = "minitorch-train/1"
ENGINES = ("minitorch", "torch")


class EngineUnavailable(Exception):
    """The engine asked for cannot run here: ``torch`` without PyTorch (or without ``reference``) installed."""


def make_engine(name: str = "minitorch", device: str = "cpu", dtype: str = "float32") -> Engine:
    """The engine called ``name``: minitorch's :class:`Engine`, or the torch twin from ``reference``.

    Args:
        name: ``"minitorch"`` or ``"torch"``.
        device: ``"cpu"`` or ``"cuda"``.
        dtype: floating dtype of inputs and parameters, by name (``"float32"`` or ``"float64"``).

    Raises:
        EngineUnavailable: ``torch`` without PyTorch installed.
        ValueError: an unknown name.
    """
    if name == "minitorch":
        return Engine(device, dtype)
    if name == "torch":
        try:
            from .reference.twin import TorchEngine
        except ModuleNotFoundError as e:
            if e.name not in ("torch", f"{__package__}.reference"):
                raise
            missing = "PyTorch" if e.name == "torch" else f"the reference package ({e.name})"
            raise EngineUnavailable(
                f"the torch engine needs {missing}: pip install 'minitorch[reference]' (torch==2.13.0, CPU build)"
            ) from None
        return TorchEngine(device, dtype)
    raise ValueError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")


def _numpy(t: Any) -> np.ndarray:
    """A CPU numpy array from a minitorch or torch tensor."""
    return t.detach().cpu().numpy()


class Engine:
    """minitorch, on a device and in a dtype: how a batch, a state tree or an RNG state crosses into it.

    A subclass for another library (``reference``'s ``TorchEngine``) sets ``name`` and ``lib``
    and overrides the conversions marked below; the loop never asks which library it has.

    Args:
        device: ``"cpu"`` or ``"cuda"``.
        dtype: floating dtype of inputs and parameters, by name (``"float32"`` or ``"float64"``).
    """

    name = "minitorch"

    def __init__(self, device: str = "cpu", dtype: str = "float32") -> None:
        self._setup(minitorch, device, dtype)

    def _setup(self, lib: Any, device: str, dtype: str) -> None:
        self.lib = lib
        self.device = lib.device(device)
        self.dtype = getattr(lib, dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(device={str(self.device)!r}, dtype={self.dtype})"

    def version(self) -> str:
        return str(self.lib.__version__)

    def cuda_available(self) -> bool:
        return bool(self.lib.cuda.is_available())

    def tensor(self, value: Any) -> Any:
        """This library's tensor, on this device, from a minitorch or torch tensor or a numpy array (via numpy)."""
        arr = value if isinstance(value, np.ndarray) else _numpy(value)
        return self.lib.from_numpy(np.ascontiguousarray(arr)).to(self.device)

    def batch(self, inputs: Any, labels: Any) -> tuple:
        """One batch in this library: floating inputs in the engine's dtype, integer labels."""
        own = self.lib.Tensor
        x = inputs if isinstance(inputs, own) else self.tensor(inputs)
        y = labels if isinstance(labels, own) else self.tensor(labels)
        return x.to(device=self.device, dtype=self.dtype), y.to(self.device)

    def build_model(self, name: str, input_shape: tuple | None = None, num_classes: int = 10) -> Any:
        """A registered model (see :mod:`minitorch_app.models`), initialised from minitorch's default generator."""
        model = models.build(name, minitorch, input_shape, num_classes)
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
        if isinstance(tree, self.lib.Tensor):
            return self.to_minitorch(tree)
        if isinstance(tree, dict):
            return type(tree)((k, self.export(v)) for k, v in tree.items())
        if isinstance(tree, (list, tuple)):
            return type(tree)(self.export(v) for v in tree)
        return tree

    def restore(self, tree: Any) -> Any:
        """The inverse of ``export``: minitorch tensors become this library's (CPU) tensors."""
        if isinstance(tree, minitorch.Tensor):
            return self.from_minitorch(tree)
        if isinstance(tree, dict):
            return type(tree)((k, self.restore(v)) for k, v in tree.items())
        if isinstance(tree, (list, tuple)):
            return type(tree)(self.restore(v) for v in tree)
        return tree

    def to_minitorch(self, t: Any) -> minitorch.Tensor:
        """One of this library's tensors as a CPU minitorch tensor (overridden by other libraries)."""
        return t.detach().cpu()

    def from_minitorch(self, t: minitorch.Tensor) -> Any:
        """A CPU minitorch tensor as one of this library's (overridden by other libraries)."""
        return t

    def manual_seed(self, seed: int) -> None:
        """Seed the global generators a run draws from (minitorch's: initialisation; a subclass adds its own)."""
        minitorch.manual_seed(seed)

    def rng_state(self) -> dict:
        """The global generators' states (minitorch's; a subclass adds its library's, which dropout draws from)."""
        return {"minitorch": minitorch.get_rng_state()}

    def set_rng_state(self, state: dict) -> None:
        minitorch.set_rng_state(state["minitorch"])


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
    """What Ctrl-C does during a run: the first stops at the next step boundary, a second stops at once where safe.

    Inside a ``with`` block on the main thread, SIGINT no longer raises KeyboardInterrupt
    wherever the interpreter happens to be. The first sets ``requested``: the trainer
    finishes its step and stops with a checkpoint of exactly that step. A later one
    sets ``forced`` and raises KeyboardInterrupt only inside :meth:`interruptible`
    sections: the trainer's own computation (forward and backward passes), which it
    can drop and redo from the last step. Anywhere else - loading a batch, progress
    bars, checkpoints, metrics, plots - the run stops as soon as that piece of work is
    done, because third-party code is not written to be cut at an arbitrary bytecode:
    matplotlib's first import builds its font cache under a ``threading.Timer``, and a
    KeyboardInterrupt raised inside ``Thread.start`` left that thread running (a 5 s wait
    at exit) or still being born while the interpreter finalised ("Fatal Python error:
    PyThreadState_Get"). Outside the block (or on another thread) SIGINT is left as it is.
    """

    def __init__(self) -> None:
        self.requested = False  # a first Ctrl-C came: stop after the current step
        self.forced = False  # a later one came: stop as soon as it is safe
        self._interruptible = False  # inside an interruptible() section
        self._section = _Interruptible(self)
        self._previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.requested:
            self.requested = True
            return
        self.forced = True
        if self._interruptible:
            self._interruptible = False  # one KeyboardInterrupt per section
            raise KeyboardInterrupt

    def interruptible(self) -> _Interruptible:
        """A ``with`` section a second Ctrl-C may cut short with KeyboardInterrupt (at once, or on entry if it
        came before); only for the trainer's own computation, whose work is redone after a resume."""
        return self._section

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._interruptible = False
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


class _Interruptible:
    """The context manager of :meth:`StopRequest.interruptible` (one object, reused for every step)."""

    __slots__ = ("_stop",)

    def __init__(self, stop: StopRequest) -> None:
        self._stop = stop

    def __enter__(self) -> None:
        stop = self._stop
        stop._interruptible = True  # before the test below: a Ctrl-C in between raises in the handler
        if stop.forced:
            stop._interruptible = False
            raise KeyboardInterrupt

    def __exit__(self, *exc: Any) -> None:
        self._stop._interruptible = False


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
        shuffle: minitorch.Generator | None = None,
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
            with self.stop.interruptible():  # nothing that outlives the step changes in here
                inputs, labels = self.engine.batch(inputs, labels)
                self.optimizer.zero_grad()
                outputs = model(inputs)
                loss = self.criterion(outputs, labels)
                loss.backward()
            # The update and the bookkeeping run to the end whatever Ctrl-C says (StopRequest defers it here);
            # _updating guards against a KeyboardInterrupt raised from inside the update by other code.
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
                with self.stop.interruptible():
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
