"""Writing slices along a dimension by a vector of indices: index_add, index_fill, index_copy, index_reduce; and
masked_scatter and put (elements at flat positions).

As in scatter.py, each forward computes with the array helpers of ``along.py`` and each backward with
their differentiable twins (``along_grad.py``), so the gradients can be differentiated again.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context, check_same_device
from ..backend import Array, backend_of
from ..tensor import Tensor
from .along import as_vector, put_slices
from .along_grad import clear_slices, padded_to, read_slices
from .base import Op, broadcast_shape, check_broadcast, namespace_of
from .index import CopySlices, IndexPutAccumulate
from .regions import IndexRegion, ReadRegion
from .scatter import ScatterReduce, fill_value

__all__ = ["index_add", "index_copy", "index_fill", "index_reduce", "masked_scatter", "put"]


class IndexAdd(Op):
    """``x`` plus ``alpha * source`` added along ``axis`` at the positions in ``index`` (a vector)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array, source: Array, alpha: Any) -> Array:
        xp = backend.array_module(x)
        ctx.axis, ctx.index, ctx.alpha = axis, index, alpha
        out = x.copy()
        values = source if alpha == 1 else source * alpha
        backend_of(out).scatter_add(
            xp.moveaxis(as_vector(out), axis, 0), index, xp.moveaxis(as_vector(values), axis, 0)
        )
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        g_source = read_slices(grad, ctx.axis, ctx.index)
        return grad, None, None, (g_source if ctx.alpha == 1 else g_source * ctx.alpha), None


class IndexFill(Op):
    """``x`` with its slices along ``axis`` at ``index`` filled with a constant."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array, value: Any) -> Array:
        ctx.axis, ctx.index = axis, index
        return put_slices(x, axis, index, value)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return clear_slices(grad, ctx.axis, ctx.index), None, None, None


class IndexFillTensor(IndexFill):
    """``x`` with its slices along ``axis`` at ``index`` filled with a 0-dim tensor's value (which gets their gradient)."""

    node_name = "IndexFillBackward1"

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        each_once = backend.array_module(ctx.index).unique(ctx.index)
        g_value = read_slices(grad, ctx.axis, each_once).sum()
        return clear_slices(grad, ctx.axis, ctx.index), None, None, g_value


class IndexCopy(Op):
    """``x`` with its slices along ``axis`` at ``index`` replaced by ``source``'s."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array, source: Array) -> Array:
        ctx.axis, ctx.index = axis, index
        return put_slices(x, axis, index, source)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return clear_slices(grad, ctx.axis, ctx.index), None, None, read_slices(grad, ctx.axis, ctx.index)


class MaskedScatter(Op):
    """``x`` with the places where ``mask`` is True filled, in order, from ``source``'s leading elements."""

    @staticmethod
    def forward(ctx: Context, x: Array, mask: Array, source: Array) -> Array:
        xp = backend.array_module(x)
        shape = broadcast_shape(x.shape, mask.shape)
        mask = xp.broadcast_to(mask, shape)
        ctx.mask, ctx.source_shape = mask, source.shape
        out = xp.array(xp.broadcast_to(x, shape))
        out[mask] = source.reshape(-1)[: int(mask.sum())]
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        picked = ReadRegion.call(grad, IndexRegion((ctx.mask,)))  # the gradient of each source element used
        n = 1
        for s in ctx.source_shape:
            n *= s
        g_source = padded_to(picked, (n,)).reshape(ctx.source_shape)
        return namespace_of(grad).where(ctx.mask, 0, grad), None, g_source


# ------------------------------------------------------------------------------ public functions
def _flat_index(index: Tensor, axis: int, input: Tensor, negative: bool, error: type, prefix: str = "") -> Any:
    """``index`` flattened, with torch's out-of-range error (``negative``: indices from the end allowed)."""
    check_same_device([(0, input), (2, index)])
    flat = index._data.reshape(-1)
    size = input.shape[axis] if input.ndim else 1
    bad = flat[(flat < (-size if negative else 0)) | (flat >= size)]
    if bad.size:
        raise error(f"{prefix}index {int(bad[0])} is out of bounds for dimension {axis} with size {size}")
    return flat


