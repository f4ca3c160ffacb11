"""What Ctrl-C does during ``minitorch train``: a request to stop at the next step boundary, agreed by every process.

The trainer checks :class:`StopRequest` between steps; under ``--nproc`` the ranks sum their
requests in each step's all-reduce (see ``training.Trainer.steps``), so all of them stop after the
same step even when the signal reached only one, and a second Ctrl-C never cuts a step short there
(``mpiexec`` kills the job on a second Ctrl-C).
"""

from __future__ import annotations

import signal
import threading
from typing import Any


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

    Args:
        cut_steps: whether a second Ctrl-C may cut the computation short (False for the ranks of a
            data-parallel run: one rank leaving a step would leave the others waiting in its collectives).
    """

    def __init__(self, cut_steps: bool = True) -> None:
        self.cut_steps = cut_steps
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
        if self._interruptible and self.cut_steps:
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
        if not stop.cut_steps:
            return
        stop._interruptible = True  # before the test below: a Ctrl-C in between raises in the handler
        if stop.forced:
            stop._interruptible = False
            raise KeyboardInterrupt

    def __exit__(self, *exc: Any) -> None:
        self._stop._interruptible = False


class Interrupted(Exception):
    """Training stopped at a step boundary (Ctrl-C); the position is consistent and can be checkpointed."""
