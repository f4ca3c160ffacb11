"""A tensor's storage and geometries over it: as_strided (a view of the storage by sizes, strides and an offset,
in elements, as torch's), as_strided_, as_strided_scatter, and resize_ / resize_as_.

A tensor's storage is the memory of the array at the root of its array's ``base`` chain (what
``Tensor.storage_offset`` counts from), seen as one flat vector of elements: a numpy (or cupy) array owns
its memory there, whatever views of it the tensors hold. An element of a geometry ``(sizes, strides,
offset)`` sits at position ``offset + sum(index * strides)`` of that vector; both gradients below are
scatters into a zero vector of the storage's size (the backend's scatter-add, repeated positions
accumulating) and gathers from it, as torch's AsStridedBackward0 computes them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from .. import backend
from ..autograd.function import Context
from ..backend import Array, backend_of
from ..tensor import Tensor
from .base import Op, array_of
from .regions import FillRegion, IndexRegion, ReadRegion, ScatterRegion
from .shape import mark_view

__all__ = ["as_strided", "as_strided_", "as_strided_scatter", "resize_", "resize_as_"]


# ------------------------------------------------------------------------------ storage and positions
def storage(a: Any) -> tuple:
    """(the storage under ``a`` as a flat view of elements, ``a``'s offset in it, in elements)."""
    root = a
    while backend.is_array(getattr(root, "base", None)):
        root = root.base
    dev = backend_of(a)
    # The root's extent from its first element (a broadcast root repeats elements: its memory is shorter).
    n = 0 if root.size == 0 else 1 + sum((k - 1) * s for k, s in zip(root.shape, root.strides)) // root.itemsize
    flat = dev.strided_view(root, (n,), (root.itemsize,), writeable=dev.is_writeable(root))
    return flat, (dev.address(a) - dev.address(root)) // a.itemsize


def _extent(sizes: tuple, strides: tuple) -> int:
    """The positions a geometry spans past its offset, plus one (0 for no elements)."""
    return 0 if 0 in sizes else 1 + sum((n - 1) * s for n, s in zip(sizes, strides))


def positions(xp: Any, sizes: tuple, strides: tuple, offset: int) -> Any:
    """The storage position of every element of a geometry, flattened in C order (int64)."""
    pos = xp.full((1,) * len(sizes), offset, dtype="int64")
    for d, (n, s) in enumerate(zip(sizes, strides)):  # (over dimensions, each a whole-array step)
        pos = pos + (xp.arange(n, dtype="int64") * s).reshape((1,) * d + (n,) + (1,) * (len(sizes) - d - 1))
    return pos.reshape(-1)


def _geometry(a: Any) -> tuple:
    """(sizes, strides in elements, storage offset) of an array."""
    return tuple(a.shape), tuple(s // a.itemsize for s in a.strides), storage(a)[1]


def _strided(flat: Any, sizes: tuple, strides: tuple, offset: int, writeable: bool = True) -> Any:
    """The view of a flat vector of elements with a geometry (its bounds checked by the caller). Dimensions of
    stride 0 are a broadcast, read-only as an expanded tensor is: torch refuses to write a repeated element
    (``fill_`` excepted)."""
    repeats = sizes if 0 in sizes else tuple(1 if s == 0 else n for n, s in zip(sizes, strides))
    step = flat.itemsize
    view = backend_of(flat).strided_view(flat[offset:], repeats, tuple(s * step for s in strides), writeable=writeable)
    return view if repeats == sizes else backend.array_module(flat).broadcast_to(view, sizes)


def _view_fn(base: Any, sizes: tuple, strides: tuple, offset: int) -> Callable[[Any], Any]:
    """The view of a geometry as a function of the base tensor's values (autograd's writes through a view, and
    their gradients): a position is the base's element at that C-order index past the base's own offset, which
    holds for a base whose memory is C-ordered, and for an array of any layout of its values (a copy, a gradient).
    One not C-ordered is read through a C-ordered copy, read-only, so that a write could not be lost."""
    delta = offset - storage(base)[1]
    inside = base.flags.c_contiguous and delta >= 0 and delta + _extent(sizes, strides) <= base.size

    def fn(a: Any) -> Any:
        if not inside:
            raise RuntimeError(
                "as_strided: an in-place operation recorded through this view needs its base's memory in C order, "
                "holding every element the view reads; call .contiguous() on the base first"
            )
        if a.flags.c_contiguous:
            return _strided(a.reshape(-1), sizes, strides, delta)
        return _strided(backend.array_module(a).ascontiguousarray(a).reshape(-1), sizes, strides, delta, False)

    return fn


# ------------------------------------------------------------------------------------------- ops
class AsStrided(Op):
    """A view of the input's storage with the given sizes, strides and offset; the gradient is scattered into the
    storage (repeated positions accumulating) and read back at the input's positions."""

    @staticmethod
    def forward(ctx: Context, x: Array, sizes: tuple, strides: tuple, offset: int) -> Array:
        flat, _ = storage(x)
        ctx.input, ctx.output, ctx.n = _geometry(x), (sizes, strides, offset), flat.shape[0]
        return _strided(flat, sizes, strides, offset)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        xp = backend.array_module(array_of(grad))
        (in_sizes, in_strides, in_offset), out = ctx.input, ctx.output
        at_out, at_in = positions(xp, *out), positions(xp, in_sizes, in_strides, in_offset)
        summed = ScatterRegion.call(grad.reshape((-1,)), IndexRegion((at_out,)), (ctx.n,))
        g = ReadRegion.call(summed, IndexRegion((at_in,)))
        count = xp.zeros(ctx.n, dtype=array_of(grad).dtype)
        backend_of(count).scatter_add(count, (at_in,), xp.ones(at_in.shape, dtype=count.dtype))
        if at_in.size and count.max() > 1:  # input elements sharing a position share its gradient, as torch's
            g = g / count[at_in]
        return g.reshape(in_sizes), None, None, None


class AsStridedInPlace(AsStrided):
    """``as_strided_``: the tensor itself made that view (torch's node for the in-place form)."""

    node_name = "AsStridedBackward1"


class AsStridedScatter(Op):
    """A copy of the input's storage (of its values alone, C-ordered, where elements repeat) with ``src`` written at
    a geometry's positions, read back at the input's."""

    @staticmethod
    def forward(ctx: Context, x: Array, src: Array, at_in: Array, at_src: Array, overlapping: bool) -> Array:
        out = x.flatten() if overlapping else backend.array_module(x).array(storage(x)[0])
        ctx.at_in, ctx.at_src, ctx.n, ctx.src_shape = at_in, at_src, out.shape[0], src.shape
        out[at_src] = src.reshape(-1)
        return out[at_in].reshape(x.shape)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        at_in, at_src = IndexRegion((ctx.at_in,)), IndexRegion((ctx.at_src,))
        summed = ScatterRegion.call(grad.reshape((-1,)), at_in, (ctx.n,))  # (the input's positions are distinct)
        g_src = ReadRegion.call(summed, at_src)
        g_x = ReadRegion.call(FillRegion.call(summed, at_src), at_in)
        return g_x.reshape(tuple(grad.shape)), g_src.reshape(ctx.src_shape), None, None, None


# ------------------------------------------------------------------------------ public functions
def _ints(name: str, value: Any) -> tuple:
    """``value`` (a sequence of ints) as a tuple, with torch's TypeError for anything else."""
    where = f"as_strided(): argument '{name}' (position {1 if name == 'size' else 2}) must be tuple of ints"
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{where}, not {type(value).__name__}")
    return _ints_of(where, value)


def _ints_of(where: str, value: Any) -> tuple:
    out = []
    for i, v in enumerate(value):
        try:
            out.append(operator.index(v))
        except TypeError:
            raise TypeError(f"{where}, but found element of type {type(v).__name__} at pos {i}") from None
    return tuple(out)


def _checked_geometry(input: Tensor, size: Any, stride: Any, storage_offset: Any, default: int, n: int) -> tuple:
    """(sizes, strides, offset) after torch's checks, against a storage of ``n`` elements."""
    sizes, strides = _ints("size", size), _ints("stride", stride)
    if len(sizes) != len(strides):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in strides):
        raise RuntimeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: {list(strides)}"
        )
    offset = default if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    if any(k < 0 for k in sizes):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(sizes)} and strides={list(strides)}")
    extent, step = _extent(sizes, strides), input.element_size()
    if extent and offset + extent > n:
        raise RuntimeError(
            f"setStorage: sizes {list(sizes)}, strides {list(strides)}, storage offset {offset}, and itemsize "
            f"{step} requiring a storage size of {(offset + extent) * step} are out of bounds for storage of size "
            f"{n * step}"
        )
    return sizes, strides, offset


