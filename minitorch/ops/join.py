"""Joining and splitting along a dimension: cat, stack, hstack, vstack, dstack, column_stack, cartesian_prod,
combinations, split, chunk, tensor_split (hsplit, vsplit, dsplit), unbind, narrow (split_with_sizes, the unsafe splits
and narrow_copy: split_variants.py)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from .. import backend
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, namespace_of, prepare
from .movement import atleast_3d, meshgrid
from .regions import BasicRegion, ReadRegion
from .shape import mark_view, unsqueeze

__all__ = [
    "cartesian_prod",
    "cat",
    "chunk",
    "column_stack",
    "combinations",
    "concat",
    "concatenate",
    "dsplit",
    "dstack",
    "hsplit",
    "hstack",
    "narrow",
    "row_stack",
    "split",
    "stack",
    "tensor_split",
    "unbind",
    "vsplit",
    "vstack",
]


class Cat(Op):
    """Concatenate along one dimension."""

    @staticmethod
    def forward(ctx: Context, *arrays: Array, axis: int) -> Array:
        parts = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)] or list(arrays)
        ctx.axis = axis
        # A skipped legacy empty input (None here) gets an empty gradient of its own shape.
        ctx.sizes = [a.shape[axis] if any(a is p for p in parts) else None for a in arrays]
        xp = backend.array_module(*arrays)
        return xp.ascontiguousarray(xp.concatenate(parts, axis=axis))  # numpy keeps F order; torch makes C

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        out, start = [], 0
        for n in ctx.sizes:
            if n is None:  # a skipped legacy empty input: an empty gradient (a read of nothing)
                out.append(ReadRegion.call(grad.reshape((-1,)), BasicRegion((slice(0, 0),))))
                continue
            idx = [slice(None)] * grad.ndim
            idx[ctx.axis] = slice(start, start + n)
            out.append(ReadRegion.call(grad, BasicRegion(tuple(idx))))
            start += n
        return tuple(out)


def _tensor_list(name: str, tensors: Sequence[Tensor]) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        if name in ("stack", "dstack"):
            raise RuntimeError(f"{name} expects a non-empty TensorList")
        raise ValueError(f"torch.{name}(): expected a non-empty list of Tensors")
    return tensors


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing dimension."""
    if autocast_mode.enabled_threads and autocast_mode.wants(cat):
        return autocast_mode.run("cat", cat, tensors, dim, out=out)
    tensors = _tensor_list("cat", tensors)
    *cast, dt = prepare(*tensors)
    # 1-D empty tensors are skipped, as torch does for legacy reasons.
    real = [t for t in cast if not (t.ndim == 1 and t.shape[0] == 0)] or cast
    ref = real[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = ref._wrap_dim(dim)
    for i, t in enumerate(cast):
        if t.ndim == 1 and t.shape[0] == 0 and ref.ndim != 1:
            continue
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for d in range(ref.ndim):
            if d != axis and t.shape[d] != ref.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{ref.shape[d]} but got size {t.shape[d]} for tensor number {i} in the list."
                )
    res = Cat.apply(*cast, axis=axis)
    return res if out is None else out.copy_(res)


concat = concatenate = cat


class Stack(Op):
    """Join equal-shaped arrays along a new axis."""

    @staticmethod
    def forward(ctx: Context, *arrays: Array, axis: int) -> Array:
        ctx.axis = axis
        xp = backend.array_module(*arrays)
        return xp.ascontiguousarray(xp.stack(arrays, axis=axis))  # torch's stack is C-contiguous

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        lead = (slice(None),) * ctx.axis
        return tuple(ReadRegion.call(grad, BasicRegion(lead + (i,))) for i in range(grad.shape[ctx.axis]))


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors of equal shape along a new dimension."""
    if autocast_mode.enabled_threads and autocast_mode.wants(stack):
        return autocast_mode.run("stack", stack, tensors, dim, out=out)
    tensors = _tensor_list("stack", tensors)
    first = tensors[0]
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(first.shape):
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first.shape)} at entry "
                f"0 and {list(t.shape)} at entry {i}"
            )
    d = first._wrap_dim(dim, extra=1)
    *cast, _ = prepare(*tensors)
    res = Stack.apply(*cast, axis=d)
    return res if out is None else out.copy_(res)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    return cat([t if t.ndim > 1 else unsqueeze(t, 0) for t in tensors], 0)


row_stack = vstack  # torch's other name for it


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the third dimension, each tensor first made at least 3-D (as ``atleast_3d``)."""
    tensors = _tensor_list("dstack", tensors)
    return cat([atleast_3d(t) for t in tensors], 2)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, as rows (one tensor: itself)."""
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements, as rows in lexicographic order of positions
    (``with_replacement``: positions may repeat)."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input[:0]
    xp, n = input._xp, input.shape[0]
    # Every r-tuple of positions (a grid: r passes, none over the elements), kept where the positions increase.
    grids = xp.meshgrid(*([xp.arange(n)] * r), indexing="ij")
    keep = xp.ones(grids[0].shape, dtype=bool)
    for a, b in zip(grids, grids[1:]):
        keep &= (a <= b) if with_replacement else (a < b)
    return stack([input[Tensor._wrap(g[keep])] for g in grids], 1)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns: 0-D and 1-D tensors become one column each, others join along dimension 1."""
    tensors = _tensor_list("column_stack", tensors)
    return hstack([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors])


