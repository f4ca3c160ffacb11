"""The scatter twins of the view functions: diagonal_scatter, select_scatter and slice_scatter give a copy of the
input with the region its view would show replaced by ``src`` (as_strided_scatter, by storage positions, is in
strided.py).

Each is ``CopySlices`` (index.py: a region of a copy replaced) under torch's node name, so the gradients are
the ones every write through a view has: the input's with the region zeroed, ``src``'s read from the region.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .index import CopySlices
from .matrix import diagonal_view
from .regions import BasicRegion, ViewRegion

__all__ = ["diagonal_scatter", "select_scatter", "slice_scatter"]


class DiagonalScatter(CopySlices):
    """``input`` with a diagonal replaced by ``src``."""


class SelectScatter(CopySlices):
    """``input`` with one slice along a dimension replaced by ``src``."""


class SliceScatter(CopySlices):
    """``input`` with a strided slice along a dimension replaced by ``src``."""


def _scatter(name: str, op: type[CopySlices], input: Tensor, src: Any, region: Any) -> Tensor:
    """``op`` writing ``src`` into ``region`` of a copy of ``input``, after torch's checks of ``src``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"{name}(): argument 'src' (position 2) must be Tensor, not {type(src).__name__}")
    target = tuple(region.read(input._data).shape)
    if tuple(src.shape) != target:
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. "
            f"src size = {list(src.shape)}, slice size = {list(target)}"
        )
    return op.apply(input, src, region)  # src is written in input's dtype (converted as copy_ converts)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` whose ``offset``-th diagonal over ``dim1`` and ``dim2`` is ``src``.

    Args:
        input: the tensor (at least 2-D) copied.
        src: the new diagonal, of the shape ``input.diagonal(offset, dim1, dim2)`` has.
        offset: 0 the main diagonal, > 0 above it, < 0 below it.
        dim1, dim2: the two dimensions the diagonal runs across.
    """
    a1, a2 = input._wrap_dim(dim1), input._wrap_dim(dim2)
    if a1 == a2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    region = ViewRegion(lambda a: diagonal_view(a, offset, a1, a2))
    return _scatter("diagonal_scatter", DiagonalScatter, input, src, region)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` whose slice at ``index`` along ``dim`` is ``src`` (shaped as ``input.select(dim,
    index)``).

    Args:
        input: the tensor copied.
        src: the new slice.
        dim: the dimension selected along.
        index: the position along ``dim`` (negative counts from the end).
    """
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = input._wrap_dim(dim)
    size = input.shape[axis]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension {dim}"
        )
    region = BasicRegion((slice(None),) * axis + (index % size,))
    return _scatter("select_scatter", SelectScatter, input, src, region)


def slice_scatter(
    input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1
) -> Tensor:
    """A copy of ``input`` whose slice ``start:end:step`` along ``dim`` is ``src``.

    Args:
        input: the tensor copied.
        src: the new values, shaped as that slice.
        dim: the dimension sliced.
        start, end: the slice's bounds (None: the whole dimension; negative count from the end; clamped as
            Python's slices are).
        step: the stride of the slice (positive).
    """
    if input.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    axis = input._wrap_dim(dim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    region = BasicRegion((slice(None),) * axis + (slice(start, end, step),))
    return _scatter("slice_scatter", SliceScatter, input, src, region)
