"""Indexing: reading (``x[idx]``), writing (``x[idx] = v``) and in-place writes through views; the regions
these read, write and scatter into are in regions.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context, check_same_device
from ..autograd.grad_mode import is_grad_enabled
from ..backend import Array
from ..tensor import Tensor
from .along import grid_along
from .base import Op, check_broadcast, masked_grad, to_dtype
from .index_items import convert_index
from .regions import BasicRegion, FillRegion, IndexRegion, ReadRegion, ScatterRegion, ViewRegion, basic_view
from .selection import where
from .shape import mark_view

__all__ = [
    "gather",
    "getitem",
    "index_put",
    "index_put_",
    "index_select",
    "masked_fill",
    "rebase_view",
    "setitem",
    "unravel_index",
]


def _index_error(err: IndexError) -> IndexError:
    """numpy's indexing error, worded as torch words it."""
    msg = str(err).replace("axis", "dimension")
    many = re.match(r"too many indices for array: array is (\d+)-dimensional", msg)
    if many:
        msg = f"too many indices for tensor of dimension {many.group(1)}"
    if msg.startswith("shape mismatch: indexing arrays could not be broadcast together with shapes"):
        shapes = [f"[{', '.join(s for s in dims.split(',') if s.strip())}]" for dims in re.findall(r"\(([^)]*)\)", msg)]
        msg = f"shape mismatch: indexing tensors could not be broadcast together with shapes {', '.join(shapes)}"
    return IndexError(msg)


class Index(Op):
    """Read ``x[idx]``; the gradient is scattered back (repeated indices accumulate)."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, region: IndexRegion) -> Array:
        ctx.shape, ctx.region = x.shape, region
        try:
            return region.read(x)
        except IndexError as err:
            raise _index_error(err) from None

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return ScatterRegion.call(grad, ctx.region, ctx.shape), None


class Slice(Op):
    """Read a view ``x[idx]`` (ints, slices, None, ...); the gradient fills that region."""

    node_name = "SliceBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, idx: tuple) -> Array:
        ctx.shape, ctx.idx = x.shape, idx
        try:
            return basic_view(x, idx)
        except IndexError as err:
            raise _index_error(err) from None

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return ScatterRegion.call(grad, BasicRegion(ctx.idx), ctx.shape), None


class Select(Slice):
    """A view whose last step is an integer index (``x[i]``, ``x[:, i]``), named as torch names it."""

    node_name = "SelectBackward0"


class Unsqueeze(Slice):
    """A view whose last step is a new axis (``x[None]``, ``x[0, None]``), named as torch names it."""

    node_name = "UnsqueezeBackward0"


class Alias(Slice):
    """A view of all of ``x`` (``x[...]``, ``x[:, :]``), named as torch names it."""

    node_name = "AliasBackward0"


def _view_op(index: Any, idx: tuple, shape: tuple) -> type[Slice]:
    """The op of a basic index, named by torch's last step: its steps run left to right, a full slice inside a
    tuple and an Ellipsis are no step at all, and a lone slice is always one."""
    if isinstance(index, slice):
        return Slice
    op: type[Slice] = Alias
    dim, free = 0, len(shape) - sum(1 for i in idx if i is not None and i is not Ellipsis)
    for i in idx:
        if i is Ellipsis:
            dim += free
        elif i is None:
            op = Unsqueeze
        else:
            if isinstance(i, slice):
                if i.indices(shape[dim]) != (0, shape[dim], 1):
                    op = Slice
            else:
                op = Select
            dim += 1
    return op


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with torch's (numpy's) indexing rules; basic indexing returns a view."""
    idx, basic = convert_index(index, x)
    if x.ndim == 0 and any(isinstance(i, int) and not isinstance(i, bool) for i in idx):
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
        )
    if x.ndim == 0 and any(isinstance(i, slice) for i in idx):
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    if not basic:
        return Index.apply(x, IndexRegion(idx, x.ndim))
    return mark_view(_view_op(index, idx, x.shape).apply(x, idx), x, lambda a: basic_view(a, idx))


class CopySlices(Op):
    """``base`` with one region replaced by ``value``.

    Writing through an index, or in place through a view, becomes this op on the
    base tensor, so gradients reach both the old base and the written value.
    """

    @staticmethod
    def forward(ctx: Context, base: Array, value: Any, region: Any) -> Array:
        ctx.region = region
        out = base.copy()
        try:
            region.write(out, value)
        except IndexError as err:
            raise _index_error(err) from None
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return FillRegion.call(grad, ctx.region), ReadRegion.call(grad, ctx.region), None


class IndexPut(CopySlices):
    """``base`` with the elements an advanced index picks replaced by ``value`` (torch's index_put_)."""

    node_name = "IndexPutBackward0"


