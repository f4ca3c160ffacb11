"""The ``*_copy`` functions: a view op's result as a new, contiguous tensor that shares no memory with its input.

torch has them for functionalised graphs; each is the view followed by a copy, differentiable through both
(the graph shows the copy's ``CloneBackward0`` above the view's node, where torch records one fused
``ViewBackward0_copy``-style node).
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .shape import clone, contiguous

__all__ = [
    "alias_copy",
    "as_strided_copy",
    "detach_copy",
    "diagonal_copy",
    "expand_copy",
    "permute_copy",
    "select_copy",
    "slice_copy",
    "split_copy",
    "split_with_sizes_copy",
    "squeeze_copy",
    "t_copy",
    "transpose_copy",
    "unbind_copy",
    "unfold_copy",
    "unsqueeze_copy",
    "view_copy",
]


def _copy(view: Tensor) -> Tensor:
    """A contiguous copy of ``view`` (``clone`` keeps a view's strides; ``contiguous`` copies only when they are
    not row-major)."""
    return clone(view) if view.is_contiguous() else contiguous(view)


def view_copy(input: Tensor, size: Any) -> Tensor:
    """``input.view(size)`` (or ``input.view(dtype)``) copied.

    Args:
        input: the tensor.
        size: the new shape (one entry may be -1), or a dtype to reinterpret the bytes as.
    """
    return _copy(input.view(size))


def permute_copy(input: Tensor, dims: Any) -> Tensor:
    """``input.permute(dims)`` copied.

    Args:
        input: the tensor.
        dims: the new order of the dimensions.
    """
    return _copy(input.permute(dims))


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """``input.transpose(dim0, dim1)`` copied.

    Args:
        input: the tensor.
        dim0, dim1: the dimensions swapped.
    """
    return _copy(input.transpose(dim0, dim1))


def t_copy(input: Tensor) -> Tensor:
    """``input.t()`` copied.

    Args:
        input: a tensor of at most 2 dimensions.
    """
    return _copy(input.t())


def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:
    """``input.squeeze(dim)`` copied (every size-1 dimension when ``dim`` is None).

    Args:
        input: the tensor.
        dim: a dimension or a tuple of them.
    """
    return _copy(input.squeeze() if dim is None else input.squeeze(dim))


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    """``input.unsqueeze(dim)`` copied.

    Args:
        input: the tensor.
        dim: where the new size-1 dimension goes.
    """
    return _copy(input.unsqueeze(dim))


def expand_copy(input: Tensor, size: Any, *, implicit: bool = False) -> Tensor:
    """``input.expand(size)`` copied: the repeated elements become separate memory.

    Args:
        input: the tensor.
        size: the expanded shape (-1 keeps a dimension).
        implicit: torch's flag for expansions it inserted itself; no effect.
    """
    return _copy(input.expand(size))


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """``input.diagonal(offset, dim1, dim2)`` copied.

    Args:
        input: a tensor of at least 2 dimensions.
        offset: which diagonal (positive: above the main one).
        dim1, dim2: the dimensions the diagonal runs over.
    """
    return _copy(input.diagonal(offset, dim1, dim2))


def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    """``input.select(dim, index)`` copied.

    Args:
        input: the tensor.
        dim: the dimension indexed.
        index: the position taken along it.
    """
    return _copy(input.select(dim, index))


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1) -> Tensor:
    """``input[..., start:end:step]`` along ``dim``, copied.

    Args:
        input: the tensor.
        dim: the dimension sliced.
        start, end, step: the slice (bounds clamped as Python's).
    """
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    index = (slice(None),) * (dim % input.ndim) + (slice(start, end, step),)
    return _copy(input[index])


def split_copy(input: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``input.split(split_size, dim)``, each piece copied.

    Args:
        input: the tensor.
        split_size: the size of each piece along ``dim`` (the last may be smaller).
        dim: the dimension split.
    """
    if not isinstance(split_size, int):
        raise TypeError(f"split_copy(): argument 'split_size' must be int, not {type(split_size).__name__}")
    return tuple(_copy(piece) for piece in input.split(split_size, dim))


def split_with_sizes_copy(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``input.split_with_sizes(split_sizes, dim)``, each piece copied.

    Args:
        input: the tensor.
        split_sizes: the sizes of the pieces along ``dim``, summing to its size.
        dim: the dimension split.
    """
    return tuple(_copy(piece) for piece in input.split_with_sizes(split_sizes, dim))


def unbind_copy(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """``input.unbind(dim)``, each slice copied.

    Args:
        input: the tensor.
        dim: the dimension removed.
    """
    return tuple(_copy(piece) for piece in input.unbind(dim))


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``input.unfold(dimension, size, step)`` copied: overlapping windows become separate memory.

    Args:
        input: the tensor.
        dimension: the dimension the windows slide along.
        size: the length of a window.
        step: the distance between window starts.
    """
    return _copy(input.unfold(dimension, size, step))


def detach_copy(input: Tensor) -> Tensor:
    """``input.detach()`` copied: the values, outside the graph.

    Args:
        input: the tensor.
    """
    return _copy(input.detach())


def alias_copy(input: Tensor) -> Tensor:
    """A copy of ``input`` (torch's alias, a view of the whole tensor, copied).

    Args:
        input: the tensor.
    """
    return _copy(input.view_as(input))


def as_strided_copy(input: Tensor, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
    """``input.as_strided(size, stride, storage_offset)`` copied.

    Args:
        input: the tensor whose storage is read.
        size: the shape of the view.
        stride: its strides, in elements.
        storage_offset: where it starts in the storage (``input``'s own offset when None).
    """
    return _copy(input.as_strided(size, stride, storage_offset))
