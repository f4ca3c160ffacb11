"""Data-parallel ``minitorch train``: starting the processes through ``mpiexec``, and what the processes share.

``minitorch train --nproc N`` checks its arguments, then runs the same command line again in
N processes that ``mpiexec -n N`` starts (:func:`launch`); ``mpiexec -n N minitorch train ...``
(on one host, or on several with a host file) starts them directly. Each process finds itself
started by an MPI launcher (:func:`launched_size`), joins the others
(``minitorch.distributed.init_process_group("mpi")``) and trains one replica of the model on its
share of every batch; :class:`World` holds the few collectives the trainer needs beyond the
gradients' (which ``DistributedDataParallel`` averages) and is the same object, without any
communication, for a run in one process.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

import minitorch

# (world size, rank) variables that MPI launchers set in the processes they start: MPICH's and Intel MPI's
# Hydra (and Slurm's PMI), Open MPI, MVAPICH.
LAUNCHER_VARIABLES = (
    ("PMI_SIZE", "PMI_RANK"),
    ("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"),
    ("MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK"),
)
# The thread pools a rank's BLAS may start; --nproc shares the cores among the processes unless one is set.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Set by the launcher when its stderr is a terminal: rank 0's stderr is mpiexec's pipe, but ends on that terminal.
TTY_VARIABLE = "MINITORCH_TRAIN_TTY"
INSTALL = "pip install 'minitorch[distributed]' (mpi4py, and MPICH's mpiexec and library)"


class LaunchError(Exception):
    """``--nproc`` cannot start its processes here (no ``mpiexec`` or no ``mpi4py``); the message says what to install."""


def launched_size() -> int | None:
    """The number of processes the MPI launcher that started this one started, or None when none did."""
    for size, _rank in LAUNCHER_VARIABLES:
        if os.environ.get(size, "").isdigit():
            return int(os.environ[size])
    return None


def find_mpiexec() -> str | None:
    """The ``mpiexec`` next to this Python (the ``distributed`` extra's), else the first on PATH."""
    here = os.path.dirname(sys.executable)
    return shutil.which("mpiexec", path=here) or shutil.which("mpiexec")


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def rank_environment(nproc: int, environ: dict | None = None) -> dict:
    """The environment for ``nproc`` processes: each BLAS gets an equal share of the cores, unless the user
    set a thread count; rank 0 learns whether the launcher writes to a terminal (for the progress bar)."""
    env = dict(os.environ if environ is None else environ)
    if not any(env.get(name) for name in THREAD_VARIABLES):
        threads = str(max(1, usable_cores() // nproc))
        env.update(dict.fromkeys(THREAD_VARIABLES, threads))
    if sys.stderr.isatty():
        env[TTY_VARIABLE] = "1"
    return env


def launch(argv: Sequence[str], nproc: int) -> int:
    """Run ``minitorch`` with ``argv`` in ``nproc`` processes started by ``mpiexec``; returns its exit status.

    Ctrl-C reaches ``mpiexec`` once per keypress (it runs in a process group of its own, so the terminal's
    signal is not delivered twice): the first asks every rank to stop at the same step with a checkpoint,
    a second makes ``mpiexec`` kill the job.

    Raises:
        LaunchError: ``mpiexec`` or ``mpi4py`` is missing.
    """
    mpiexec = find_mpiexec()
    if mpiexec is None or importlib.util.find_spec("mpi4py") is None:
        missing = "mpiexec" if mpiexec is None else "mpi4py"
        raise LaunchError(
            f"--nproc {nproc} starts its processes with mpiexec and mpi4py; {missing} is missing: {INSTALL}"
        )
    command = [mpiexec, "-n", str(nproc), sys.executable, "-m", "minitorch_app", *argv]
    proc = subprocess.Popen(command, env=rank_environment(nproc), stdin=subprocess.DEVNULL, start_new_session=True)

    def forward(signum: int, frame: Any) -> None:
        proc.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code  # killed by a signal: the shell's convention


class World:
    """The processes of one run: this one's rank, their number, and the trainer's collectives on numpy arrays.

    ``World()`` is a run in one process: every collective returns its input. :func:`join` makes the
    world of an MPI job.
    """

    def __init__(self, dist: Any = None) -> None:
        self.dist = dist
        self.rank = dist.get_rank() if dist is not None else 0
        self.size = dist.get_world_size() if dist is not None else 1

    @property
    def main(self) -> bool:
        """Whether this is rank 0, the one that writes the run's outputs."""
        return self.rank == 0

    def __repr__(self) -> str:
        return f"World(rank={self.rank}, size={self.size})"

    def sum(self, values: Any) -> np.ndarray:
        """The element-wise sum of ``values`` (numbers, or an array) over the ranks, on every rank."""
        array = np.array(values, dtype=np.int64 if np.asarray(values).dtype.kind in "biu" else np.float64)
        if self.size > 1:
            tensor = minitorch.from_numpy(array)
            self.dist.all_reduce(tensor, op=self.dist.ReduceOp.SUM)
            array = tensor.numpy()
        return array

    def barrier(self) -> None:
        """Wait until every rank is here."""
        if self.size > 1:
            self.dist.barrier()

    def broadcast_text(self, text: str) -> str:
        """Rank 0's ``text``, on every rank."""
        if self.size == 1:
            return text
        data = np.frombuffer(text.encode(), dtype=np.uint8) if self.main else np.zeros(0, dtype=np.uint8)
        length = minitorch.tensor([data.size], dtype=minitorch.int64)
        self.dist.broadcast(length, src=0)
        if not length.item():
            return ""
        buffer = minitorch.from_numpy(data.copy() if self.main else np.zeros(int(length.item()), dtype=np.uint8))
        self.dist.broadcast(buffer, src=0)
        return buffer.numpy().tobytes().decode()

    def failed_ranks(self, failed: bool) -> list[int]:
        """Every rank's answer to whether it failed: the ranks that did (the same list on every rank)."""
        flags = np.zeros(self.size, dtype=np.int64)
        flags[self.rank] = int(failed)
        return [int(r) for r in np.flatnonzero(self.sum(flags))]

    def shard(self, n: int) -> range:
        """This rank's contiguous share of ``n`` items, without padding (shares differ by one item at most)."""
        return range(self.rank * n // self.size, (self.rank + 1) * n // self.size)

    def close(self) -> None:
        """Leave the process group (a run in one process has none)."""
        if self.dist is not None and self.dist.is_initialized():
            self.dist.destroy_process_group()


def joined() -> bool:
    """Whether this process has joined a data-parallel run (its process group exists)."""
    dist = sys.modules.get("minitorch.distributed")
    return dist is not None and dist.is_initialized()


def join(size: int) -> World:
    """This process's place among the ``size`` processes its MPI launcher started (size 1: a one-process world).

    Raises:
        LaunchError: mpi4py is missing.
    """
    if size <= 1:
        return World()
    import minitorch.distributed as dist

    if not dist.is_mpi_available():
        raise LaunchError(
            f"this process was started by an MPI launcher ({size} processes) but mpi4py is missing: {INSTALL}"
        )
    dist.init_process_group("mpi")
    return World(dist)
