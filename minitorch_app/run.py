"""One ``minitorch train`` run: the loop with its progress bar, and what it writes into the run directory.

Each finished epoch leaves ``checkpoint.pt`` (through ``minitorch.save``: atomic, and the only
writer of that file), ``metrics.json`` and ``training.png`` (and, with ``--tensorboard``, event
files in ``tensorboard/``); the end of the run adds ``model.pt`` (the final state dict) and the
per-class accuracy table. Ctrl-C stops at a step boundary with a resumable checkpoint and exit
status 130. In a data-parallel run every rank runs this loop and rank 0 alone shows progress and
writes; the others wait for it at a barrier after each epoch's outputs.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from typing import Any

import numpy as np

import minitorch

from . import training
from .parallel import TTY_VARIABLE
from .tensorboard_log import TensorBoardLog

CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.json"
PLOT = "training.png"
FINAL_MODEL = "model.pt"
# A training checkpoint: Trainer.state_dict() plus the run's settings under "args".
CHECKPOINT_KEYS = ("format", "engine", "model", "optimizer", "position", "rng", "args")


class CheckpointError(ValueError):
    """A file that is not a training checkpoint ``--resume`` can continue from (the message says why)."""


def read_checkpoint(path: str) -> dict:
    """The training checkpoint in ``path`` (as ``minitorch train`` writes it), checked before any use.

    Raises:
        CheckpointError: the file cannot be read (corrupt, truncated, not a checkpoint at all) or holds
            something other than a training checkpoint, such as a model's state dict (``model.pt``).
    """
    try:
        ckpt = minitorch.load(path)
    except Exception as e:  # a corrupt or foreign file: the library's error names it and says why
        raise CheckpointError(f"cannot read {path}: {type(e).__name__}: {e}") from None
    problem = _not_a_training_checkpoint(ckpt)
    if problem:
        raise CheckpointError(
            f"{path} is not a training checkpoint: {problem}; resume from a run directory (or "
            f"its {CHECKPOINT}) that minitorch train wrote"
        )
    return ckpt


def _not_a_training_checkpoint(obj: Any) -> str:
    """What ``obj`` is instead of a training checkpoint ('' when it is one)."""
    if not isinstance(obj, dict):
        return f"it holds a {type(obj).__name__}"
    if obj and all(isinstance(v, minitorch.Tensor) for v in obj.values()) and "format" not in obj:
        return f"it holds a state dict of {len(obj)} tensors (a model's weights, like {FINAL_MODEL})"
    if obj.get("format") != training.CHECKPOINT_FORMAT:
        found = f"format {obj['format']!r}" if "format" in obj else "no 'format' entry"
        why = (
            " (an earlier minitorch train's, which drew each epoch's order differently)"
            if obj.get("format") == "minitorch-train/1"
            else ""
        )
        return f"{found}{why}, expected format {training.CHECKPOINT_FORMAT!r}"
    missing = [k for k in CHECKPOINT_KEYS if k not in obj]
    if missing:
        return f"it has no {', '.join(repr(k) for k in missing)}"
    if not isinstance(obj["args"], dict):
        return f"its 'args' is a {type(obj['args']).__name__}, not the run's settings"
    return ""


class Run:
    """One invocation of ``minitorch train``: the loop with its progress bar, checkpoints, metrics and plot.

    Args:
        config: the run's settings (``minitorch train``'s options, resolved).
        trainer: the trainer, with its model, optimizer and loaders.
        out: the run directory.
        classes: class names of the data set.
        shape: one sample's shape.
        resumed: whether the run continues from a checkpoint (TensorBoard then hides what came after it).
        test_samples: the size of the whole test set (default: the test loader's, this rank's share).
    """

    def __init__(
        self,
        config: dict,
        trainer: training.Trainer,
        out: str,
        classes: list[str],
        shape: tuple,
        resumed: bool = False,
        test_samples: int | None = None,
    ) -> None:
        self.config, self.trainer, self.out, self.classes, self.shape = config, trainer, out, classes, shape
        self.parameters = sum(int(p.numel()) for p in trainer.model.parameters())
        self.main = trainer.world.main  # rank 0: the only one that shows progress and writes files
        self.resumed = resumed
        self.test_samples = len(trainer.test_loader.dataset) if test_samples is None else test_samples  # type: ignore[attr-defined]
        self.board: TensorBoardLog | None = None

    def fit(self) -> int:
        """Train the remaining epochs and write the outputs; returns the exit status (0, or 130 after Ctrl-C)."""
        trainer, epochs = self.trainer, self.config["epochs"]
        if self.config.get("tensorboard") and self.main:
            self.board = TensorBoardLog(self.out, purge_step=trainer.global_step if self.resumed else None)
        try:
            with trainer.stop:  # Ctrl-C from here on: see interrupts.StopRequest
                return self._fit(epochs)
        finally:
            if self.board is not None:
                self.board.close()

    def _fit(self, epochs: int) -> int:
        trainer = self.trainer
        try:
            if trainer.pos.epoch >= epochs and trainer.pos.history and self.main:
                self._plot()  # a resumed finished run: its last plot may have been cut short
            while trainer.pos.epoch < epochs:
                if trainer.stop_agreed():  # Ctrl-C came during evaluation or the outputs
                    raise training.Interrupted
                self._epoch()
        except training.Interrupted:
            return self._interrupted()
        except KeyboardInterrupt:
            if trainer.world.size > 1:
                raise  # one rank cut short: the others cannot follow it, so the job is aborted
            return self._interrupted()
        if self.main:
            self._write_metrics("finished")
            self._report()
        trainer.world.barrier()
        if trainer.stop.forced:  # stopped twice while the finished run wrote its outputs
            if self.main:
                print(
                    f"minitorch train: interrupted after the last epoch; the run is complete in {self.out}",
                    file=sys.stderr,
                )
            return 130
        return 0

    def _epoch(self) -> None:
        trainer, pos = self.trainer, self.trainer.pos
        total = len(trainer.train_loader)  # type: ignore[arg-type]
        desc = f"epoch {pos.epoch + 1}/{self.config['epochs']}"
        bar = _progress(total, pos.step, desc) if self.main else _no_progress()
        start, done_before = time.perf_counter(), pos.samples
        try:
            for loss in trainer.steps():
                elapsed = time.perf_counter() - start
                rate = (trainer.pos.samples - done_before) / elapsed if elapsed > 0 else 0.0
                bar.update(loss, rate)
                if self.board is not None:
                    self.board.step(trainer.global_step - 1, loss)
        finally:
            bar.close()  # before any message, so it starts on a line of its own
        metrics = trainer.finish_epoch(time.perf_counter() - start)
        if self.main:
            print(
                f"epoch {metrics['epoch']}/{self.config['epochs']}: train loss {metrics['train_loss']:.4f}, "
                f"test accuracy {metrics['test_accuracy']:.2f} % ({metrics['test_samples']} images), "
                f"{metrics['samples_per_second'] or 0:.0f} samples/s, {metrics['train_seconds']:.1f} s",
                flush=True,
            )
            self._save_checkpoint()
            self._write_metrics("running")
            self._plot()
            if self.board is not None:
                self._log_epoch(metrics)
        trainer.world.barrier()

    def _log_epoch(self, metrics: dict) -> None:
        assert self.board is not None
        engine, model = self.trainer.engine, self.trainer.model
        parameters = {name: engine.to_minitorch(p).numpy() for name, p in model.named_parameters()}
        self.board.epoch(self.trainer.global_step - 1, metrics, self.trainer.optimizer, parameters)

    def _interrupted(self) -> int:
        """Save the exact checkpoint of a stop between steps (rank 0, while the others wait); returns 130."""
        trainer = self.trainer
        if not trainer.consistent:  # stopped inside an optimizer step (one process only): the epoch checkpoint stays
            print(
                f"minitorch train: interrupted during an update; {self._ckpt_path()} keeps the last epoch's state",
                file=sys.stderr,
            )
            return 130
        if self.main:
            self._save_checkpoint()
            self._write_metrics("interrupted")
        trainer.world.barrier()
        if self.main:
            print(
                f"minitorch train: interrupted at epoch {trainer.pos.epoch + 1}, step {trainer.pos.step}; "
                f"checkpoint saved, continue with: minitorch train --resume {self.out}",
                file=sys.stderr,
            )
        return 130

    def _ckpt_path(self) -> str:
        return os.path.join(self.out, CHECKPOINT)

    def _save_checkpoint(self) -> None:
        state = self.trainer.state_dict()
        state["args"] = {k: v for k, v in self.config.items()}
        minitorch.save(state, self._ckpt_path())

    # ------------------------------------------------------------ outputs
    def _history(self) -> list[dict]:
        rows = []
        for m in self.trainer.pos.history:
            row = dict(m)
            row["per_class_accuracy"] = dict(zip(self.classes, m["per_class_accuracy"]))
            rows.append(row)
        return rows

    def _write_metrics(self, status: str) -> None:
        config, engine = self.config, self.trainer.engine
        versions = {"minitorch": _minitorch_version(), "python": platform.python_version(), "numpy": np.__version__}
        if engine.lib is not minitorch:
            versions[engine.name] = engine.version()
        doc = {
            "status": status,
            "engine": engine.name,
            "processes": self.trainer.world.size,
            "args": config,
            "versions": versions,
            "model": {"name": config["model"], "parameters": self.parameters, "input_shape": list(self.shape)},
            "dataset": {
                "name": config["dataset"],
                "classes": self.classes,
                "train_samples": len(self.trainer.train_loader.dataset),  # type: ignore[attr-defined]
                "test_samples": self.test_samples,
            },
            "epochs": self._history(),
            "loss_curve": self.trainer.pos.curve,
        }
        _write_text(os.path.join(self.out, METRICS), json.dumps(doc, indent=2) + "\n")

    def _plot(self) -> None:
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            return  # plots need the 'cli' extra; metrics.json holds the same numbers
        history, curve = self.trainer.pos.history, self.trainer.pos.curve
        fig = Figure(figsize=(10, 4))
        FigureCanvasAgg(fig)
        ax1, ax2 = fig.subplots(1, 2)
        if curve:
            ax1.plot([c[0] for c in curve], [c[1] for c in curve], lw=1, alpha=0.6, label="mini-batches")
        ax1.plot([m["epoch"] for m in history], [m["train_loss"] for m in history], "o-", label="epoch mean")
        ax1.set(xlabel="epoch", ylabel="cross-entropy", title="training loss")
        ax1.legend()
        ax2.plot([m["epoch"] for m in history], [m["test_accuracy"] for m in history], "o-", color="C2")
        ax2.set(xlabel="epoch", ylabel="%", title="test accuracy")
        fig.suptitle(f"{self.config['model']} on {self.config['dataset']} ({self.trainer.engine.name})")
        fig.tight_layout()
        path = os.path.join(self.out, PLOT)
        tmp = path + ".tmp.png"
        fig.savefig(tmp, dpi=100)
        os.replace(tmp, path)

    def _report(self) -> None:
        history = self.trainer.pos.history
        if not history:
            return
        last = history[-1]
        minitorch.save(self.trainer.engine.export(self.trainer.model.state_dict()), os.path.join(self.out, FINAL_MODEL))
        print(f"Accuracy of the network on the {last['test_samples']} test images: {last['test_accuracy']:.1f} %")
        for classname, accuracy in zip(self.classes, last["per_class_accuracy"]):
            if accuracy is not None:
                print(f"Accuracy for class: {classname:5s} is {accuracy:.1f} %")
        seconds = [m["train_seconds"] for m in history]
        written = [METRICS, CHECKPOINT, FINAL_MODEL, PLOT]
        if self.board is not None:
            self.board.hparams(self.config, last, self.trainer.global_step - 1)
            written.append(self.board.log_dir[len(self.out) + 1 :] + "/")
        print(
            f"{len(history)} epochs, {np.mean(seconds):.1f} s per epoch on average; wrote {self.out}/"
            f"{{{','.join(written)}}}",
            flush=True,
        )


class _progress:
    """A tqdm bar with the loss and samples/s (plain periodic lines when tqdm is not installed)."""

    def __init__(self, total: int, initial: int, desc: str) -> None:
        self._step, self._total, self._desc, self._last = initial, total, desc, time.monotonic()
        try:
            from tqdm import tqdm
        except ImportError:
            self._bar = None
            return
        tty = sys.stderr.isatty() or os.environ.get(TTY_VARIABLE) == "1"  # rank 0 of --nproc writes to a pipe
        self._bar = tqdm(
            total=total,
            initial=initial,
            desc=desc,
            unit="batch",
            dynamic_ncols=True,
            mininterval=0.1 if tty else 30.0,
            leave=tty,
        )

    def update(self, loss: float, rate: float) -> None:
        self._step += 1
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{loss:.4f}", samples_s=f"{rate:.0f}", refresh=False)
            self._bar.update(1)
        elif time.monotonic() - self._last > 30:
            self._last = time.monotonic()
            print(f"{self._desc}: {self._step}/{self._total} loss {loss:.4f} {rate:.0f} samples/s", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class _no_progress:
    """What the ranks other than 0 show: nothing."""

    def update(self, loss: float, rate: float) -> None:
        pass

    def close(self) -> None:
        pass


def _minitorch_version() -> str:
    return str(minitorch.__version__)


def _write_text(path: str, text: str) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)
