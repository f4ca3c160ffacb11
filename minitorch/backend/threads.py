"""Thread counts with torch's conventions: ``set_num_threads``, ``get_num_threads`` and the inter-op pair.

One intra-op count governs every pool a host op can use: numba's parallel kernels
(``numba.set_num_threads``) and the BLAS behind numpy's matrix products (through threadpoolctl,
when it is installed). The default, as torch's, is ``OMP_NUM_THREADS`` when set (capped at the machine's CPUs), else the cores
this process may run on (``os.sched_getaffinity``), so a process pinned to one core, or started
under ``taskset``, uses one thread.

Nothing is changed at import: the BLAS keeps the count it started with (OpenBLAS reads
``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS`` itself). When numba's thread pool or minitorch's own
worker threads start (the fast kernels split each batch over them), the BLAS is limited to one thread,
so that the process has one set of threads: OpenBLAS's spin for a while after every product, and
beside a second pool they kept both cores busy for the speed of one. ``set_num_threads`` sets
the workers' count and numba's (for parallel numba kernels), and the BLAS's: one while
minitorch's workers run, else ``n``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_state: dict = {"intra": None, "interop": None, "interop_set": False, "own_pool": False, "forked_pool": False}


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _from_environment() -> int:
    """``OMP_NUM_THREADS`` (its first number, as OpenMP reads a list; at most the machine's CPUs, as torch
    caps it) when valid, else the usable cores."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if value.isdigit() and int(value) > 0:
        return min(int(value), os.cpu_count() or int(value))
    return usable_cores()


def _check(name: str, n: Any) -> int:
    if type(n) is not int:  # torch refuses floats and bools' look-alikes the same way
        if isinstance(n, bool) or not isinstance(n, int):
            raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return int(n)


def get_num_threads() -> int:
    """The number of threads used for intra-op parallelism on the CPU (numba kernels and BLAS)."""
    if _state["intra"] is None:
        _state["intra"] = _from_environment()
    return int(_state["intra"])


def kernel_threads() -> int:
    """The threads the host's parallel kernels may use: ``get_num_threads()``, but 1 in a process forked from
    one whose OpenMP pool had started (GNU OpenMP cannot run in such a child: numba terminates it; torch
    likewise runs its parallel regions on one thread there)."""
    return 1 if _state["forked_pool"] else get_num_threads()


def worth_sharing(work: float, least: float) -> bool:
    """Whether a kernel's ``work`` (multiply-adds or elements) is worth its parallel loop: at least ``least``,
    and more than one thread to share it with. Below, its serial twin runs on the calling thread: a parallel
    loop costs microseconds to start and leaves the pool's threads spinning."""
    return work >= least and kernel_threads() > 1


def pool_started_before_fork() -> None:
    """Called in a child process forked after the OpenMP pool started (``os.register_at_fork``)."""
    _state["forked_pool"] = True


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for intra-op parallelism on the CPU: numba's kernels and the BLAS alike.

    Args:
        n: a positive number of threads (more than the usable cores only oversubscribes them).
    """
    _state["intra"] = _check("set_num_threads", n)
    apply_numba()
    set_blas_threads(1 if _state["own_pool"] else _state["intra"])


def own_pool_started() -> None:
    """numba's pool or minitorch's worker threads now share out the batches: the BLAS goes to one thread (see above)."""
    if not _state["own_pool"]:
        _state["own_pool"] = True
        set_blas_threads(1)


def blas_threads() -> int:
    """The BLAS thread count minitorch asks for: one while its own workers run, else ``get_num_threads()``."""
    return 1 if _state["own_pool"] else get_num_threads()


def get_num_interop_threads() -> int:
    """The number of threads for inter-op parallelism (kept for torch's API; minitorch runs ops in order)."""
    if _state["interop"] is None:
        _state["interop"] = usable_cores()
    return int(_state["interop"])


def set_num_interop_threads(n: int) -> None:
    """Set the inter-op thread count, once, as torch allows (minitorch runs one op at a time, so it is recorded only).

    Args:
        n: a positive number of threads.
    """
    n = _check("set_num_interop_threads", n)
    if _state["interop_set"]:
        raise RuntimeError(
            "Error: cannot set number of interop threads after parallel work has started or "
            "set_num_interop_threads called"
        )
    _state["interop"], _state["interop_set"] = n, True


def apply_numba() -> None:
    """Give numba's parallel kernels ``get_num_threads()`` threads (at most its pool's size), once its pool runs."""
    numba = sys.modules.get("numba")
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    if numba is None or parallel is None or not getattr(parallel, "_is_initialized", False):
        return  # numba.set_num_threads would start numba's pool, which only parallel kernels need
    numba.set_num_threads(max(1, min(get_num_threads(), numba.config.NUMBA_NUM_THREADS)))


def set_blas_threads(n: int) -> bool:
    """Limit the BLAS libraries loaded in this process to ``n`` threads; False without threadpoolctl."""
    return _limit("blas", n)


def _limit(user_api: str, n: int) -> bool:
    """threadpoolctl's limit of ``n`` threads on the libraries of ``user_api`` ("blas", "openmp"), left in place."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(limits=n, user_api=user_api)
    return True


def blas_info() -> list:
    """The BLAS libraries loaded (name, version, kernel, threads), as threadpoolctl reports them; [] without it."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keys = ("internal_api", "version", "architecture", "num_threads", "threading_layer")
    return [{k: i.get(k) for k in keys} for i in threadpool_info() if i.get("user_api") == "blas"]


def openmp_threads() -> int | None:
    """The thread count of the OpenMP runtime loaded in this process (None when none is, or without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [i.get("num_threads") for i in threadpool_info() if i.get("user_api") == "openmp"]
    return int(counts[0]) if counts and counts[0] else None


def set_openmp_threads(n: int) -> bool:
    """Set the thread count of the OpenMP runtimes loaded in this process; False without threadpoolctl."""
    return _limit("openmp", n)
