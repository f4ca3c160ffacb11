"""The ``minitorch`` command (also ``python -m minitorch`` and ``python -m minitorch_app``).

``minitorch train`` trains a model from :mod:`minitorch_app.models` on Fashion-MNIST, MNIST
or CIFAR-10 read through :mod:`minitorch.vision`, with a progress bar, a test-accuracy
line per epoch and the per-class accuracy table of PyTorch's 'Training a Classifier'
tutorial. A run directory receives ``metrics.json``, ``checkpoint.pt`` (each epoch, and
where Ctrl-C stopped it), ``model.pt`` (the final state dict) and ``training.png``
(see :mod:`minitorch_app.run`). ``--engine torch`` runs the same loop in real PyTorch from
identical weights and batches (the twin in ``reference/``). ``--nproc N`` trains data-parallel in N processes
started through ``mpiexec`` (see :mod:`minitorch_app.parallel`); ``mpiexec -n N minitorch train``
does the same on one or several hosts. ``--tensorboard`` also writes TensorBoard event files
(see :mod:`minitorch_app.tensorboard_log`). ``minitorch bench`` benchmarks minitorch against
torch (the driver in ``benchmarks/``, installed as :mod:`minitorch_app.benchmarks`).

Bad arguments and missing data give one line on stderr and exit status 2; Ctrl-C saves
a checkpoint that ``--resume`` continues from, and exits with status 130.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import minitorch

from . import models, parallel, tensorboard_log, training
from .data import DATASETS, DataUnavailable, load_data
from .run import CHECKPOINT, CheckpointError, Run, read_checkpoint

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
    "dtype": "float32",
    "nproc": 1,
    "tensorboard": False,
}
# What a resumed run may change; everything else decides the result and comes from the checkpoint. (The
# process count changes only how each batch is shared out; the sums come out equal up to rounding.)
RESUMABLE = {"data_dir", "download", "epochs", "device", "workers", "out", "nproc", "tensorboard"}


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
        description="Train a model from minitorch_app.models on an image data set. Data-parallel: --nproc N "
        "starts N processes through mpiexec (or start them yourself: mpiexec -n N minitorch train ..., with "
        "a host file across machines); --batch-size stays the whole batch, split evenly among them.",
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
    t.add_argument(
        "--batch-size",
        type=_number(int, 1, False),
        help=f"mini-batch size, over all processes (default {d['batch_size']})",
    )
    t.add_argument("--lr", type=_number(float, 0, True), help=f"learning rate (default {d['lr']})")
    t.add_argument("--momentum", type=_number(float, 0, False), help=f"SGD momentum (default {d['momentum']})")
    t.add_argument("--optimizer", choices=["sgd", "adam"], help=f"optimizer (default {d['optimizer']})")
    t.add_argument("--device", choices=["cpu", "cuda"], help=f"device (default {d['device']})")
    t.add_argument(
        "--dtype", choices=["float32", "float64"], help=f"dtype of the parameters and inputs (default {d['dtype']})"
    )
    t.add_argument(
        "--seed", type=_number(int, 0, False), help=f"seed for initialisation and shuffling (default {d['seed']})"
    )
    t.add_argument(
        "--engine",
        choices=["minitorch", "torch"],
        help="minitorch (default), or torch: the same loop in real PyTorch from identical weights and batches",
    )
    t.add_argument("--out", help="run directory (default runs/<timestamp>)")
    t.add_argument(
        "--resume",
        help="continue the run in this directory (or from this checkpoint file), with its settings and --nproc",
    )
    t.add_argument("--limit-train", type=_number(int, 1, False), help="use only the first N training images")
    t.add_argument("--limit-test", type=_number(int, 1, False), help="use only the first N test images")
    t.add_argument("--workers", type=_number(int, 0, False), help="DataLoader worker processes (default 0)")
    t.add_argument(
        "--nproc",
        type=_number(int, 1, False),
        metavar="N",
        help="train data-parallel in N processes started with mpiexec, each on batch-size/N images of every "
        "batch (default 1; needs the 'distributed' extra; the BLAS threads are shared out unless "
        "OMP_NUM_THREADS is set)",
    )
    t.add_argument(
        "--tensorboard",
        action="store_true",
        default=None,
        help="also write TensorBoard event files to <run directory>/tensorboard (needs the 'tensorboard' extra)",
    )
    t.set_defaults(func=train)
    b = sub.add_parser(
        "bench",
        help="benchmark minitorch against torch and write REPORT.md",
        description="Run the benchmark suites (each case for minitorch and torch) and the "
        "peak-memory cases, then write REPORT.md, results.json and PNG charts.",
    )
    from .benchmarks import driver

    driver.add_arguments(b)
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
        args.argv = list(sys.argv[1:] if argv is None else argv)
        return args.func(args)
    except UsageError as e:
        message = str(e)
        if not message.startswith("minitorch"):  # raised by the command rather than by argparse
            message = f"minitorch {getattr(args, 'command', None) or ''}: error: {message}".replace(" :", ":")
        print(message.replace("\n", " "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if parallel.joined():
            raise  # the other ranks may be waiting in a collective: this one's uncaught exception aborts the job
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
    try:
        ckpt = read_checkpoint(path)
    except CheckpointError as e:
        raise UsageError(f"--resume {args.resume}: {e}") from None
    saved = ckpt["args"]
    for key, table in (("model", models.MODELS), ("dataset", DATASETS), ("engine", training.ENGINES)):
        if saved.get(key, DEFAULTS[key]) not in table:
            raise UsageError(
                f"--resume {args.resume}: the checkpoint's {key} {saved[key]!r} is not one of {', '.join(table)}"
            )
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
    try:
        engine = training.make_engine(name, device, config["dtype"])
    except training.EngineUnavailable as e:
        raise UsageError(f"--engine {name}: {e}") from None
    if device == "cuda" and not engine.cuda_available():
        raise UsageError(f"--device cuda: CUDA is not available to {name} ({name}.cuda.is_available() is False)")
    return engine


# ---------------------------------------------------------------------------- the command
def train(args: argparse.Namespace) -> int:
    """``minitorch train``: see the module docstring."""
    size = parallel.launched_size()
    if size is None:  # not started by mpiexec: train here, or start the processes
        config, ckpt, out = _config(args)
        if config["nproc"] > 1:
            return _launch(args, config, out)
        return _train(parallel.World(), args, (config, ckpt, out))
    try:
        world = parallel.join(size)
    except parallel.LaunchError as e:
        raise UsageError(str(e)) from None
    if size > 1 and not args.out and not args.resume:
        args.out = world.broadcast_text(_fresh_run_dir())  # rank 0's clock names the run
    return _train(world, args)


def _launch(args: argparse.Namespace, config: dict, out: str) -> int:
    """Check what can be checked once, then run this command line in ``config['nproc']`` processes."""
    _check_parallel(config, config["nproc"])
    if config["tensorboard"]:
        _check_tensorboard()
    argv = list(args.argv)
    if not args.out and not args.resume:
        argv += ["--out", out]  # one name for the run, whatever each process's clock says
    try:
        return parallel.launch(argv, config["nproc"])
    except parallel.LaunchError as e:
        raise UsageError(str(e)) from None


def _check_parallel(config: dict, size: int) -> None:
    if size > 1 and config["engine"] != "minitorch":
        raise UsageError(
            f"--engine {config['engine']} cannot train data-parallel (it would need torch.distributed's gloo "
            "backend); --nproc trains with --engine minitorch"
        )
    if size > 1 and config["device"] != "cpu":
        raise UsageError(
            f"--device {config['device']} cannot train data-parallel yet: --nproc runs its processes on the "
            "CPU (the mpi backend); start them with --device cpu"
        )
    if config["batch_size"] % size:
        raise UsageError(
            f"--batch-size {config['batch_size']} cannot be split evenly among {size} processes; "
            f"give a multiple of {size}"
        )


def _check_tensorboard() -> None:
    try:
        tensorboard_log.check_available()
    except tensorboard_log.TensorBoardUnavailable as e:
        raise UsageError(str(e)) from None


def _train(world: parallel.World, args: argparse.Namespace, resolved: tuple | None = None) -> int:
    """Set the run up on every rank, agree that all of them could, then train."""
    problem: UsageError | None = None
    try:
        run = _setup(world, args, resolved)
    except UsageError as e:
        problem = e
    failed = world.failed_ranks(problem is not None)
    if failed:
        world.close()
        if world.rank != failed[0]:
            return 2  # the first rank that failed says why
        assert problem is not None  # this rank is the first that failed
        raise problem if world.rank == 0 else UsageError(f"rank {world.rank} of {world.size}: {problem}")
    trainer, config = run.trainer, run.config
    trainer.replicate()
    if world.main:
        shared = (
            f" in {world.size} processes (batch {config['batch_size'] // world.size} each)" if world.size > 1 else ""
        )
        print(
            f"training {config['model']} ({run.parameters:,} parameters) on {config['dataset']} "
            f"({len(run.trainer.train_loader.dataset):,} train / {run.test_samples:,} test images of "  # type: ignore[attr-defined]
            f"{'x'.join(map(str, run.shape))}) with {trainer.engine.name} on {config['device']}{shared}; "
            f"run directory {run.out}",
            flush=True,
        )
        if run.resumed:
            print(f"resuming at epoch {trainer.pos.epoch + 1}, step {trainer.pos.step}", flush=True)
    code = run.fit()
    world.close()
    return code


def _setup(world: parallel.World, args: argparse.Namespace, resolved: tuple | None) -> Run:
    """This rank's run: settings, engine, data, model, optimizer, loaders and trainer, resumed if asked to."""
    from minitorch.utils.data import DataLoader, Subset

    config, ckpt, out = resolved if resolved is not None else _config(args)
    if args.nproc is not None and args.nproc != world.size:
        raise UsageError(f"--nproc {args.nproc} does not match the {world.size} processes mpiexec started")
    config["nproc"] = world.size
    _check_parallel(config, world.size)
    if config["tensorboard"] and world.main:
        _check_tensorboard()
    engine = _engine(config)
    spec = models.MODELS[config["model"]]
    try:
        train_set, test_set, classes, shape = load_data(config, spec.image_size)
    except DataUnavailable as e:
        raise UsageError(str(e)) from None
    if spec.image_size is not None and shape[1:] != (spec.image_size, spec.image_size):
        raise UsageError(
            f"model {config['model']} takes {spec.image_size}x{spec.image_size} images; "
            f"{config['dataset']} has {shape[1]}x{shape[2]}"
        )
    if world.main:
        os.makedirs(out, exist_ok=True)

    engine.manual_seed(config["seed"])
    model = engine.build_model(config["model"], shape, len(classes))
    optimizer = engine.optimizer(config["optimizer"], model.parameters(), config["lr"], config["momentum"])
    sampler = training.train_sampler(train_set, config["seed"], world)
    workers = config["workers"]
    # A generator of its own for the loader's per-epoch draw (its workers' base seed): drawn from the global
    # generator, that would shift the dropout masks of a resumed run.
    own = minitorch.Generator().manual_seed(config["seed"])
    train_loader = DataLoader(
        train_set, batch_size=config["batch_size"] // world.size, sampler=sampler, num_workers=workers, generator=own
    )
    test_share = Subset(test_set, world.shard(len(test_set))) if world.size > 1 else test_set
    test_loader = DataLoader(test_share, batch_size=1000, shuffle=False, num_workers=workers)
    trainer = training.Trainer(engine, model, optimizer, train_loader, test_loader, len(classes), sampler, world)
    if ckpt is not None:
        try:
            trainer.load_state_dict(ckpt)
        except (ValueError, KeyError, TypeError, RuntimeError) as e:
            raise UsageError(f"--resume: the checkpoint does not fit this run: {e}") from None
    return Run(config, trainer, out, classes, shape, resumed=ckpt is not None, test_samples=len(test_set))


def bench(args: argparse.Namespace) -> int:
    """``minitorch bench``: see :mod:`minitorch_app.benchmarks.driver`."""
    from .benchmarks import driver

    try:
        return driver.run(args)
    except (FileNotFoundError, ValueError, driver.MissingRequirement) as e:
        raise UsageError(str(e)) from None
