"""Ordering: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, searchsorted, bucketize.

The ops that pick values along a dimension return ``(values, indices)`` as torch.return_types does and
share one backward (``Picking``): the gradient goes back to the places the values were picked from.
Orders are stable and put NaN last (first when descending), as torch's.
"""

from __future__ import annotations

from typing import Any

from .. import backend, dtypes
from ..autograd.function import Context, check_same_device
from ..backend import Array
from ..tensor import Tensor
from .along import gather_along, write_along
from .along_grad import add_along
from .base import Op, array_of, no_graph
from .extrema import ReturnMinMax

__all__ = ["argsort", "bucketize", "kthvalue", "median", "mode", "msort", "nanmedian", "searchsorted", "sort", "topk"]


def return_type(name: str) -> type:
    """The ``(values, indices)`` namedtuple torch names ``torch.return_types.<name>`` (as max(dim) returns)."""
    return type(name, (ReturnMinMax,), {"__slots__": (), "_op": name})


_SORT, _TOPK, _KTHVALUE, _MEDIAN, _MODE, _NANMEDIAN = (
    return_type(n) for n in ("sort", "topk", "kthvalue", "median", "mode", "nanmedian")
)


def stable_order(x: Any, axis: int, descending: bool = False) -> Any:
    """Indices that sort ``x`` along ``axis``, ties in their original order; NaN last (first when descending)."""
    xp = backend.array_module(x)
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable")
    # Ascending on the reversed array, then reversed back: descending, with ties still in original order.
    n = x.shape[axis]
    return (n - 1) - xp.flip(xp.argsort(xp.flip(x, axis=axis), axis=axis, kind="stable"), axis=axis)


class Picking(Op):
    """Values picked along ``ctx.axis`` at ``ctx.index`` (kept dimension): their gradient goes back there."""

    @staticmethod
    def backward(ctx: Context, grad: Array, _grad_indices: Array) -> tuple:
        if not ctx.shape:  # a 0-dim input: the one value was picked
            return (grad.reshape(()),) + (None,) * ctx.extra
        g = grad.reshape(tuple(ctx.index.shape))
        return (add_along(g, ctx.axis, ctx.index, ctx.shape),) + (None,) * ctx.extra


def picked(ctx: Context, x: Any, axis: int, index: Any, keepdim: bool = True, extra: int = 1) -> tuple:
    """(values, int64 indices) of ``x`` at ``index`` along ``axis``, remembered for ``Picking.backward``."""
    ctx.shape, ctx.axis, ctx.index, ctx.extra = x.shape, axis, index, extra
    values = gather_along(x, axis, index) if x.ndim else x.copy()
    index = index.astype("int64")
    if not keepdim and x.ndim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    ctx.mark_non_differentiable(index)
    return values, index


def _zero_index(x: Any) -> Any:
    return backend.array_module(x).zeros((), dtype="int64")


