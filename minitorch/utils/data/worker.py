"""The worker processes of a DataLoader with ``num_workers > 0``.

Each worker process gets its own queue of batch indices (handed out round-robin,
``prefetch_factor`` per worker ahead), and all workers answer on one result queue; the
main process puts the answers back in sampler order. A worker's exception comes back as
text and is raised again in the main process; a worker that dies is reported by pid.
Workers stop when the epoch ends, when the iterator is dropped, or
(``persistent_workers``) when the loader is.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import queue
import random
import time
import traceback
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...random import default_generator

if TYPE_CHECKING:
    from .dataloader import BatchFetcher, DataLoader

_POLL_S = 1.0  # how often a waiting process checks that the other side is still alive


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: id, num_workers, seed, dataset."""

    def __init__(self, id: int, num_workers: int, seed: int, dataset: Any) -> None:
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self) -> str:
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, dataset={self.dataset!r})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The current worker's ``WorkerInfo``, or None in the main process."""
    return _worker_info


class _KeyErrorMessage(str):
    """KeyError shows its argument with repr(); this keeps the traceback's newlines readable."""

    def __repr__(self) -> str:
        return str(self)


class ExceptionWrapper:
    """An exception from a worker, carried to the main process as its type and formatted traceback."""

    def __init__(self, exc: BaseException, where: str) -> None:
        exc_type = type(exc)
        try:
            pickle.dumps(exc_type)
        except Exception:  # a class defined where the main process cannot import it
            exc_type = RuntimeError
        self.exc_type = exc_type
        self.msg = f"Caught {type(exc).__name__} {where}.\nOriginal {traceback.format_exc()}"

    def reraise(self) -> None:
        msg: Any = _KeyErrorMessage(self.msg) if self.exc_type is KeyError else self.msg
        try:
            exc = self.exc_type(msg)
        except Exception:  # an exception type whose constructor wants other arguments
            raise RuntimeError(self.msg) from None
        raise exc


def worker_loop(
    fetch: BatchFetcher,
    index_queue: Any,
    result_queue: Any,
    seed: int,
    worker_id: int,
    num_workers: int,
    worker_init_fn: Callable | None,
    parent_pid: int,
) -> None:
    """A worker's life: seed, run ``worker_init_fn``, then answer index lists with batches until told to stop."""
    global _worker_info
    random.seed(seed)
    default_generator.manual_seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, fetch.dataset)
    pending: ExceptionWrapper | None = None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
    except Exception as exc:
        pending = ExceptionWrapper(exc, f"in DataLoader worker process {worker_id} (worker_init_fn)")
    while True:
        try:
            task = index_queue.get(timeout=_POLL_S)
        except queue.Empty:
            if os.getppid() != parent_pid:  # the main process is gone
                break
            continue
        if task is None:
            break
        epoch, send_idx, indices = task
        try:
            result = pending if pending is not None else fetch(indices)
            payload = pickle.dumps((epoch, send_idx, result), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            payload = pickle.dumps(
                (epoch, send_idx, ExceptionWrapper(exc, f"in DataLoader worker process {worker_id}"))
            )
        result_queue.put(payload)
    # Unread batches (an epoch cut short) must not keep this process alive at exit.
    result_queue.cancel_join_thread()


class WorkerPool:
    """The worker processes and their queues, apart from the iterator so a finalizer can stop them.

    The iterator may end up in a reference cycle (an exception's traceback holds its frame);
    when the garbage collector breaks such a cycle, the queues' own finalizers could run
    before an iterator's ``__del__`` and swallow the stop messages. A ``weakref.finalize``
    on the iterator holding this pool runs first, with the queues still intact.
    """

    def __init__(self) -> None:
        self.workers: list[Any] = []
        self.index_queues: list[Any] = []
        self.result_queue: Any = None
        self.closed = False

    def shutdown(self) -> None:
        if self.closed:
            return
        self.closed = True
        for iq in self.index_queues:
            try:
                iq.put(None)
            except (OSError, ValueError):
                pass
        for w in self.workers:
            w.join(timeout=5.0)
            if w.is_alive():
                w.terminate()
                w.join()
        for q in self.index_queues + [self.result_queue]:
            q.cancel_join_thread()
            q.close()


class MultiProcessIter:
    """Hands batch indices to worker processes and yields their batches in sampler order."""

    def __init__(self, loader: DataLoader) -> None:
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = multiprocessing.get_context()
        elif isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        self._pool = pool = WorkerPool()
        self._finalizer = weakref.finalize(self, WorkerPool.shutdown, pool)
        pool.result_queue = ctx.Queue()
        self._n = loader.num_workers
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        assert loader.prefetch_factor is not None  # 2 unless given, with workers
        self._prefetch = loader.prefetch_factor * self._n
        self._epoch = 0
        base_seed = loader._base_seed()
        fetch = loader._fetcher()
        for wid in range(self._n):
            iq = ctx.Queue()
            w = ctx.Process(
                target=worker_loop,
                daemon=True,
                args=(fetch, iq, pool.result_queue, base_seed + wid, wid, self._n, loader.worker_init_fn, os.getpid()),
            )
            w.start()
            pool.index_queues.append(iq)
            pool.workers.append(w)
        self._reset(loader)

    @property
    def _closed(self) -> bool:
        return self._pool.closed

    def _shutdown(self) -> None:
        self._finalizer()

    def _reset(self, loader: DataLoader) -> None:
        self._epoch += 1  # answers still in flight from an earlier epoch are dropped
        self._indices = iter(loader._index_sampler)
        self._len = len(loader)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._reorder: dict[int, Any] = {}
        self._next_worker = itertools.cycle(range(self._n))
        for _ in range(self._prefetch):
            self._put_task()

    def _put_task(self) -> None:
        try:
            indices = next(self._indices)
        except StopIteration:
            return
        self._pool.index_queues[next(self._next_worker)].put((self._epoch, self._send_idx, indices))
        self._send_idx += 1

    def __iter__(self) -> MultiProcessIter:
        return self

    def __len__(self) -> int:
        return self._len

    def __next__(self) -> Any:
        if self._closed:
            raise StopIteration
        while self._rcvd_idx not in self._reorder:
            if self._rcvd_idx == self._send_idx:  # nothing in flight: the sampler is exhausted
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            epoch, idx, data = self._get()
            if epoch == self._epoch:
                self._reorder[idx] = data
        data = self._reorder.pop(self._rcvd_idx)
        self._rcvd_idx += 1
        self._put_task()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _get(self) -> Any:
        start = time.monotonic()
        while True:
            try:
                return pickle.loads(self._pool.result_queue.get(timeout=_POLL_S))
            except queue.Empty:
                pass
            dead = [w for w in self._pool.workers if not w.is_alive()]
            if dead:
                pids = ", ".join(str(w.pid) for w in dead)
                codes = ", ".join(str(w.exitcode) for w in dead)
                self._shutdown()
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly (exit code(s) {codes})")
            if self._timeout and time.monotonic() - start > self._timeout:
                self._shutdown()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
