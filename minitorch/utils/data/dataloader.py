"""DataLoader: batches from a dataset, in the main process or in worker processes (worker.py), with torch's
semantics."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ... import cuda
from ...random import Generator, default_generator
from .collate import default_collate, default_convert, pin_memory
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .worker import MultiProcessIter


class BatchFetcher:
    """Turns one entry of the index sampler into a batch (module level, so spawned workers can unpickle it)."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, default: bool) -> None:
        self.dataset, self.auto_collation, self.collate_fn, self.default = dataset, auto_collation, collate_fn, default

    def __call__(self, indices: Any) -> Any:
        ds = self.dataset
        if not self.auto_collation:
            return self.collate_fn(ds[indices])
        if self.default and isinstance(ds, Dataset) and ds._batchable():
            return ds._get_batch(np.asarray(indices, dtype=np.int64))  # one fancy-index, no per-sample calls
        getitems = getattr(ds, "__getitems__", None)
        samples = getitems(list(indices)) if callable(getitems) else [ds[i] for i in indices]
        return self.collate_fn(samples)


class DataLoader:
    """Iterate over a dataset in (shuffled) batches, optionally loading them in worker processes.

    Args:
        dataset: a map-style ``Dataset`` (or anything with ``__getitem__`` and ``__len__``) or an
            ``IterableDataset``.
        batch_size: samples per batch; None turns automatic batching off.
        shuffle: reshuffle the indices every epoch (from ``generator``, else minitorch's default generator).
        sampler: the order of indices (exclusive with ``shuffle``).
        batch_sampler: yields lists of indices (exclusive with batch_size, shuffle, sampler, drop_last).
        num_workers: worker processes; 0 loads in the main process.
        collate_fn: merges a list of samples into a batch (default: ``default_collate``).
        pin_memory: copy each batch's tensors into page-locked memory (with a GPU), so that moving
            them with ``.to('cuda', non_blocking=True)`` needs no staging copy.
        drop_last: drop the last, incomplete batch.
        timeout: seconds to wait for a worker's batch (0: forever).
        worker_init_fn: called with the worker id in each worker after seeding.
        multiprocessing_context: a start method name or context for the workers.
        generator: the source of the shuffle and of the workers' base seed.
        prefetch_factor: batches loaded ahead per worker (default 2 with workers).
        persistent_workers: keep the workers alive between epochs.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.generator = generator

        if isinstance(dataset, IterableDataset):
            if shuffle not in (None, False):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                    f"got batch_sampler={batch_sampler}"
                )
            if num_workers > 0:
                raise NotImplementedError(
                    "minitorch's DataLoader reads an IterableDataset in the main process only (num_workers=0)"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._default_collate = collate_fn is None or collate_fn is default_collate
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterator: MultiProcessIter | None = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None
        )

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def _fetcher(self) -> BatchFetcher:
        return BatchFetcher(self.dataset, self._auto_collation, self.collate_fn, self._default_collate)

    def _base_seed(self) -> int:
        """One draw per iterator, as torch does, so shuffles match with and without workers."""
        return int((self.generator or default_generator).rng.integers(0, 2**63, dtype=np.int64))

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # type: ignore[arg-type]  # an iterable dataset may define __len__ (duck-typed)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def __iter__(self) -> Iterator[Any]:
        if self.pin_memory and not cuda.is_available():
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                "memory won't be used.",
                stacklevel=2,
            )
        it = self._batches()
        return map(pin_memory, it) if self.pin_memory and cuda.is_available() else it

    def _batches(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):
            return _IterableIter(self)
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return MultiProcessIter(self)
        if self._iterator is None or self._iterator._closed:
            self._iterator = MultiProcessIter(self)
        else:
            self._iterator._reset(self)
        return self._iterator


class _SingleProcessIter:
    def __init__(self, loader: DataLoader) -> None:
        loader._base_seed()
        self._fetch = loader._fetcher()
        self._indices = iter(loader._index_sampler)
        self._len = len(loader)

    def __iter__(self) -> _SingleProcessIter:
        return self

    def __len__(self) -> int:
        return self._len

    def __next__(self) -> Any:
        return self._fetch(next(self._indices))


class _IterableIter:
    """Batches from an IterableDataset's stream, in the main process."""

    def __init__(self, loader: DataLoader) -> None:
        loader._base_seed()
        self._it = iter(loader.dataset)
        self._loader = loader

    def __iter__(self) -> _IterableIter:
        return self

    def __next__(self) -> Any:
        ld = self._loader
        if not ld._auto_collation:
            return ld.collate_fn(next(self._it))
        assert ld.batch_size is not None  # auto-collation of an iterable dataset means a batch size
        batch = list(itertools.islice(self._it, ld.batch_size))
        if not batch or (ld.drop_last and len(batch) < ld.batch_size):
            raise StopIteration
        return ld.collate_fn(batch)
