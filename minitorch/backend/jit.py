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
import sys
import time
from collections.abc import Callable
from typing import Any

from . import threads

# Options of every kernel: cached across runs, IEEE arithmetic (no reassociation beyond what the
# kernel's own loop order says, so results stay comparable with the plain twins), and the GIL released.
# Serial by default; a kernel declared ``parallel=True`` runs its ``prange`` loops on numba's pool.
OPTIONS = {"parallel": False, "cache": True, "fastmath": False, "nogil": True}

# numba's threading layers in the order minitorch prefers them. OpenMP's threads spin for a moment
# after a parallel loop before they sleep, so the loops of one training step (tens of microseconds
# apart) find them awake: a loop over two threads started in ~5 us, where the workqueue layer's
# threads, woken each time by the OS, took hundreds. A layer the user names (NUMBA_THREADING_LAYER)
# wins.
LAYERS = ["omp", "tbb", "workqueue"]
# Layers on which minitorch does not run its parallel kernels unless the user names the layer.
SLOW_LAYERS = ("workqueue",)

# undo: the unregister functions of every registered variant (run when numba fails); kernels: every Kernel.
# pool: numba's thread pool started (``_start_pool``).
_state: dict = {"enabled": None, "failed": None, "seconds": 0.0, "undo": [], "kernels": [], "pool": False}


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
                _start_pool(numba)
            _resolve(self.fn)
            try:
                dispatcher = numba.njit(**options)(self.fn)
            except RuntimeError:  # no writable cache directory: compile in memory
                dispatcher = numba.njit(**dict(options, cache=False))(self.fn)
        except Exception as exc:  # numba missing or broken: the plain twins take over
            disable(f"{type(exc).__name__}: {exc}")
            raise KernelUnavailable(failure()) from exc
        # numba's dispatcher calls its ``_compile_for_args`` only for arguments of types it has no code for:
        # timed and guarded there, a call with known types costs no more than the dispatch itself.
        dispatcher._compile_for_args = _CompileForArgs(dispatcher._compile_for_args)
        return dispatcher

    def __call__(self, *args: Any) -> Any:
        compiled = self.compiled
        if compiled is None:
            compiled = self.compiled = self._compile()
        return compiled(*args)


class _CompileForArgs:
    """A dispatcher's ``_compile_for_args`` (compile or load from the cache the code for new argument types),
    timed for ``compile_seconds``; a typing or lowering error turns the numba kernels off (the caller's plain
    twin runs)."""

    __slots__ = ("compile",)

    def __init__(self, compile: Callable) -> None:
        self.compile = compile

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.compile(*args, **kwargs)
        except Exception as exc:
            if type(exc).__module__.startswith("numba"):  # numba cannot do it here
                disable(f"{type(exc).__name__}: {exc}")
                raise KernelUnavailable(failure()) from exc
            raise
        finally:
            _state["seconds"] += time.perf_counter() - started


class Helper:
    """A compiled function that kernels call (``@jit.helper``); not callable from Python.

    A parallel kernel's ``prange`` body should call helpers for its inner loops rather than hold them:
    numba compiles a loop nest inside a ``prange`` body several times slower (measured 3-7x on the
    pooling kernel) than the same loops in a function of their own, called from the body.
    """

    def __init__(self, fn: Callable, reassociate: bool = False) -> None:
        self.fn, self.reassociate = fn, reassociate

    def resolve(self) -> Any:
        import numba

        _resolve(self.fn)
        options: dict[str, Any] = dict(OPTIONS)
        if self.reassociate:  # additions may be regrouped (vectorised reductions): see ``helper``
            options["fastmath"] = {"reassoc"}
        return numba.njit(**options)(self.fn)

    def __call__(self, *args: Any) -> Any:
        raise TypeError(f"{self.fn.__name__} is compiled into the kernels that call it; it cannot run from Python")


class Deferred:
    """A numba object a kernel names (an intrinsic, ``numba.prange``), made by ``factory`` when the first kernel
    naming it compiles, so that defining kernels imports nothing of numba."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory

    def resolve(self) -> Any:
        return self.factory()

    def __call__(self, *args: Any) -> Any:
        raise TypeError("a numba object for compiled kernels; it cannot run from Python")


def helper(fn: Callable | None = None, *, reassociate: bool = False) -> Any:
    """Decorator: ``fn`` as a compiled helper of kernels (see ``Helper``).

    ``reassociate=True`` lets the compiler regroup the helper's additions (LLVM's ``reassoc`` flag, nothing
    else of fastmath: no contraction, NaN and inf as IEEE), so that a running sum becomes vector lanes summed at
    the end: for reductions whose order is not the plain twin's anyway. The order then depends on the
    machine's vector width, never on the thread count.
    """
    if fn is None:
        return lambda f: Helper(f, reassociate)
    return Helper(fn, reassociate)


def _resolve(fn: Callable) -> None:
    """Replace the ``Helper``/``Deferred`` globals that ``fn`` names by their numba objects, before numba
    reads them (numba resolves a function's globals when it compiles it)."""
    names = fn.__code__.co_names
    for name in names:
        value = fn.__globals__.get(name)
        if isinstance(value, (Helper, Deferred)):
            fn.__globals__[name] = value.resolve()


# numba's parallel loop, for kernels declared ``parallel=True`` (``for i in prange(n)``).
prange = Deferred(lambda: importlib.import_module("numba").prange)


def _start_pool(numba: Any) -> None:
    """Start numba's thread pool on the preferred layer with minitorch's thread count, the BLAS on one thread
    (it runs inside the pool's loops; two pools of spinning threads on the same cores slow each other).
    Once per process: the first parallel kernel to compile does it."""
    if _state["pool"]:
        return
    if not os.environ.get("NUMBA_THREADING_LAYER"):
        numba.config.THREADING_LAYER_PRIORITY = list(LAYERS)
    from numba.np.ufunc import parallel

    # numba's OpenMP layer sets the process's OpenMP thread count when it starts; where another library
    # already runs on the same OpenMP runtime (torch loads libgomp too, and the loader shares it), that
    # would change the other library's threads: its count is put back.
    before = threads.openmp_threads()
    parallel._launch_threads()
    if before:
        threads.set_openmp_threads(before)
    layer = threading_layer()
    if layer in SLOW_LAYERS and not os.environ.get("NUMBA_THREADING_LAYER"):
        # Its loops start too slowly for a step's ops (a ReLU took 180 us where numpy takes 140 and the
        # OpenMP layer 25): the plain kernels run instead (installing tbb, or an OpenMP runtime, helps).
        raise RuntimeError(f"numba's only threading layer here is {layer}, slower than the plain kernels")
    threads.own_pool_started()
    threads.apply_numba()
    os.register_at_fork(after_in_child=threads.pool_started_before_fork)  # a forked child: the serial twins
    _state["pool"] = True


def threading_layer() -> str | None:
    """The threading layer numba's parallel kernels run on in this process (None before the first one ran)."""
    numba = sys.modules.get("numba")
    if numba is None:
        return None
    try:
        return str(numba.threading_layer())
    except ValueError:  # no parallel kernel has run yet
        return None


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
