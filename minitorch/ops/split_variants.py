"""torch's other spellings of split and narrow: split_with_sizes (views), the unsafe splits (pieces that share the
input's memory without being views to autograd) and narrow_copy (a copy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .index import Slice
from .join import Split, chunk_sizes, split, split_bounds

__all__ = ["narrow_copy", "split_with_sizes", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes"]


class UnsafeSplit(Split):
    """``split`` whose pieces autograd does not know as views of the input (torch's unsafe_split): they share its
    memory, but an in-place change to one is neither checked against the input nor handed on to its graph."""


class UnsafeSplitWithSizes(Split):
    """``unsafe_split`` with an explicit list of sizes."""


class NarrowCopy(Slice):
    """A copy of a slice along one dimension; the gradient fills that slice (the slice's)."""

    node_name = "NarrowCopyBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, idx: tuple) -> Array:
        return Slice.forward(ctx, x, idx).copy()


def _sizes(name: str, split_sizes: Any) -> list:
    if isinstance(split_sizes, int) or not isinstance(split_sizes, Sequence):
        raise TypeError(
            f"{name}(): argument 'split_sizes' (position 1) must be tuple of ints, not {type(split_sizes).__name__}"
        )
    return [int(s) for s in split_sizes]


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """Views of consecutive pieces of ``input`` along ``dim`` of the given sizes (which sum to its size there)."""
    return split(input, _sizes("split_with_sizes", split_sizes), dim)


def _unsafe(input: Tensor, split_size_or_sections: Any, dim: int, cls: type[Split]) -> tuple:
    axis, bounds, _ = split_bounds(input, split_size_or_sections, dim)
    return tuple(cls.apply(input, axis, tuple(bounds)))


def unsafe_split(tensor: Tensor, split_size: int, dim: int = 0) -> tuple:
    """``split`` by a piece size, the pieces sharing ``tensor``'s memory without being views to autograd."""
    return _unsafe(tensor, split_size, dim, UnsafeSplit)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """``chunk``, the pieces sharing ``input``'s memory without being views to autograd."""
    return _unsafe(input, chunk_sizes(input, chunks, dim), dim, UnsafeSplit)


def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """``split_with_sizes``, the pieces sharing ``input``'s memory without being views to autograd."""
    return _unsafe(input, _sizes("unsafe_split_with_sizes", split_sizes), dim, UnsafeSplitWithSizes)


def narrow_copy(input: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """A copy of ``length`` entries of ``dim`` from ``start`` (which may be negative): ``narrow``, not a view."""
    d = input._wrap_dim(dim)
    n = input.shape[d]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    start = start + n if start < 0 else start
    if length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return NarrowCopy.apply(input, (slice(None),) * d + (slice(start, start + length),))