class Sort(Picking):
    """``x`` sorted along ``axis``, with the permutation."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, descending: bool) -> tuple:
        index = stable_order(x, axis, descending) if x.ndim else _zero_index(x)
        return picked(ctx, x, axis, index, extra=2)


class StableSort(Sort):
    """``sort(stable=True)``, which torch records as its second overload."""

    node_name = "SortBackward1"


class Topk(Picking):
    """The ``k`` largest (or smallest) entries along ``axis``, in order."""

    @staticmethod
    def forward(ctx: Context, x: Array, k: int, axis: int, largest: bool) -> tuple:
        index = stable_order(x, axis, largest).take(range(k), axis=axis) if x.ndim else _zero_index(x)
        return picked(ctx, x, axis, index, extra=3)


class Kthvalue(Picking):
    """The ``k``-th smallest entry along ``axis``."""

    @staticmethod
    def forward(ctx: Context, x: Array, k: int, axis: int, keepdim: bool) -> tuple:
        index = stable_order(x, axis).take([k - 1], axis=axis) if x.ndim else _zero_index(x)
        return picked(ctx, x, axis, index, keepdim, extra=3)


class MedianDim(Picking):
    """The lower median along ``axis`` (NaN where the slice holds one, at its first NaN), with its index."""

    node_name = "MedianBackward1"

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, keepdim: bool) -> tuple:
        if not x.ndim:
            return picked(ctx, x, axis, _zero_index(x), keepdim, extra=2)
        xp = backend.array_module(x)
        index = stable_order(x, axis).take([(x.shape[axis] - 1) // 2], axis=axis)
        if x.dtype.kind == "f":
            nan = xp.isnan(x)
            first_nan = xp.argmax(nan, axis=axis, keepdims=True)
            index = xp.where(xp.any(nan, axis=axis, keepdims=True), first_nan, index)
        return picked(ctx, x, axis, index, keepdim, extra=2)


class NanmedianDim(Picking):
    """The lower median along ``axis`` of the values that are not NaN (NaN at a slice's first place when all are)."""

    node_name = "NanmedianBackward1"

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, keepdim: bool) -> tuple:
        if not x.ndim:
            return picked(ctx, x, axis, _zero_index(x), keepdim, extra=2)
        xp = backend.array_module(x)
        order = stable_order(x, axis)  # NaN last
        if x.dtype.kind == "f":
            count = (~xp.isnan(x)).sum(axis=axis, keepdims=True)
            k = xp.maximum(count - 1, 0) // 2
        else:
            k = xp.full(order.take([0], axis=axis).shape, (x.shape[axis] - 1) // 2)
        return picked(ctx, x, axis, xp.take_along_axis(order, k, axis=axis), keepdim, extra=2)


class Mode(Picking):
    """The most frequent value along ``axis`` (the smallest among equally frequent ones), at its last place."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, keepdim: bool) -> tuple:
        if not x.ndim:
            return picked(ctx, x, axis, _zero_index(x), keepdim, extra=2)
        xp = backend.array_module(x)
        order = stable_order(x, axis)
        ordered = gather_along(x, axis, order)
        n = x.shape[axis]
        position = xp.arange(n).reshape((-1,) + (1,) * (x.ndim - axis - 1))
        starts = xp.concatenate(
            [xp.ones_like(ordered.take([0], axis=axis), dtype=bool), xp.diff(ordered, axis=axis) != 0], axis=axis
        )
        # Run lengths so far: a run's count peaks at its last element, which is also its last place in x.
        count = position - xp.maximum.accumulate(xp.where(starts, position, 0), axis=axis)
        best = xp.argmax(count, axis=axis, keepdims=True)
        return picked(ctx, x, axis, gather_along(order, axis, best), keepdim, extra=2)


class Median(Op):
    """The lower median of all elements; equal elements share the gradient evenly (torch's rule)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = backend.array_module(x)
        flat = x.reshape(-1)
        if flat.size == 0:
            return xp.asarray(float("nan"), dtype=x.dtype)
        out = xp.asarray(flat[stable_order(flat, 0)[(flat.size - 1) // 2]])
        if x.dtype.kind == "f" and xp.isnan(flat).any():
            out = xp.asarray(float("nan"), dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        x, out = ctx.saved_tensors
        x, out = array_of(x), array_of(out)  # they only decide which elements share the gradient
        xp = backend.array_module(x)
        hit = xp.isnan(x) if x.dtype.kind == "f" and xp.isnan(out) else x == out
        return grad * hit / hit.sum()


class Nanmedian(Median):
    """The lower median of the elements that are not NaN (NaN when all are); equal elements share the gradient."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = backend.array_module(x)
        flat = x.reshape(-1)
        kept = flat[~xp.isnan(flat)] if x.dtype.kind == "f" else flat
        if kept.size == 0:
            out = xp.asarray(float("nan"), dtype=x.dtype)
        else:
            out = xp.asarray(kept[stable_order(kept, 0)[(kept.size - 1) // 2]])
        ctx.save_for_backward(x, out)
        return out


# ---------------------------------------------------------------------------------- public functions
def _nonempty(name: str, input: Tensor, axis: int) -> None:
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")


def _not_bool(name: str, input: Tensor) -> None:
    if input.dtype is dtypes.bool_:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """``(values, indices)``: ``input`` sorted along ``dim`` (always stably: equal values keep their order).

    Args:
        dim: the dimension to sort along.
        descending: largest first (NaN first).
        stable: accepted for torch's signature; minitorch's sort is always stable.
    """
    axis = input._wrap_dim(dim)
    return _SORT(*(StableSort if stable else Sort).apply(input, axis, descending))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (stably)."""
    axis = input._wrap_dim(dim)
    if not input.ndim:
        return no_graph(_zero_index, input._data)
    return no_graph(lambda a: stable_order(a, axis, descending).astype("int64"), input._data)


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dimension."""
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """``(values, indices)`` of the ``k`` largest (or, ``largest=False``, smallest) entries along ``dim``.

    Args:
        sorted: accepted for torch's signature; the entries always come in order.
    """
    axis = input._wrap_dim(dim)
    if input.dtype is dtypes.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if not 0 <= k <= (input.shape[axis] if input.ndim else 1):
        raise RuntimeError("selected index k out of range")
    return _TOPK(*Topk.apply(input, k, axis, largest))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """``(values, indices)`` of the ``k``-th smallest entry along ``dim``."""
    axis = input._wrap_dim(dim)
    _not_bool("kthvalue", input)
    _nonempty("kthvalue", input, axis)
    if not 1 <= k <= (input.shape[axis] if input.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    return _KTHVALUE(*Kthvalue.apply(input, k, axis, keepdim))


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median of all elements, or ``(values, indices)`` of the lower medians along ``dim``."""
    _not_bool("median", input)
    if dim is None:
        return Median.apply(input)
    axis = input._wrap_dim(dim)
    _nonempty("median", input, axis)
    return _MEDIAN(*MedianDim.apply(input, axis, keepdim))


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """``median`` ignoring NaN: of all elements, or ``(values, indices)`` along ``dim``."""
    _not_bool("nanmedian", input)
    if dim is None:
        return Nanmedian.apply(input)
    axis = input._wrap_dim(dim)
    _nonempty("nanmedian", input, axis)
    return _NANMEDIAN(*NanmedianDim.apply(input, axis, keepdim))


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of equally frequent ones)."""
    axis = input._wrap_dim(dim)
    _nonempty("mode", input, axis)
    return _MODE(*Mode.apply(input, axis, keepdim))


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    """Where each value of ``input`` would go in ``sorted_sequence`` (along its last dimension) to keep it sorted.

    Args:
        sorted_sequence: sorted along the last dimension; 1-dim, or with leading dims matching ``input``'s.
        input: the values (a tensor or a number).
        out_int32: int32 indices instead of int64.
        right, side: the last place among equal values (``right=True`` or ``side='right'``) instead of the first.
        sorter: indices that sort ``sorted_sequence``, when it is not sorted itself.
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"
            )
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    seq = sorted_sequence._data
    if scalar:
        # A number is wrapped as torch wraps an operand: converted (unchecked) to the type it promotes to with
        # the sequence, which is compared in that type too (0.1 is float32's 0.1 against a float32 sequence).
        dt = dtypes.result_type(sorted_sequence, input)
        values = sorted_sequence._xp.asarray(dtypes.cast_scalar(input, dt, checked=False))
        seq = seq.astype(dt.np_dtype, copy=False)
    else:
        values = input._data
    if seq.dtype.kind == "b" and values.dtype.kind == "b":
        raise NotImplementedError("\"searchsorted_out_cpu\" not implemented for 'Bool'")
    if sorter is not None:
        check_same_device([(0, sorted_sequence), (1, sorter)])
        seq = gather_along(seq, seq.ndim - 1, sorter._data)
    if not scalar:
        check_same_device([(0, sorted_sequence), (1, input)])
    if seq.ndim > 1 and (scalar or seq.shape[:-1] != values.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
            "tensor and input value tensor must match, but we got boundaries tensor "
            f"{list(seq.shape)} and input value tensor {list(values.shape)}"
        )
    return no_graph(lambda s, v: _positions(s, v, right).astype("int32" if out_int32 else "int64"), seq, values)


def _positions(seq: Any, values: Any, right: bool) -> Any:
    """Insertion points of ``values`` in the rows of ``seq`` (1-dim: one row for all values)."""
    xp = backend.array_module(seq)
    side = "right" if right else "left"
    if seq.ndim <= 1:
        return xp.searchsorted(seq.reshape(-1), values, side=side)
    # Row by row at once: merge each row with its values by one stable sort (values ahead of equal entries
    # for the left side, behind them for the right); a value's place is the number of entries merged before it.
    n_values = values.shape[-1]
    merged = xp.concatenate([seq, values] if right else [values, seq], axis=-1)
    order = stable_order(merged, merged.ndim - 1)
    is_entry = (order < seq.shape[-1]) if right else (order >= n_values)
    entries_before = xp.cumsum(is_entry, axis=-1)
    places = write_along(xp.zeros(merged.shape, dtype="int64"), merged.ndim - 1, order, entries_before)
    return places[..., seq.shape[-1] :] if right else places[..., :n_values]


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value of ``input`` among the sorted 1-dim ``boundaries`` (torch's ``right`` convention)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