def setitem(x: Tensor, index: Any, value: Any, accumulate: bool = False) -> None:
    """``x[index] = value``: in place, differentiable for ``x`` and ``value`` (``accumulate``: ``+=`` with
    repeated indices summing, torch's ``index_put_(..., accumulate=True)``)."""
    idx, basic = convert_index(index, x)
    if isinstance(value, Tensor):
        if value.device != x.device:
            raise RuntimeError(f"expected device {x.device} but got device {value.device}")
        if value.dtype is not x.dtype:
            value = to_dtype(value, x.dtype)
    elif isinstance(value, (float, complex) + dtypes.INTEGER_SCALARS):  # torch's rule: not numpy's float32, bool
        if isinstance(value, dtypes.INTEGER_SCALARS) and not -(2**63) <= int(value) < 2**63:
            raise ValueError("Overflow when unpacking long long")
        # Checked as torch checks it, except float16, which it takes unchecked (1e300 becomes inf).
        value = dtypes.cast_scalar(value, x.dtype, checked=x.dtype is not dtypes.float16)
    else:
        kind = type(value)
        name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        raise TypeError(f"can't assign a {name} to a {x.dtype._tensor_type}")
    record = is_grad_enabled() and (x.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    if not record:
        x._check_inplace()
        raw = value._data if isinstance(value, Tensor) else value
        region = IndexRegion(idx, x.ndim)
        try:
            if accumulate:
                region.add(
                    x._data, x._xp.broadcast_to(x._xp.asarray(raw, dtype=x._data.dtype), region.read(x._data).shape)
                )
            else:
                region.write(x._data, raw)
        except IndexError as err:
            raise _index_error(err) from None
        except ValueError:
            raise _shape_mismatch(raw, region, x) from None
        x._bump_version()
        return
    if not isinstance(value, Tensor):
        value = Tensor._wrap(x._xp.asarray(value))
    region = IndexRegion(idx, x.ndim)
    op = IndexPutAccumulate if accumulate else CopySlices if basic else IndexPut  # torch's node for each
    try:
        x._inplace(lambda s: op.apply(s, value, region), value)
    except ValueError:  # the same check as above, when the graph is recorded
        raise _shape_mismatch(value._data, region, x) from None


class IndexPutAccumulate(Op):
    """``base`` with ``value`` added at an advanced index, repeated indices summing: the base's gradient passes
    through, the value's is the gradient read at the index."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx: Context, base: Array, value: Any, region: Any) -> Array:
        ctx.region = region
        out = base.copy()
        xp = backend.array_module(out)
        try:
            region.add(out, xp.broadcast_to(xp.asarray(value, dtype=out.dtype), region.read(out).shape))
        except IndexError as err:
            raise _index_error(err) from None
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad, ReadRegion.call(grad, ctx.region), None


def index_put_(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """``input[indices] = values`` in place (``accumulate``: added, repeated indices summing); ``indices`` is a
    tuple of index tensors, one per leading dimension."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(
            f"index_put_(): argument 'indices' (position 1) must be tuple of Tensors, not {type(indices).__name__}"
        )
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put_(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    setitem(input, tuple(indices), values, accumulate=accumulate)
    return input


def index_put(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """``index_put_`` on a copy of ``input``."""
    if autocast_mode.enabled_threads and autocast_mode.wants(index_put):
        return autocast_mode.run("index_put", index_put, input, indices, values, accumulate)
    return index_put_(input.clone(), indices, values, accumulate)


def _shape_mismatch(raw: Any, region: Any, x: Tensor) -> RuntimeError:
    return RuntimeError(
        f"shape mismatch: value tensor of shape {list(getattr(raw, 'shape', ()))} cannot be "
        f"broadcast to indexing result of shape {list(region.read(x._data).shape)}"
    )


class _ViewOf(Op):
    """Re-derive a view from its (rewritten) base, so the view joins the base's graph."""

    node_name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx: Context, base: Array, fn: Callable[[Any], Any]) -> Array:
        ctx.fn, ctx.shape = fn, base.shape
        return fn(base)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return ScatterRegion.call(grad, ViewRegion(ctx.fn), ctx.shape), None


def rebase_view(view: Tensor, result: Tensor) -> None:
    """After an in-place op on ``view`` was recorded as ``result``, move the change onto its base."""
    base, fn = view._base, view._view_fn
    assert base is not None and fn is not None  # a view: only views are rebased
    multi = getattr(view, "_multi_view", None)
    if multi is not None:  # torch cannot rebase one output of split/unbind/chunk; neither do we
        raise RuntimeError(
            f"Output {multi[0]} of {multi[1]} is a view and is being modified inplace. This view is "
            "the output of a function that returns multiple views. Such functions do not allow the "
            "output views to be modified inplace. You should replace the inplace operation by an "
            "out-of-place one."
        )
    if base.grad_fn is None and base.requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    new_base = CopySlices.apply(base, result, ViewRegion(fn))
    base._write(new_base._data)
    base.grad_fn, base._output_nr, base._requires_grad = new_base.grad_fn, 0, True
    again = _ViewOf.apply(base, fn)
    view.grad_fn, view._output_nr, view._requires_grad = again.grad_fn, 0, True


class MaskedFill(Op):
    """``x`` with a constant where ``mask`` is True; the gradient passes where it is False."""

    @staticmethod
    def forward(ctx: Context, x: Array, mask: Array, value: Any) -> Array:
        ctx.save_for_backward(mask)
        return backend.array_module(x).where(mask, value, x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (mask,) = ctx.saved_tensors
        return masked_grad(grad, ~mask), None, None


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` where ``mask`` is True."""
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    check_broadcast(mask, input)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
        )
    if isinstance(value, Tensor) and value.requires_grad:
        return where(mask, value.to(input.dtype), input)  # the value gets a gradient too
    if isinstance(value, Tensor):  # its number, converted as a number is (checked)
        value = input._xp.asarray(dtypes.cast_scalar(value.item(), input.dtype))
    elif dtypes.is_number(value):
        value = input._xp.asarray(dtypes.cast_scalar(value, input.dtype))  # checked; -1 still wraps into uint8
    else:
        raise TypeError(
            f"masked_fill() received an invalid combination of arguments - got (Tensor, "
            f"{type(value).__name__}), but expected one of:\n * (Tensor mask, Tensor value)\n"
            " * (Tensor mask, Number value)"
        )
    return MaskedFill.apply(input, mask._data, value)


class Gather(Op):
    """Values picked along ``axis`` by an index tensor of the output's shape."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array) -> Array:
        ctx.shape, ctx.grid = x.shape, grid_along(index, axis)
        return x.reshape(x.shape or (1,))[ctx.grid].reshape(index.shape)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        flat = grad.reshape(tuple(grad.shape) or (1,))
        out = ScatterRegion.call(flat, IndexRegion(ctx.grid), ctx.shape or (1,))  # repeated indices accumulate
        return out.reshape(ctx.shape), None, None


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` along ``dim`` (``index`` no larger than ``input`` elsewhere).

    Args:
        sparse_grad: must stay False: minitorch has no sparse tensors, so the gradient is always dense.
    """
    if sparse_grad:
        raise NotImplementedError("gather(sparse_grad=True): minitorch has no sparse tensors")
    if index.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    check_same_device([(0, input), (2, index)])
    axis = input._wrap_dim(dim)
    shape, ishape = tuple(input.shape) or (1,), tuple(index.shape) or (1,)
    if len(ishape) != len(shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d, (n, m) in enumerate(zip(shape, ishape)):
        if d != axis and m > n:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be no "
                f"larger than self {list(input.shape)} apart from dimension {axis}"
            )
    bad = index._data[(index._data < 0) | (index._data >= shape[axis])]
    if bad.size:
        raise RuntimeError(
            f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension {axis} with size {shape[axis]}"
        )
    return Gather.apply(input, axis, index._data)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Entries of ``input`` along ``dim`` at the positions in ``index`` (a vector or a scalar)."""
    if index.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = input._wrap_dim(dim)
    flat = index._data.reshape(-1)
    if flat.size and (flat.min() < 0 or flat.max() >= (input.shape[d] if input.ndim else 1)):
        raise IndexError("index out of range in self")
    if input.ndim == 0:
        if flat.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {flat.size} value(s)")
        return input.clone()
    return IndexSelect.apply(input, d, flat)


class IndexSelect(Op):
    """Entries along ``axis`` at ``index`` (a vector); repeated indices accumulate their gradients."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array) -> Array:
        ctx.shape, ctx.axis, ctx.index = x.shape, axis, index
        return backend.array_module(x).take(x, index, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        region = IndexRegion((slice(None),) * ctx.axis + (ctx.index,))
        return ScatterRegion.call(grad, region, ctx.shape), None, None


def unravel_index(indices: Tensor, shape: Any) -> tuple:
    """The coordinates in a tensor of ``shape`` of each flat (C-order) index: one int64 tensor per dimension."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be a Tensor, but got {type(indices).__name__}")
    if indices.dtype.is_floating_point or indices.dtype is dtypes.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    sizes = (int(shape),) if isinstance(shape, int) else tuple(int(n) for n in shape)
    if any(n < 0 for n in sizes):
        raise ValueError("'shape' cannot have negative values, but got " + str(sizes))
    flat = indices._data.astype("int64")
    coords = []
    for n in reversed(sizes):  # the last dimension varies fastest
        coords.append(flat % n if n else flat * 0)
        flat = flat // n if n else flat
    return tuple(Tensor._wrap(c) for c in reversed(coords))
