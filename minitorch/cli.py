"""The ``minitorch`` command (also ``python -m minitorch``).

``minitorch train`` trains a model from :mod:`minitorch.models` on Fashion-MNIST, MNIST
or CIFAR-10 read through :mod:`minitorch.vision`, with a progress bar, a test-accuracy
line per epoch and the per-class accuracy table of PyTorch's 'Training a Classifier'
tutorial. A run directory receives ``metrics.json``, ``checkpoint.pt`` (each epoch, and
where Ctrl-C stopped it), ``model.pt`` (the final state dict) and ``training.png``.
``--engine torch`` runs the same loop in real PyTorch from identical weights and batches.
``minitorch bench`` benchmarks minitorch against torch (see :mod:`minitorch.bench`).

Bad arguments and missing data give one line on stderr and exit status 2; Ctrl-C saves
a checkpoint that ``--resume`` continues from, and exits with status 130.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import models, training

CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.json"
PLOT = "training.png"
FINAL_MODEL = "model.pt"

# Dataset name -> (minitorch.vision.datasets class, per-channel mean and std of the training images).
DATASETS: dict[str, tuple] = {
    "fashion-mnist": ("FashionMNIST", (0.2860,), (0.3530,)),
    "mnist": ("MNIST", (0.1307,), (0.3081,)),
    "cifar10": ("CIFAR10", (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),  # as 'Training a Classifier' normalises
}
DEFAULTS: dict[str, Any] = {
    "model": "lenet",
    "dataset": "fashion-mnist",
    "data_dir": "data",
    "download": False,
    "epochs": 10,
    "batch_size": 64,
    "lr": 0.01,
    "momentum": 0.9,
    "optimizer": "sgd",
    "device": "cpu",
    "seed": 0,
    "engine": "minitorch",
    "out": None,
    "limit_train": None,
    "limit_test": None,
    "workers": 0,
}
# What a resumed run may change; everything else decides the result and comes from the checkpoint.
RESUMABLE = {"data_dir", "download", "epochs", "device", "workers", "out"}


class UsageError(Exception):
    """A bad argument or a missing input: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: error: {message}")


