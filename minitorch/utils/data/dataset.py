"""Datasets: the map-style ``Dataset`` protocol, TensorDataset, Subset, ConcatDataset, StackDataset, ChainDataset
and random_split.

Besides torch's protocol (``__getitem__``/``__len__``), a dataset that holds its samples as
whole arrays may answer ``_batchable()`` with True and implement ``_get_batch(indices)``:
the already-collated batch for an int64 index array, gathered with one fancy-index. The
DataLoader uses it instead of ``len(indices)`` Python calls plus a collate whenever the
collate function is the default one; the result must equal
``default_collate([self[i] for i in indices])``.
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ... import backend
from ...random import Generator, default_generator, sample_permutation
from ...tensor import Tensor


class Dataset:
    """A map from indices to samples; subclasses define ``__getitem__`` (and usually ``__len__``)."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])

    def _batchable(self) -> bool:
        """True when ``_get_batch`` can build a whole collated batch at once."""
        return False

    def _get_batch(self, indices: np.ndarray) -> Any:
        raise NotImplementedError


class IterableDataset(Dataset):
    """A stream of samples; subclasses define ``__iter__``."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> Any:
        raise TypeError("ConcatDataset does not support IterableDataset")


class ChainDataset(IterableDataset):
    """Several iterable datasets one after the other, as one stream (chained lazily, each time it is iterated).

    Args:
        datasets: the iterable datasets to chain.
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)  # type: ignore[arg-type]
        return total


class StackDataset(Dataset):
    """Samples of several datasets of one length side by side: a tuple (datasets given by position) or a dict
    (by keyword) of each one's sample at the index.

    Args:
        args: datasets whose samples form a tuple.
        kwargs: datasets whose samples form a dict under their keywords.
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        self.datasets: tuple | dict
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like input/output, "
                "but both types are given."
            )
        members = list(args) if args else list(kwargs.values())
        if not members:
            raise ValueError("At least one dataset should be passed")
        self._length = len(members[0])  # type: ignore[arg-type]
        if any(self._length != len(d) for d in members):  # type: ignore[arg-type]
            raise ValueError("Size mismatch between datasets")
        self.datasets = args if args else kwargs

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


def _check_indices(indices: np.ndarray, n: int) -> np.ndarray:
    if indices.size and (indices.min() < -n or indices.max() >= n):
        bad = indices[(indices < -n) | (indices >= n)][0]
        raise IndexError(f"index {int(bad)} is out of bounds for dimension 0 with size {n}")
    return indices


class TensorDataset(Dataset):
    """Samples are the rows of tensors that share their first dimension: ``ds[i] == (t[i] for t in tensors)``.

    Args:
        *tensors: tensors with the same size of the first dimension.
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].size(0)
        if any(t.size(0) != n for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)

    def _batchable(self) -> bool:
        # A tensor that records gradients is stacked by the op so the graph stays connected.
        return all(isinstance(t, Tensor) and not t.requires_grad for t in self.tensors)

    def _get_batch(self, indices: np.ndarray) -> list:
        _check_indices(indices, len(self))
        out = []
        for t in self.tensors:
            xp = backend.array_module(t._data)
            out.append(Tensor._wrap(t._data[xp.asarray(indices)]))
        return out  # default_collate turns the tuple samples into a list


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the whole data set.
        indices: positions in ``dataset`` that make up the subset.
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def _batchable(self) -> bool:
        return self.dataset._batchable() if isinstance(self.dataset, Dataset) else False

    def _get_batch(self, indices: np.ndarray) -> Any:
        own = self._index_array()
        return self.dataset._get_batch(own[_check_indices(indices, len(own))])

    def _index_array(self) -> np.ndarray:
        """``indices`` as an int64 array, converted once (not per batch) while ``indices`` is the same object."""
        cached = self.__dict__.get("_indices_cache")
        if cached is None or cached[0] is not self.indices or len(cached[1]) != len(self.indices):
            cached = (self.indices, np.asarray(self.indices, dtype=np.int64))
            self._indices_cache = cached
        return cached[1]


class ConcatDataset(Dataset):
    """Several datasets one after the other.

    Args:
        datasets: the map-style datasets to chain.
    """

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        # Dataset declares no __len__ (as torch's): map-style datasets define it.
        sizes = [len(d) for d in self.datasets]  # type: ignore[arg-type]
        self.cumulative_sizes: list[int] = list(np.cumsum(sizes).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


def random_split(
    dataset: Dataset, lengths: Sequence[int | float], generator: Generator | None = default_generator
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets.

    Args:
        dataset: the data set to split.
        lengths: the subsets' sizes, or fractions summing to 1 (the remainder is dealt round-robin).
        generator: the source of the permutation (minitorch's default generator unless given).
    """
    n = len(dataset)  # type: ignore[arg-type]
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2
                )
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = sample_permutation(n, generator).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start : start + int(length)]))
        start += int(length)
    return out