def _check_source(fn: str, input: Tensor, dim: int, index: Tensor, source: Tensor) -> tuple:
    """torch's checks of index_add_'s and index_reduce_'s source against the input and the index (``fn``: the
    name in the messages); returns (the dim, the input's shape)."""
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"{fn}(): self ({input.dtype._scalar_name}) and source ({source.dtype._scalar_name}) "
            "must have the same scalar type"
        )
    axis = input._wrap_dim(dim)
    t_shape, s_shape = tuple(input.shape), tuple(source.shape)
    if len(s_shape) != len(t_shape) or any(a != b for d, (a, b) in enumerate(zip(t_shape, s_shape)) if d != axis):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(t_shape)} source.shape = {list(s_shape)}"
        )
    n = s_shape[axis] if s_shape else 1
    if index.numel() != n:
        raise RuntimeError(
            f"{fn}(): Number of indices ({index.numel()}) should be equal to source.size(dim): ({n}), for dim: {axis}"
        )
    return axis, t_shape


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """``input`` plus ``alpha * source``'s slices added along ``dim`` at ``index`` (repeats accumulate)."""
    if index.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {index.dtype._scalar_name}")
    if index.ndim > 1:
        raise IndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
            f"{index.dtype._scalar_name} and size: {list(index.shape)}"
        )
    axis, t_shape = _check_source("index_add_", input, dim, index, source)
    flat = _flat_index(index, axis, input, False, RuntimeError)
    # Converted to input's dtype with torch's overflow check: an integer tensor truncates a float alpha.
    alpha = dtypes.cast_scalar(alpha, input.dtype)
    return IndexAdd.apply(input, axis, flat, source, alpha)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """``input`` with its slices along ``dim`` at ``index`` set to ``value`` (a number or a 0-dim tensor)."""
    if index.dtype is not dtypes.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    axis = input._wrap_dim(dim)
    flat = _flat_index(index, axis, input, True, IndexError)
    flat = flat % (input.shape[axis] if input.ndim else 1)  # from the end, as positions
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        if value.requires_grad:
            return IndexFillTensor.apply(input, axis, flat, value.to(input.dtype))
    return IndexFill.apply(input, axis, flat, fill_value(input, value))


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with its slices along ``dim`` at ``index`` replaced by ``source``'s."""
    if autocast_mode.enabled_threads and autocast_mode.wants(index_copy):
        return autocast_mode.run("index_copy", index_copy, input, dim, index, source)
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {index.dtype._scalar_name}")
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{input.dtype._scalar_name} and (source) {source.dtype._scalar_name}"
        )
    axis = input._wrap_dim(dim)
    if source.ndim and input.ndim and source.ndim != input.ndim:
        raise IndexError(
            "index_copy_(): When source and destination are not scalars, their dimensionality must match. "
            f"Source dimensionality ({source.ndim}), destination dimensionality ({input.ndim})"
        )
    for d, (a, b) in enumerate(zip(input.shape, source.shape)):
        if d != axis and a != b:
            raise RuntimeError(
                "index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape: "
                f"{a} at dimension {d} and source slice shape: {b} at dimension {d}."
            )
    n = source.shape[axis] if source.ndim else 1
    if index.numel() != n:
        raise IndexError(
            f"index_copy_(): Number of indices ({index.numel()}) should be equal to source.size(dim) ({n})"
        )
    flat = _flat_index(index, axis, input, False, IndexError, "index_copy_(): ")
    return IndexCopy.apply(input, axis, flat, source)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with the places where ``mask`` is True filled, in order, from ``source``'s elements."""
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError(
            f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype._scalar_name}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got"
            f"{input.dtype._scalar_name} and {source.dtype._scalar_name}"
        )
    check_broadcast(mask, input)
    xp = input._xp
    if int(xp.broadcast_to(mask._data, broadcast_shape(input._data.shape, mask._data.shape)).sum()) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, mask._data, source)


