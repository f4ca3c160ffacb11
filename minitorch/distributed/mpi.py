"""The ``mpi`` backend: collectives on CPU arrays through mpi4py, and what makes a failure end the job.

The processes are the ones ``mpiexec`` started (one or several hosts); ``MPI.COMM_WORLD`` is the
world. Collectives are MPI's nonblocking ones (``Iallreduce``, ``Ibcast``, ...) on a private
duplicate of the world communicator, so a wait can give up after the process group's timeout
(see ``work.py``) instead of blocking inside MPI forever.

Failure handling: an exception that reaches the top of any rank prints its traceback and then
calls ``MPI_Abort``, which makes ``mpiexec`` end every rank at once. A rank that dies (signal,
``os._exit``) is noticed by ``mpiexec`` itself, which ends the others. A rank that hangs, or exits
while the others are inside a collective, lets their waits run into the timeout, whose error is an
uncaught exception on them, and so aborts the job.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .work import Work

_MPI: Any = None
_ABORT_GRACE_S = 0.3


def mpi_module() -> Any:
    """mpi4py's MPI module (importing it initialises MPI), with a clear error when it is missing."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise RuntimeError(
                "the 'mpi' backend needs mpi4py and an MPI library: pip install mpi4py mpich "
                "(or minitorch's `distributed` extra)"
            ) from e
        _MPI = MPI
    return _MPI


def _abort_job(code: int, message: str) -> None:
    """Write ``message`` and take every rank of the job down with this one (never returns)."""
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        sys.stdout.flush()
        # mpiexec forwards output asynchronously and stops forwarding once the abort kills the job:
        # a moment's grace lets the traceback and this message reach the terminal.
        time.sleep(_ABORT_GRACE_S)
    finally:
        try:
            mpi_module().COMM_WORLD.Abort(code)
        finally:
            os._exit(code)  # MPI_Abort may return before the launcher has killed this process


class AbortOnException:
    """A ``sys.excepthook`` that reports the exception as before, then aborts every rank."""

    def __init__(self, previous: Callable, rank: int, size: int) -> None:
        self.previous, self.rank, self.size = previous, rank, size

    def __call__(self, exc_type: type, exc: BaseException, tb: Any) -> None:
        try:
            self.previous(exc_type, exc, tb)
        finally:
            _abort_job(
                1,
                f"minitorch.distributed: rank {self.rank} of {self.size} stopped on an uncaught "
                f"{exc_type.__name__}; aborting all {self.size} ranks (MPI_Abort)",
            )


_MPI_OPS = {"SUM": "SUM", "AVG": "SUM", "PRODUCT": "PROD", "MIN": "MIN", "MAX": "MAX"}


class MPIGroup:
    """The default process group on MPI: rank, size, and the nonblocking collectives."""

    backend = "mpi"

    def __init__(self, timeout: float) -> None:
        MPI = mpi_module()
        self.timeout = timeout
        self.comm = MPI.COMM_WORLD.Dup()
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self.where = f"minitorch.distributed (mpi, rank {self.rank} of {self.size})"
        self._hook: AbortOnException | None = None
        if self.size > 1:
            self._hook = AbortOnException(sys.excepthook, self.rank, self.size)
            sys.excepthook = self._hook

    def _work(self, name: str, request: Any, finish: Callable | None = None) -> Work:
        return Work(name, request.Test, self.timeout, self.where, finish)

    def _op(self, op: str) -> Any:
        return getattr(mpi_module(), _MPI_OPS[op])

    def all_reduce(self, array: np.ndarray, op: str) -> Work:
        MPI = mpi_module()
        req = self.comm.Iallreduce(MPI.IN_PLACE, array, op=self._op(op))
        return self._work("all_reduce", req, self._average(array) if op == "AVG" else None)

    def reduce(self, array: np.ndarray, dst: int, op: str) -> Work:
        MPI = mpi_module()
        if self.rank == dst:
            req = self.comm.Ireduce(MPI.IN_PLACE, array, op=self._op(op), root=dst)
            return self._work("reduce", req, self._average(array) if op == "AVG" else None)
        return self._work("reduce", self.comm.Ireduce(array, None, op=self._op(op), root=dst))

    def broadcast(self, array: np.ndarray, src: int) -> Work:
        return self._work("broadcast", self.comm.Ibcast(array, root=src))

    def all_gather(self, out: np.ndarray, array: np.ndarray) -> Work:
        return self._work("all_gather", self.comm.Iallgather(array, out))

    def barrier(self) -> Work:
        return self._work("barrier", self.comm.Ibarrier())

    def _average(self, array: np.ndarray) -> Callable[[], None]:
        size = self.size

        def divide() -> None:
            array[...] /= size

        return divide

    def destroy(self) -> None:
        if self._hook is not None and sys.excepthook is self._hook:
            sys.excepthook = self._hook.previous
        self._hook = None
        self.comm.Free()
