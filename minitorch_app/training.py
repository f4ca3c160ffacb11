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
the very same result as an uninterrupted run: an epoch's order depends only on the seed and
the epoch (``DistributedSampler``'s, torch's permutation), and the checkpoint records the
step within the epoch and the global generators' states at the stopping point. Checkpoints
always hold minitorch tensors (a torch run's state is converted), so one safe file format
serves both engines.

In a data-parallel run (``--nproc N``, see :mod:`minitorch_app.parallel`) every rank runs
this loop on its share of each batch: the sampler deals the batch out, the model is wrapped
in ``DistributedDataParallel`` (which averages the gradients), each step's loss, sample count
and Ctrl-C requests are summed over the ranks in one all-reduce, and evaluation sums the
ranks' counts over disjoint shares of the test set. With equal shares the run computes what
one process computes at the whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

import minitorch

from . import models
from .interrupts import Interrupted, StopRequest
from .parallel import World

CHECKPOINT_FORMAT = "minitorch-train/2"  # 1: the epoch's order came from a generator whose state was saved
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

    def data_parallel(self, model: Any) -> Any:
        """``model`` wrapped in minitorch's ``DistributedDataParallel`` (the default process group must exist).

        Raises:
            EngineUnavailable: another library (torch's DDP would need its own process group, on gloo).
        """
        if self.lib is not minitorch:
            raise EngineUnavailable(f"data-parallel training runs minitorch only, not {self.name}")
        return minitorch.nn.parallel.DistributedDataParallel(model)

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


class Trainer:
    """Trains ``model`` epoch by epoch on batches of (inputs, labels), with checkpointable state.

    Args:
        engine: the library, device and dtype.
        model: a model of ``engine``'s library (the bare one: see :meth:`replicate`).
        optimizer: its optimizer.
        train_loader: an iterable of (inputs, labels): this rank's share of each batch.
        test_loader: an iterable of (inputs, labels) for evaluation: this rank's share of the test set.
        num_classes: number of classes (for per-class accuracy).
        sampler: the train loader's sampler, told the epoch before each (``set_epoch``); None: no order to set.
        world: the processes of the run (default: this one alone).
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
        sampler: Any = None,
        world: World | None = None,
        points_per_epoch: int = 20,
    ) -> None:
        self.engine, self.model, self.optimizer = engine, model, optimizer
        self.replica = model  # what the training steps call: the model, or its DistributedDataParallel wrapper
        self.criterion = engine.lib.nn.CrossEntropyLoss()
        self.train_loader, self.test_loader = train_loader, test_loader
        self.num_classes = num_classes
        self.sampler = sampler
        self.world = world if world is not None else World()
        self.pos = Position()
        self.stop = StopRequest(cut_steps=self.world.size == 1)
        self._updating = False
        try:
            self.steps_per_epoch = len(train_loader)  # type: ignore[arg-type]
        except TypeError:
            self.steps_per_epoch = 0
        self._points = max(1, points_per_epoch)

    def replicate(self) -> None:
        """Train through ``DistributedDataParallel`` from here on (every rank takes rank 0's weights); call it
        after loading a checkpoint, in a world of more than one process."""
        if self.world.size > 1:
            self.replica = self.engine.data_parallel(self.model)

    @property
    def global_step(self) -> int:
        """Steps taken since the run began (the next step's index)."""
        return self.pos.epoch * self.steps_per_epoch + self.pos.step

    # ---------------------------------------------------------------- the loop
    def steps(self) -> Iterator[float]:
        """Train the rest of the current epoch, yielding each step's loss (the whole batch's, over all ranks);
        stops at a Ctrl-C between steps (on every rank after the same step)."""
        if self.sampler is not None:
            self.sampler.set_epoch(self.pos.epoch)  # the epoch's order depends on the seed and the epoch only
        model, world = self.replica, self.world
        model.train()
        every = max(1, self.steps_per_epoch // self._points) if self.steps_per_epoch else 50
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
            value, n, stopping = loss.item(), int(labels.shape[0]), False
            if world.size > 1:  # the whole batch's mean loss and size; whether any rank was asked to stop
                loss_sum, count, requests = world.sum([value * n, n, self.stop.requested])
                value, n, stopping = float(loss_sum) / float(count), int(count), bool(requests)
            self.pos.step += 1
            self.pos.loss_sum += value * n
            self.pos.samples += n
            self.pos.curve_sum += value
            self.pos.curve_n += 1
            if self.pos.step % every == 0:
                frac = self.pos.epoch + self.pos.step / (self.steps_per_epoch or self.pos.step)
                self.pos.curve.append([frac, self.pos.curve_sum / self.pos.curve_n])
                self.pos.curve_sum, self.pos.curve_n = 0.0, 0
            yield value
            # One process stops on a Ctrl-C that came during the step or while its loss was shown; the ranks
            # of a data-parallel run on the requests summed above, which every rank saw alike.
            if self.stop.requested if world.size == 1 else stopping:
                raise Interrupted

    def stop_agreed(self) -> bool:
        """Whether to stop now, for a Ctrl-C that came between steps: the same answer on every rank."""
        return bool(self.world.sum([self.stop.requested])[0])

    def finish_epoch(self, seconds: float) -> dict:
        """Evaluate, record the epoch's metrics and move to the next epoch; returns the metrics."""
        correct, total, loss_sum = self.evaluate()
        train_samples = self.pos.samples
        metrics = {
            "epoch": self.pos.epoch + 1,
            "train_loss": self.pos.loss_sum / max(1, train_samples),
            "test_loss": loss_sum / max(1, int(total.sum())),
            "test_accuracy": 100.0 * float(correct.sum()) / max(1, int(total.sum())),
            "per_class_accuracy": [100.0 * float(c) / t if t else None for c, t in zip(correct, total)],
            "test_samples": int(total.sum()),
            "train_samples": train_samples,
            "train_seconds": seconds,
            "samples_per_second": train_samples / seconds if seconds > 0 else None,
        }
        self.pos.history.append(metrics)
        self.pos = Position(epoch=self.pos.epoch + 1, curve=self.pos.curve, history=self.pos.history)
        return metrics

    def evaluate(self) -> tuple:
        """Correct predictions and samples per class (two integer arrays) and the summed cross-entropy, over
        the test loaders of all ranks."""
        lib, model = self.engine.lib, self.model
        correct = np.zeros(self.num_classes, dtype=np.int64)
        total = np.zeros(self.num_classes, dtype=np.int64)
        loss_sum = 0.0
        model.eval()
        with lib.no_grad():
            for images, labels in self.test_loader:
                with self.stop.interruptible():
                    images, labels = self.engine.batch(images, labels)
                    outputs = model(images)
                loss_sum += float(lib.nn.functional.cross_entropy(outputs, labels, reduction="sum").item())
                _, predicted = lib.max(outputs, 1)
                y, hit = _numpy(labels), _numpy(predicted == labels)
                total += np.bincount(y, minlength=self.num_classes)
                correct += np.bincount(y, weights=hit, minlength=self.num_classes).astype(np.int64)
        model.train()
        counts = self.world.sum(np.concatenate([correct, total]))
        return counts[: self.num_classes], counts[self.num_classes :], float(self.world.sum([loss_sum])[0])

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
            "rng": self.engine.rng_state(),
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
        self.engine.set_rng_state(state["rng"])


def train_sampler(dataset: Any, seed: int, world: World) -> Any:
    """This rank's sampler for the training set: torch's ``DistributedSampler`` order, shuffled by ``seed`` and
    the epoch, dealt out over the ranks (one rank takes it all)."""
    from minitorch.utils.data.distributed import DistributedSampler

    return DistributedSampler(dataset, num_replicas=world.size, rank=world.rank, shuffle=True, seed=seed)
