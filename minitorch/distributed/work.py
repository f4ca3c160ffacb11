"""What a collective returns with ``async_op=True``: a handle whose ``wait()`` is bounded by a timeout.

Every wait in minitorch.distributed, blocking calls included, goes through ``Work.wait``: it polls
the backend's request until it completes or the process group's timeout passes, and then raises
``DistBackendError`` naming the collective, so that a peer that died, hangs or called a different
collective never leaves this rank waiting forever (uncaught, the error ends the whole job).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

# Polling: spin this long first, yielding the core at each poll, then sleep between polls, doubling up to
# the cap, so a long wait leaves the core to others. The spin covers the usual skew between ranks within a
# step (a few ms): with 1 ms and sleeps of up to 1 ms, DDP's two-rank LeNet step took 1.2-1.4x the step of
# two independent processes (benchmarks/scaling_ddp.py), with 20 ms about 1.07x. Yielding keeps the spin
# cheap where ranks outnumber cores.
_SPIN_S = 2e-2
_FIRST_SLEEP_S = 2e-5
_MAX_SLEEP_S = 1e-3


class DistError(RuntimeError):
    """Base of minitorch.distributed's errors, as ``torch.distributed.DistError``."""


class DistBackendError(DistError):
    """A collective failed or timed out in the backend (MPI or NCCL)."""


def _seconds(timeout: Any) -> float:
    return timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)


class Work:
    """A started collective; ``wait()`` returns once its result is in the output tensors.

    Backends supply ``test`` (one non-blocking progress-and-check call, True once done),
    ``finish`` (what runs once after completion on this rank: scaling for AVG, copies out of
    staging buffers), ``on_timeout`` (for instance, aborting an NCCL communicator) and ``keep``
    (buffers the collective uses that nothing else holds, kept alive until it is done).
    """

    def __init__(
        self,
        name: str,
        test: Callable[[], bool],
        timeout: float,
        where: str,
        finish: Callable[[], None] | None = None,
        on_timeout: Callable[[], None] | None = None,
        keep: tuple = (),
    ) -> None:
        self._name = name
        self._test = test
        self._timeout = timeout
        self._where = where
        self._finish = finish
        self._on_timeout = on_timeout
        self._keep = keep
        self._done = False

    def is_completed(self) -> bool:
        """Whether the collective has finished (also lets the backend make progress on it)."""
        if not self._done and self._test():
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the collective completes; raise ``DistBackendError`` after ``timeout``.

        Args:
            timeout: how long to wait (default: the process group's timeout).
        """
        if self._done:
            return True
        limit = self._timeout if timeout is None else _seconds(timeout)
        start = time.monotonic()
        spin_until, deadline = start + _SPIN_S, start + limit
        pause = _FIRST_SLEEP_S
        while not self._test():
            now = time.monotonic()
            if now > deadline:
                if self._on_timeout is not None:
                    self._on_timeout()
                raise DistBackendError(
                    f"{self._where}: {self._name} did not complete within {limit:g} s; another rank has "
                    "probably died, hung, or called a different collective"
                )
            if now > spin_until:
                time.sleep(pause)
                pause = min(pause * 2, _MAX_SLEEP_S)
            else:
                os.sched_yield()
        self._complete()
        return True

    def then(self, step: Callable[[], None]) -> Work:
        """Run ``step`` after this collective's own finishing step, once it completes; returns self."""
        first = self._finish
        if self._done:
            step()
        elif first is None:
            self._finish = step
        else:

            def both() -> None:
                first()
                step()

            self._finish = both
        return self

    def _complete(self) -> None:
        self._done = True
        self._keep = ()
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def result(self) -> list:
        self.wait()
        return []

    def __repr__(self) -> str:
        return f"<Work {self._name} {'completed' if self._done else 'pending'}>"
