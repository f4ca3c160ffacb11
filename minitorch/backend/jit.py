"""numba, when it is installed and allowed: the compiler behind the host's fast kernels.

numba is optional (the ``fast`` extra; ``scripts/setup.sh`` installs it). Every op has a plain
numpy implementation; a kernel module (``ops/*_numba.py``) registers its variant on the host
backend only when ``enabled()``, and compiles nothing until the variant is first called, so
``import minitorch`` neither imports numba nor compiles anything. If numba is missing, refused
(``MINITORCH_NO_NUMBA=1``) or fails (no usable cache directory, a compilation error), the
kernels are unregistered and the plain twins run: nothing else changes.

Compiled code is cached on disk (``cache=True``): beside the kernel module in ``__pycache__``,
or, where that is read-only, in numba's user-wide cache directory (``NUMBA_CACHE_DIR``); a
process that can write neither compiles in memory. ``compile_seconds()`` tells how long this
process spent compiling or loading kernels (reported by the benchmarks, kept out of step times).
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable
from typing import Any

from . import threads

# Options of every kernel: cached across runs, IEEE arithmetic (no reassociation beyond what the
# kernel's own loop order says, so results stay comparable with the plain twins), and the GIL released,
# so that minitorch's worker threads (workers.py) run slices of a batch at once. Serial by default:
# with numba's own parallel pool beside the workers (and the BLAS's), idle threads of one pool spin
# while another's want the core. ``parallel=True`` (prange) remains available per kernel.
OPTIONS = {"parallel": False, "cache": True, "fastmath": False, "nogil": True}

# undo: the unregister functions of every registered variant (run when numba fails); kernels: every Kernel.
_state: dict = {"enabled": None, "failed": None, "seconds": 0.0, "undo": [], "kernels": []}


def enabled() -> bool:
    """Whether fast numba kernels may be used: numba is importable, not refused, and has not failed."""
    if _state["enabled"] is None:
        refused = os.environ.get("MINITORCH_NO_NUMBA", "").strip() not in ("", "0")
        _state["enabled"] = not refused and importlib.util.find_spec("numba") is not None
    return bool(_state["enabled"]) and _state["failed"] is None


def failure() -> str | None:
    """Why the numba kernels were turned off in this process (None while they work or were never tried)."""
    return _state["failed"]


def version() -> str | None:
    """numba's version when its kernels are enabled, else None (numba is not imported just to tell)."""
    if not enabled():
        return None
    import numba

    return str(numba.__version__)


def compile_seconds() -> float:
    """Seconds this process spent compiling (or loading from the cache) its numba kernels."""
    return float(_state["seconds"])


def register(backend: Any, plain: Any, fast: Any) -> None:
    """``backend.register_kernel(plain, fast)`` when numba kernels are enabled; undone if numba fails."""
    if enabled():
        _state["undo"].append(backend.register_kernel(plain, fast))


def disable(reason: str) -> None:
    """Turn the numba kernels off for the rest of the process: every registered variant is unregistered."""
    _state["failed"] = reason
    while _state["undo"]:
        _state["undo"].pop()()


class Kernel:
    """A function compiled by numba on first call, with ``OPTIONS`` (``parallel=True``: numba's prange pool).

    Calling it where numba is not usable raises ``KernelUnavailable`` (and turns every numba kernel
    off); the variant that called it catches that and runs its plain twin.
    """

    def __init__(self, fn: Callable, parallel: bool = False) -> None:
        self.fn, self.parallel = fn, parallel
        self.compiled: Any = None
        _state["kernels"].append(self)

    def __repr__(self) -> str:
        return f"<numba kernel {self.fn.__module__}.{self.fn.__name__}>"

    def _compile(self) -> Any:
        if not enabled():
            raise KernelUnavailable(failure() or "numba kernels are disabled")
        try:
            import numba

            options: dict[str, Any] = dict(OPTIONS, parallel=self.parallel)
            if self.parallel:
                threads.apply_numba()
            try:
                return numba.njit(**options)(self.fn)
            except RuntimeError:  # no writable cache directory: compile in memory
                return numba.njit(**dict(options, cache=False))(self.fn)
        except Exception as exc:  # numba missing or broken: the plain twins take over
            disable(f"{type(exc).__name__}: {exc}")
            raise KernelUnavailable(failure()) from exc

    def __call__(self, *args: Any) -> Any:
        compiled = self.compiled
        if compiled is None:
            compiled = self.compiled = self._compile()
        known = len(compiled.overloads)
        started = time.perf_counter()
        try:
            out = compiled(*args)
        except Exception as exc:
            if type(exc).__module__.startswith("numba"):  # a typing or lowering error: numba cannot do it here
                disable(f"{type(exc).__name__}: {exc}")
                raise KernelUnavailable(failure()) from exc
            raise
        if len(compiled.overloads) != known:  # this call compiled (or loaded) a specialisation
            _state["seconds"] += time.perf_counter() - started
        return out


class KernelUnavailable(RuntimeError):
    """A numba kernel cannot run in this process (numba missing, refused or broken)."""


def kernel(fn: Callable | None = None, *, parallel: bool = False) -> Any:
    """Decorator: ``fn`` as a lazily compiled numba ``Kernel`` (``@kernel``, or ``@kernel(parallel=True)``)."""
    if fn is None:
        return lambda f: Kernel(f, parallel)
    return Kernel(fn, parallel)


def kernels() -> list:
    """Every kernel defined so far (for the report and the warm-up)."""
    return list(_state["kernels"])
