"""numpy's floating-point warnings, off while a built-in op runs: torch computes inf and NaN silently.

numpy warns (``RuntimeWarning: overflow encountered in exp``, ``invalid value encountered in
multiply``) where torch returns inf or NaN without a word. Every built-in op's forward and backward
runs between ``silence()`` and ``restore(token)`` (``ops/base.Op.apply`` and ``Op.call``, and the
engine's ``BackwardNode.apply``): one place, instead of a ``with np.errstate(...)`` in each op.
``np.errstate`` costs ~1 us a use, too much for every op of a training step; numpy 2 keeps its error
state in a context variable, which is set and reset here directly (~0.2 us). Where numpy does not
expose that variable, ``np.errstate`` itself is used. A user's own ``autograd.Function`` is not
silenced: its numpy code warns as it would under torch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

try:  # numpy >= 2: the error state is a context variable holding an "extobj"
    from numpy._core.umath import _extobj_contextvar, _make_extobj

    # Made once, at import (the buffer size and the underflow setting are the ones of that moment).
    _QUIET = _make_extobj(divide="ignore", invalid="ignore", over="ignore")

    # silence() turns numpy's divide/invalid/overflow warnings off and returns the token restore(token) takes
    # to put back the state it replaced. C callables, without a Python frame: every op calls both.
    silence: Callable[[], Any] = functools.partial(_extobj_contextvar.set, _QUIET)
    restore: Callable[[Any], None] = _extobj_contextvar.reset

except ImportError:  # pragma: no cover - a numpy without the context variable

    def silence() -> Any:
        """Turn numpy's divide/invalid/overflow warnings off; returns the token ``restore`` takes."""
        state = np.errstate(divide="ignore", invalid="ignore", over="ignore")
        state.__enter__()
        return state

    def restore(token: Any) -> None:
        """Put back the error state ``silence`` replaced."""
        token.__exit__(None, None, None)


class Quiet:
    """``silence`` and ``restore`` as a context, for host code that is not an op (``HostBackend.quiet``)."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = silence()

    def __exit__(self, *exc: object) -> None:
        restore(self._token)
