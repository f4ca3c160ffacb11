"""A small pool of worker threads that share a batch's independent work with the calling thread.

A host kernel splits its batch into ``get_num_threads()`` contiguous slices and calls
``run(work, n)``: the calling thread takes the first slice, the workers the others, and ``run``
returns when all are done. The work must release the GIL to gain anything: numba kernels compiled
``nogil`` and numpy's copies and matrix products do. The BLAS then runs single-threaded inside
each slice (see ``threads.py``), so the process has one set of threads, which sleep on a lock when
idle instead of spinning: OpenBLAS's own threads spin for a while after every product, and with
two pools on two cores each product left the other core busy doing nothing.

Workers start on first use and are daemon threads; a pool of one thread runs everything inline.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from . import threads

# The task queue of each worker thread, in start order; the lock guards starting them; "local" marks
# the workers' own threads.
_pool: dict = {"queues": [], "lock": threading.Lock(), "local": threading.local()}


def _serve(tasks: queue.SimpleQueue) -> None:
    _pool["local"].worker = True
    while True:
        job = tasks.get()
        job()


def _ensure(count: int) -> None:
    """Start worker threads until there are ``count`` of them."""
    with _pool["lock"]:
        if count:
            threads.own_pool_started()
        while len(_pool["queues"]) < count:
            tasks: queue.SimpleQueue = queue.SimpleQueue()
            thread = threading.Thread(
                target=_serve, args=(tasks,), name=f"minitorch-worker-{len(_pool['queues'])}", daemon=True
            )
            thread.start()
            _pool["queues"].append(tasks)


def slices(n: int, parts: int) -> list:
    """``range(n)`` cut into at most ``parts`` contiguous (start, stop) slices of near-equal size."""
    parts = max(1, min(parts, n))
    bounds = [n * k // parts for k in range(parts + 1)]
    return [(bounds[k], bounds[k + 1]) for k in range(parts)]


# Work (flops or bytes) per slice below which waking a worker costs more than it saves: a round trip to a
# worker thread was measured at 76 us on a 2-core VM (the OS waking a thread), ~1e7 flops of one core's BLAS.
MIN_COST = 1e7


def parts_for(n: int, cost: float, min_cost: float | None = None) -> int:
    """How many slices to cut ``n`` items into: one per thread, but only while each slice's ``cost``
    (an estimate in flops or bytes moved) stays above ``min_cost`` (default ``MIN_COST``); waking a
    worker costs tens of microseconds, more than a small slice takes."""
    wanted = threads.get_num_threads()
    if wanted <= 1 or n <= 1:
        return 1
    return max(1, min(wanted, n, int(cost // (MIN_COST if min_cost is None else min_cost))))


def run(work: Callable[[int, int, int], None], n: int, parts: int) -> None:
    """Call ``work(start, stop, part)`` for each of ``parts`` slices of ``range(n)``, slices in parallel.

    ``part`` numbers the slices from 0, so that each may accumulate into its own buffer. The first
    slice runs on the calling thread; an exception in any slice is raised here after all finish.
    """
    cuts = slices(n, parts)
    if len(cuts) == 1 or getattr(_pool["local"], "worker", False):
        # one slice; or called from a slice already running on a worker, which must not wait on its
        # own queue: the slices run here, in order
        for part, (start, stop) in enumerate(cuts):
            work(start, stop, part)
        return
    _ensure(len(cuts) - 1)
    done = threading.Semaphore(0)
    errors: list = []

    def job(start: int, stop: int, part: int) -> Callable[[], None]:
        def call() -> None:
            try:
                work(start, stop, part)
            except BaseException as exc:  # handed to the caller
                errors.append(exc)
            finally:
                done.release()

        return call

    for part, (start, stop) in enumerate(cuts[1:], start=1):
        _pool["queues"][part - 1].put(job(start, stop, part))
    try:
        work(cuts[0][0], cuts[0][1], 0)
    finally:
        for _ in cuts[1:]:
            done.acquire()
    if errors:
        raise errors[0]