# ------------------------------------------------------------------------ index_reduce and put
class IndexReduce(ScatterReduce):
    """``x`` with ``source``'s slices reduced (prod, mean, amax, amin) into it along ``axis`` at a vector of
    positions: scatter_reduce with each position spread over its slice, so the gradients are scatter_reduce's, as
    torch's are."""


class FlatRegion(IndexRegion):
    """The elements at flat (C-order) positions of an array of any layout (a 0-d one as 1-d): ``put``'s region,
    ``idx`` the coordinates of those positions."""

    def _target(self, a: Any) -> tuple:
        return as_vector(a), self.idx


class Put(CopySlices):
    """``x`` with ``source``'s elements written at flat positions."""


class PutAccumulate(IndexPutAccumulate):
    """``x`` with ``source``'s elements added at flat positions, repeated positions accumulating."""

    node_name = "PutBackward0"


INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


def index_reduce(
    input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """``input`` with ``source``'s slices along ``dim`` reduced into its slices at ``index``.

    Args:
        input: the tensor reduced into (a new tensor is returned).
        dim: the dimension ``index`` addresses.
        index: int64/int32 positions along ``dim``, one per slice of ``source``.
        source: the slices reduced in, of ``input``'s dtype and shape but along ``dim``.
        reduce: ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``.
        include_self: whether ``input``'s own slices take part in the reduction.
    """
    warnings.warn("index_reduce() is in beta and the API may change at any time.", stacklevel=2)
    if not isinstance(source, Tensor):
        raise TypeError(f"index_reduce(): argument 'source' (position 3) must be Tensor, not {type(source).__name__}")
    if reduce not in INDEX_REDUCTIONS:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    if index.ndim > 1:
        raise IndexError(
            f"index_reduce_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
            f"{index.dtype._scalar_name} and size: {list(index.shape)}"
        )
    if index.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(f"index_reduce_(): Expected dtype int32/int64 for index but got: {index.dtype._scalar_name}")
    axis, t_shape = _check_source("index_reduce_", input, dim, index, source)
    s_shape = tuple(source.shape)
    check_same_device([(0, input), (2, index), (3, source)])
    flat = index._data.reshape(-1).astype("int64")
    if flat.size and (flat.min() < 0 or flat.max() >= (t_shape[axis] if t_shape else 1)):
        raise IndexError("index out of range in self")
    xp = input._xp
    # each position spread over its slice of source: scatter_reduce's index
    along = flat.reshape((1,) * axis + (-1,) + (1,) * (len(s_shape) - axis - 1)) if s_shape else flat.reshape(())
    spread = xp.ascontiguousarray(xp.broadcast_to(along, s_shape))
    return IndexReduce.apply(input, axis, spread, source, reduce, include_self)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``input`` (as a flat vector in C order) with ``source``'s elements written, or with ``accumulate`` added, at
    the positions in ``index`` (negative ones count from the end).

    Args:
        input: the tensor written into (a new tensor is returned).
        index: int64 positions, as many as ``source`` has elements (any shapes).
        source: the values, of ``input``'s dtype.
        accumulate: add instead of writing (repeated positions then accumulate).
    """
    if not isinstance(source, Tensor):
        raise TypeError(f"put(): argument 'source' (position 2) must be Tensor, not {type(source).__name__}")
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {index.dtype._scalar_name}")
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{input.dtype._scalar_name} and source.dtype = {source.dtype._scalar_name}"
        )
    if source.numel() != index.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got source.numel() = "
            f"{source.numel()}, index.numel() = {index.numel()}"
        )
    check_same_device([(0, input), (1, index), (2, source)])
    n = input.numel()
    flat = index._data.reshape(tuple(source.shape))  # shaped as source: the region reads source's gradient
    bad = flat[(flat < -n) | (flat >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {int(bad.reshape(-1)[0])} on a tensor of {n} elements.")
    if not flat.size:
        return input.clone()
    region = FlatRegion(input._xp.unravel_index(flat % n, tuple(input.shape) or (1,)))
    return (PutAccumulate if accumulate else Put).apply(input, source, region)