class Split(Op):
    """Cut one dimension into consecutive pieces (views)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, bounds: tuple) -> tuple:
        ctx.axis, ctx.shape = axis, x.shape
        ctx.bounds = bounds
        pieces = []
        for lo, hi in bounds:
            idx = [slice(None)] * x.ndim
            idx[axis] = slice(lo, hi)
            pieces.append(x[tuple(idx)])
        return tuple(pieces)

    @staticmethod
    def backward(ctx: Context, *grads: Array) -> tuple:
        return namespace_of(*grads).concatenate(grads, axis=ctx.axis), None, None


class SplitWithSizes(Split):
    """``split`` with an explicit list of sizes."""


def _pieces(input: Tensor, axis: int, bounds: list, cls: type[Op]) -> tuple:
    outs = cls.apply(input, axis, tuple(bounds))
    views = []
    for (lo, hi), o in zip(bounds, outs if isinstance(outs, tuple) else (outs,)):

        def fn(a: Any, lo: int = lo, hi: int = hi) -> Any:
            idx = [slice(None)] * a.ndim
            idx[axis] = slice(lo, hi)
            return a[tuple(idx)]

        views.append(mark_view(o, input, fn))
        if views[-1]._base is not None:
            views[-1]._multi_view = (len(views) - 1, cls.__name__)
    return tuple(views)


def split_bounds(tensor: Tensor, split_size_or_sections: Any, dim: int) -> tuple:
    """(axis, [(start, stop) of each piece], whether sizes were given) for split and its kin, with torch's errors."""
    axis = tensor._wrap_dim(dim)
    n = tensor.shape[axis]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and n > 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        starts = range(0, n, size) if size > 0 and n > 0 else [0]  # an empty dim still gives one piece
        return axis, [(s, min(s + size, n)) for s in starts], False
    sizes = [int(s) for s in split_size_or_sections]
    if sum(sizes) != n:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
            f"dimension {dim}), but got split_sizes={sizes}"
        )
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={sizes}"
        )
    bounds, start = [], 0
    for s in sizes:
        bounds.append((start, start + s))
        start += s
    return axis, bounds, True


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    axis, bounds, sized = split_bounds(tensor, split_size_or_sections, dim)
    return _pieces(tensor, axis, bounds, SplitWithSizes if sized else Split)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple:
    """Views of ``input`` along ``dim``: ``n`` near-equal pieces (the first ``size % n`` one longer), or the
    pieces between the given indices (a tensor of either kind too); each a slice of the input."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    if isinstance(indices_or_sections, Tensor):
        split_at = indices_or_sections
        if split_at.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional "
                f"tensor, but got a tensor with {split_at.ndim} dims"
            )
        if split_at.dtype.name != "int64":
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                f"{split_at.dtype._scalar_name}"
            )
        indices_or_sections = split_at.item() if split_at.ndim == 0 else split_at.tolist()
    axis = input._wrap_dim(dim)
    n = input.shape[axis]
    lead = (slice(None),) * axis
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        size, longer = divmod(n, sections)
        cuts = [i * size + builtins.min(i, longer) for i in range(1, sections)]
    else:
        cuts = [int(i) for i in indices_or_sections]
    # Python's slices clamp and wrap exactly as torch's slice does (a cut below the previous one: empty)
    starts, ends = [0] + cuts, cuts + [None]
    return tuple(input[lead + (slice(a, b),)] for a, b in zip(starts, ends))


def _split_along(name: str, input: Tensor, indices_or_sections: Any, dim: int, min_dims: int) -> tuple:
    """hsplit, vsplit, dsplit: ``tensor_split`` along ``dim``, whose sections must divide the dimension."""
    if input.ndim < min_dims:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor with "
            f"{input.ndim} dimensions!"
        )
    if isinstance(indices_or_sections, int):
        n = input.shape[dim]
        if indices_or_sections != 0 and n % indices_or_sections:
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension {n} is "
                f"not divisible by the split_size {indices_or_sections}!"
            )
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    """Split along the columns: dimension 1 (dimension 0 of a 1-D tensor)."""
    return _split_along("hsplit", input, indices_or_sections, 1 if input.ndim > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    """Split along the rows: dimension 0 of a tensor of at least 2 dimensions."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple:
    """Split along the depth: dimension 2 of a tensor of at least 3 dimensions."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def chunk_sizes(input: Tensor, chunks: int, dim: int) -> Any:
    """The split size (or, along an empty dimension, the sizes) of ``chunks`` pieces."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input.shape[input._wrap_dim(dim)]
    return [0] * chunks if n == 0 else -(-n // chunks)  # (an empty dimension: torch gives ``chunks`` empty pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of equal size (the last may be smaller)."""
    return split(input, chunk_sizes(input, chunks, dim), dim)


class Unbind(Op):
    """Every slice along one dimension, without that dimension (views, one node for all)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int) -> tuple:
        ctx.axis = axis
        lead = (slice(None),) * axis
        return tuple(x[lead + (i,)] for i in range(x.shape[axis]))

    @staticmethod
    def backward(ctx: Context, *grads: Array) -> tuple:
        return namespace_of(*grads).stack(grads, axis=ctx.axis), None


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """Slices along ``dim``, each without that dimension."""
    axis = input._wrap_dim(dim)
    if input.shape[axis] == 0:
        return ()
    views = []
    for i, o in enumerate(Unbind.apply(input, axis)):

        def fn(a: Any, i: int = i) -> Any:
            return a[(slice(None),) * axis + (i,)]

        views.append(mark_view(o, input, fn))
        if views[-1]._base is not None:
            views[-1]._multi_view = (i, "Unbind")
    return tuple(views)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The view of ``length`` entries of ``dim`` from ``start`` (which may be negative)."""
    d = input._wrap_dim(dim)
    n = input.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    start = start + n if start < 0 else start
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    idx = [slice(None)] * input.ndim
    idx[d] = slice(start, start + length)
    return input[tuple(idx)]