def _as_strided(op: type[AsStrided], input: Tensor, size: Any, stride: Any, storage_offset: Any) -> Tensor:
    flat, own = storage(input._data)
    sizes, strides, offset = _checked_geometry(input, size, stride, storage_offset, own, flat.shape[0])
    out = op.apply(input, sizes, strides, offset)
    # a view of the storage, so a function of the base's values (not of the input's, which may not hold them all)
    base = input._base if input._base is not None else input
    view = mark_view(out, base, _view_fn(base._data, sizes, strides, offset), known=True)
    if input._multi_view is not None:  # (a split piece's views keep its refusal of in-place writes)
        view._multi_view = input._multi_view
    return view


def as_strided(input: Tensor, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s storage: element ``i`` at position ``storage_offset + sum(i * stride)``.

    Args:
        input: the tensor whose storage is viewed (the view shares its memory).
        size: the view's shape.
        stride: the step in elements for each dimension (non-negative; may overlap).
        storage_offset: the position of the first element in the storage (default: ``input``'s own).
    """
    return _as_strided(AsStrided, input, size, stride, storage_offset)


def as_strided_(input: Tensor, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
    """``input`` itself made the view ``as_strided`` would give (in place)."""
    view = _as_strided(AsStridedInPlace, input, size, stride, storage_offset)
    base, fn = view._base, view._view_fn
    input._restride(view)
    if input._base is not None:  # still a view of its base, with the new geometry
        input._base, input._view_fn = base, fn
    return input


def as_strided_scatter(input: Tensor, src: Tensor, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``input.as_strided(size, stride, storage_offset)`` would read
    in a copy of its storage (torch's functional form: the copy keeps ``input``'s own positions in it).

    Args:
        input: the tensor copied.
        src: the values written, of shape ``size``.
        size, stride, storage_offset: the geometry written, as in ``as_strided``.
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"as_strided_scatter(): argument 'src' (position 2) must be Tensor, not {type(src).__name__}")
    if input.requires_grad and not input.is_contiguous():
        raise RuntimeError("as_strided_scatter is currently only supported for contiguous inputs")
    xp, data = input._xp, input._data
    flat, own = storage(data)
    geometry = _geometry(data)
    at_in = positions(xp, *geometry)
    # torch keeps the input's positions in a copy of its storage, unless an element repeats by a zero stride: then
    # it copies the values alone (C-ordered, from 0)
    overlapping = bool(at_in.size) and any(k > 1 and s == 0 for k, s in zip(geometry[0], geometry[1]))
    if overlapping:
        n, own, at_in = at_in.size, 0, xp.arange(at_in.size)
    else:
        n = flat.shape[0]
    sizes, strides, offset = _checked_geometry(input, size, stride, storage_offset, own, n)
    if tuple(src.shape) != sizes:
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. "
            f"src size = {list(src.shape)}, slice size = {list(sizes)}"
        )
    if 0 not in sizes and any(k > 1 and s == 0 for k, s in zip(sizes, strides)):  # torch's copy_'s refusal
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )
    return AsStridedScatter.apply(input, src, at_in, positions(xp, sizes, strides, offset), overlapping)


def _shape(name: str, size: tuple) -> tuple:
    """The shape in ``size`` (ints, or one sequence of them), with torch's errors."""
    where = f"{name}(): argument 'size' (position 1) must be tuple of ints"
    if len(size) == 1 and not isinstance(size[0], int):
        if not isinstance(size[0], (tuple, list)):
            raise TypeError(f"{where}, not {type(size[0]).__name__}")
        size = tuple(size[0])
    shape = _ints_of(where, size)
    if any(s < 0 for s in shape):
        raise RuntimeError("numel: integer multiplication overflow")
    return shape


def resize_(input: Tensor, *size: Any, memory_format: Any = None) -> Tensor:
    """``input`` given the shape ``size`` in place, as torch's ``Tensor.resize_``: a contiguous run of its storage
    from its offset, whose existing elements keep their values; storage it lacks is added, zero-filled (torch
    leaves it uninitialised). Growing replaces the storage with a larger copy, which other tensors that shared
    it no longer see (torch grows the shared storage itself).

    Args:
        input: the tensor resized (not one that requires grad).
        size: the new shape (ints, or one sequence of them).
    """
    if input.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = _shape("resize_", size)
    if shape == tuple(input.shape):
        return input
    data = input._data
    flat, offset = storage(data)
    numel = math.prod(shape)
    if offset + numel > flat.shape[0]:
        grown = input._xp.zeros(offset + numel, dtype=data.dtype)
        grown[: flat.shape[0]] = flat
        flat = grown
    input._data = flat[offset : offset + numel].reshape(shape)
    if input._base is not None:  # no longer the region of its base that a view function picks
        input._base = input._view_fn = None
    input._bump_version()
    return input


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """``input.resize_(the_template.shape)``."""
    return resize_(input, tuple(the_template.shape), memory_format=memory_format)