def _number(kind: type, minimum: float, strict: bool) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}"
            ) from None
        if value < minimum or (strict and value == minimum) or value != value:
            bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
            raise argparse.ArgumentTypeError(f"expected a value {bound}, got {text}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="minitorch", description="minitorch: PyTorch's API on a from-scratch autograd engine.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    t = sub.add_parser(
        "train",
        help="train a model on an image data set",
        description="Train a model from minitorch.models on an image data set.",
    )
    d = DEFAULTS
    t.add_argument("--model", choices=models.names(), help=f"model to train (default {d['model']})")
    t.add_argument("--dataset", choices=list(DATASETS), help=f"data set (default {d['dataset']})")
    t.add_argument(
        "--data-dir",
        help="directory holding (or receiving) the data set (default ./data; /usr/share/datasets is searched too)",
    )
    t.add_argument("--download", action="store_true", default=None, help="download the data set when missing")
    t.add_argument("--epochs", type=_number(int, 1, False), help=f"epochs to train (default {d['epochs']})")
    t.add_argument("--batch-size", type=_number(int, 1, False), help=f"mini-batch size (default {d['batch_size']})")
    t.add_argument("--lr", type=_number(float, 0, True), help=f"learning rate (default {d['lr']})")
    t.add_argument("--momentum", type=_number(float, 0, False), help=f"SGD momentum (default {d['momentum']})")
    t.add_argument("--optimizer", choices=["sgd", "adam"], help=f"optimizer (default {d['optimizer']})")
    t.add_argument("--device", choices=["cpu", "cuda"], help=f"device (default {d['device']})")
    t.add_argument(
        "--seed", type=_number(int, 0, False), help=f"seed for initialisation and shuffling (default {d['seed']})"
    )
    t.add_argument(
        "--engine",
        choices=["minitorch", "torch"],
        help="minitorch (default), or torch: the same loop in real PyTorch from identical weights and batches",
    )
    t.add_argument("--out", help="run directory (default runs/<timestamp>)")
    t.add_argument("--resume", help="continue the run in this directory (or from this checkpoint file)")
    t.add_argument("--limit-train", type=_number(int, 1, False), help="use only the first N training images")
    t.add_argument("--limit-test", type=_number(int, 1, False), help="use only the first N test images")
    t.add_argument("--workers", type=_number(int, 0, False), help="DataLoader worker processes (default 0)")
    t.set_defaults(func=train)
    b = sub.add_parser(
        "bench",
        help="benchmark minitorch against torch and write benchmarks/REPORT.md",
        description="Run the benchmark suites (each case for minitorch and torch) and the "
        "peak-memory cases, then write REPORT.md, results.json and PNG charts.",
    )
    from . import bench as _bench

    _bench.add_arguments(b)
    b.set_defaults(func=bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = None
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:  # --help
            return int(e.code or 0)
        if args.command is None:
            parser.print_help()
            return 2
        return args.func(args)
    except UsageError as e:
        message = str(e)
        if not message.startswith("minitorch"):  # raised by the command rather than by argparse
            message = f"minitorch {getattr(args, 'command', None) or ''}: error: {message}".replace(" :", ":")
        print(message.replace("\n", " "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("minitorch: interrupted", file=sys.stderr)
        return 130


# ---------------------------------------------------------------------------- configuration
def _config(args: argparse.Namespace) -> tuple:
    """(the run's settings, the checkpoint to resume from or None, the run directory)."""
    given = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k) is not None}
    if not args.resume:
        config = {**DEFAULTS, **given}
        out = config["out"] or _fresh_run_dir()
        if os.path.exists(os.path.join(out, CHECKPOINT)):
            raise UsageError(
                f"{out} already holds a run ({CHECKPOINT}); continue it with --resume {out} or pick another --out"
            )
        return config, None, out
    path = args.resume
    if os.path.isdir(path):
        path = os.path.join(path, CHECKPOINT)
    if not os.path.isfile(path):
        raise UsageError(
            f"--resume {args.resume}: no checkpoint found (expected a run directory holding "
            f"{CHECKPOINT}, or a checkpoint file)"
        )
    import minitorch

    try:
        ckpt = minitorch.load(path)
        saved = ckpt["args"]
    except Exception as e:  # a corrupt or foreign file: say which and why, in one line
        raise UsageError(
            f"--resume {args.resume}: cannot read a training checkpoint from {path}: {type(e).__name__}: {e}"
        ) from None
    for key, value in given.items():
        if key not in RESUMABLE and value != saved.get(key):
            raise UsageError(
                f"--{key.replace('_', '-')} {value} conflicts with the resumed run's "
                f"{saved.get(key)}; a resumed run keeps its settings (it may change "
                f"{', '.join('--' + k.replace('_', '-') for k in sorted(RESUMABLE))})"
            )
    config = {**DEFAULTS, **saved, **{k: v for k, v in given.items() if k in RESUMABLE}}
    out = given.get("out") or os.path.dirname(os.path.abspath(path))
    config["out"] = out
    return config, ckpt, out


def _fresh_run_dir() -> str:
    base = os.path.join("runs", time.strftime("%Y%m%d-%H%M%S"))
    out, n = base, 1
    while os.path.exists(out):
        n += 1
        out = f"{base}-{n}"
    return out


def _engine(config: dict) -> training.Engine:
    name, device = config["engine"], config["device"]
    if name == "torch":
        try:
            import torch
        except ImportError:
            raise UsageError("--engine torch needs PyTorch installed (pip install torch)") from None
        available = torch.cuda.is_available()
    else:
        import minitorch

        available = minitorch.cuda.is_available()
    if device == "cuda" and not available:
        raise UsageError(f"--device cuda: CUDA is not available to {name} ({name}.cuda.is_available() is False)")
    return training.Engine(name, device)


# ---------------------------------------------------------------------------- data
def load_data(config: dict, image_size: int | None) -> tuple:
    """(train set, test set, class names, one sample's shape) for ``config``'s data set.

    Images are normalised per channel; 28x28 digits are padded to 32x32 (zeros before
    normalising, as ``Pad(2)`` before ``ToTensor()`` would) when the model needs 32x32.
    The padding is applied to the whole uint8 array once, so batches are still gathered
    and converted in one step each.
    """
    from .utils.data import Subset
    from .vision import datasets, transforms

    cls_name, mean, std = DATASETS[config["dataset"]]
    cls = getattr(datasets, cls_name)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    root = config["data_dir"]
    try:
        train_set = cls(root, train=True, transform=transform, download=bool(config["download"]))
        test_set = cls(root, train=False, transform=transform, download=False)
    except (datasets.DatasetError, OSError) as e:
        raise UsageError(f"{config['dataset']}: {e}") from None
    side = None
    for ds in (train_set, test_set):
        pixels = ds.data.numpy() if hasattr(ds.data, "numpy") else np.asarray(ds.data)
        side = pixels.shape[1]
        if image_size is not None and side < image_size:
            before = (image_size - side) // 2
            widths = [(0, 0), (before, image_size - side - before), (before, image_size - side - before)]
            pixels = np.pad(pixels, widths + [(0, 0)] * (pixels.ndim - 3))
            ds.data = pixels  # VisionDataset serves .data whether a tensor or an array
            side = image_size
    channels = len(mean)
    shape = (channels, side, side)
    limited = []
    for ds, limit in ((train_set, config["limit_train"]), (test_set, config["limit_test"])):
        limited.append(Subset(ds, range(min(limit, len(ds)))) if limit else ds)
    return limited[0], limited[1], list(train_set.classes), shape


# ---------------------------------------------------------------------------- the command
def train(args: argparse.Namespace) -> int:
    """``minitorch train``: see the module docstring."""
    import minitorch

    from .utils.data import DataLoader

    config, ckpt, out = _config(args)
    engine = _engine(config)
    spec = models.MODELS[config["model"]]
    train_set, test_set, classes, shape = load_data(config, spec.image_size)
    if spec.image_size is not None and shape[1:] != (spec.image_size, spec.image_size):
        raise UsageError(
            f"model {config['model']} takes {spec.image_size}x{spec.image_size} images; "
            f"{config['dataset']} has {shape[1]}x{shape[2]}"
        )
    os.makedirs(out, exist_ok=True)

    minitorch.manual_seed(config["seed"])
    if engine.name == "torch":
        engine.lib.manual_seed(config["seed"])
    model = engine.build_model(config["model"], shape, len(classes))
    optimizer = engine.optimizer(config["optimizer"], model.parameters(), config["lr"], config["momentum"])
    shuffle = minitorch.Generator().manual_seed(config["seed"])
    train_loader = DataLoader(
        train_set, batch_size=config["batch_size"], shuffle=True, generator=shuffle, num_workers=config["workers"]
    )
    test_loader = DataLoader(test_set, batch_size=1000, shuffle=False, num_workers=config["workers"])
    trainer = training.Trainer(engine, model, optimizer, train_loader, test_loader, len(classes), shuffle)
    if ckpt is not None:
        try:
            trainer.load_state_dict(ckpt)
        except (ValueError, KeyError, RuntimeError) as e:
            raise UsageError(f"--resume: the checkpoint does not fit this run: {e}") from None
    run = _Run(config, trainer, out, classes, shape)
    print(
        f"training {config['model']} ({run.parameters:,} parameters) on {config['dataset']} "
        f"({len(train_set):,} train / {len(test_set):,} test images of {'x'.join(map(str, shape))}) with "
        f"{engine.name} on {config['device']}; run directory {out}",
        flush=True,
    )
    if ckpt is not None:
        print(f"resuming at epoch {trainer.pos.epoch + 1}, step {trainer.pos.step}", flush=True)
    return run.fit()


class _Run:
    """One invocation of ``train``: the loop with its progress bar, checkpoints, metrics and plot."""

    def __init__(self, config: dict, trainer: training.Trainer, out: str, classes: list[str], shape: tuple) -> None:
        self.config, self.trainer, self.out, self.classes, self.shape = config, trainer, out, classes, shape
        self.parameters = sum(int(p.numel()) for p in trainer.model.parameters())

    def fit(self) -> int:
        trainer, epochs = self.trainer, self.config["epochs"]
        with trainer.stop:
            try:
                while trainer.pos.epoch < epochs:
                    if trainer.stop.requested:  # Ctrl-C came during evaluation or saving
                        raise training.Interrupted
                    self._epoch()
            except (training.Interrupted, KeyboardInterrupt):
                return self._interrupted()
        self._write_metrics("finished")
        self._report()
        return 0

    def _epoch(self) -> None:
        trainer, pos = self.trainer, self.trainer.pos
        total = len(trainer.train_loader)  # type: ignore[arg-type]
        bar = _progress(total, pos.step, f"epoch {pos.epoch + 1}/{self.config['epochs']}")
        start, done_before = time.perf_counter(), pos.samples
        try:
            for loss in trainer.steps():
                elapsed = time.perf_counter() - start
                rate = (trainer.pos.samples - done_before) / elapsed if elapsed > 0 else 0.0
                bar.update(loss, rate)
        finally:
            bar.close()  # before any message, so it starts on a line of its own
        metrics = trainer.finish_epoch(time.perf_counter() - start)
        print(
            f"epoch {metrics['epoch']}/{self.config['epochs']}: train loss {metrics['train_loss']:.4f}, "
            f"test accuracy {metrics['test_accuracy']:.2f} % ({metrics['test_samples']} images), "
            f"{metrics['samples_per_second'] or 0:.0f} samples/s, {metrics['train_seconds']:.1f} s",
            flush=True,
        )
        self._save_checkpoint()
        self._write_metrics("running")
        self._plot()

    def _interrupted(self) -> int:
        trainer = self.trainer
        if not trainer.consistent:  # stopped inside an optimizer step: the epoch checkpoint stays
            print(
                f"minitorch train: interrupted during an update; {self._ckpt_path()} keeps the last epoch's state",
                file=sys.stderr,
            )
            return 130
        self._save_checkpoint()
        self._write_metrics("interrupted")
        print(
            f"minitorch train: interrupted at epoch {trainer.pos.epoch + 1}, step {trainer.pos.step}; "
            f"checkpoint saved, continue with: minitorch train --resume {self.out}",
            file=sys.stderr,
        )
        return 130

    def _ckpt_path(self) -> str:
        return os.path.join(self.out, CHECKPOINT)

    def _save_checkpoint(self) -> None:
        import minitorch

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
        if engine.name == "torch":
            versions["torch"] = engine.version()
        doc = {
            "status": status,
            "engine": engine.name,
            "args": config,
            "versions": versions,
            "model": {"name": config["model"], "parameters": self.parameters, "input_shape": list(self.shape)},
            "dataset": {
                "name": config["dataset"],
                "classes": self.classes,
                "train_samples": len(self.trainer.train_loader.dataset),  # type: ignore[attr-defined]
                "test_samples": len(self.trainer.test_loader.dataset),
            },  # type: ignore[attr-defined]
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
        import minitorch

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
        print(
            f"{len(history)} epochs, {np.mean(seconds):.1f} s per epoch on average; wrote {self.out}/"
            f"{{{METRICS},{CHECKPOINT},{FINAL_MODEL},{PLOT}}}",
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
        tty = sys.stderr.isatty()
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


def bench(args: argparse.Namespace) -> int:
    """``minitorch bench``: see :mod:`minitorch.bench`."""
    from . import bench as _bench

    try:
        return _bench.run(args)
    except (FileNotFoundError, ValueError) as e:
        raise UsageError(str(e)) from None


def _minitorch_version() -> str:
    from . import __version__

    return __version__


def _write_text(path: str, text: str) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)
