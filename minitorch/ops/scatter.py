"""Writing along a dimension at an index of the input's rank: scatter (src or value, add/multiply), scatter_add,
scatter_reduce (slices by a vector of indices: index_write.py).

Each forward computes with the array helpers of ``along.py`` (``gather_along``, ``write_along``,
``scatter_along``); each backward with their differentiable twins in ``along_grad.py`` (``read_along``,
``clear_along``, ``add_along``, ...: the region ops of ``regions.py``, so that the gradient can be
differentiated again), so
a backward reads as the formula torch documents for it. Masks and counts are constants of the
gradient: computed from ``array_of``.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context, check_same_device
from ..backend import Array
from ..tensor import Tensor
from .along import as_vector, gather_along, head, scatter_along, write_along
from .along_grad import clear_along, padded_to, read_along
from .base import Op, array_of, namespace_of

__all__ = [
    "scatter",
    "scatter_add",
    "scatter_reduce",
]

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


# ------------------------------------------------------------------------------------------ ops
class Scatter(Op):
    """``x`` with ``src``'s entries written along ``axis`` at ``index``; the overwritten entries get no gradient."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array, src: Array) -> Array:
        ctx.axis, ctx.index, ctx.src_shape = axis, index, src.shape
        return write_along(x, axis, index, head(src, index.shape))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        g_src = padded_to(read_along(grad, ctx.axis, ctx.index), ctx.src_shape)
        return clear_along(grad, ctx.axis, ctx.index), None, None, g_src


class ScatterValue(Op):
    """``x`` with a constant written along ``axis`` at ``index``."""

    node_name = "ScatterBackward1"

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array, value: Any) -> Array:
        ctx.axis, ctx.index = axis, index
        return write_along(x, axis, index, value)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return clear_along(grad, ctx.axis, ctx.index), None, None, None


class ScatterAdd(Op):
    """``x`` plus ``src``'s entries added along ``axis`` at ``index`` (repeated indices accumulate)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array, src: Array) -> Array:
        ctx.axis, ctx.index, ctx.src_shape = axis, index, src.shape
        return scatter_along(x, axis, index, head(src, index.shape), "sum")

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad, None, None, padded_to(read_along(grad, ctx.axis, ctx.index), ctx.src_shape)


class ScatterReduce(Op):
    """``x`` with ``src``'s entries reduced (sum, prod, mean, amax, amin) into it along ``axis`` at ``index``."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array, src: Array, reduce: str, include_self: bool) -> Array:
        ctx.axis, ctx.index, ctx.reduce, ctx.include_self = axis, index, reduce, include_self
        out = scatter_along(
            x, axis, index, head(src, index.shape), "a" + reduce if reduce in ("max", "min") else reduce, include_self
        )
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, src, out = ctx.saved_tensors
        axis, index, reduce, include_self = ctx.axis, ctx.index, ctx.reduce, ctx.include_self
        if reduce not in REDUCTIONS:
            raise RuntimeError(
                f"Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', 'amin' but got {reduce}."
            )
        raw = backend.array_module(array_of(grad))  # for the constants: counts and masks
        dtype = array_of(grad).dtype
        src_h = head(src, tuple(index.shape)).reshape(tuple(index.shape))
        if reduce == "sum":
            g_x, g_src = grad, read_along(grad, axis, index)
        elif reduce == "mean":
            ones = raw.ones(index.shape, dtype=dtype)
            count = scatter_along(raw.full(tuple(grad.shape), float(include_self), dtype), axis, index, ones, "sum")
            g_x = grad / raw.where(count == 0, 1, count)
            g_src = read_along(g_x, axis, index)
        elif reduce == "prod":
            g_x, g_src = _prod_grads(x, src_h, out, grad, axis, index, include_self)
        else:  # amax, amin: ties share the gradient evenly
            x_won = array_of(x) == array_of(out)
            src_won = array_of(src_h) == gather_along(array_of(out), axis, index)
            ties = scatter_along(x_won.astype(dtype), axis, index, src_won.astype(dtype), "sum")
            share = grad / ties
            g_x, g_src = x_won * share, src_won * read_along(share, axis, index)
        if not include_self:
            g_x = clear_along(g_x, axis, index)
        return g_x, None, None, padded_to(g_src, tuple(src.shape)), None, None


def _prod_grads(x: Any, src: Any, out: Any, grad: Any, axis: int, index: Any, include_self: bool) -> tuple:
    """Gradients of a scatter-product, as torch computes them: the product of the others, by division where
    the factor is non-zero, and by a product with the zero left out where one factor alone is zero. The
    products of the others are scatter-products again (``ScatterReduce.call``), so this differentiates too."""
    xp, raw = namespace_of(x, src, grad), backend.array_module(array_of(grad))
    x_zero, src_zero = array_of(x) == 0, array_of(src) == 0
    x_nz = xp.where(x_zero, 1, x)
    g_x = grad * ScatterReduce.call(x_nz, axis, index, src, "prod", include_self) / x_nz
    zero_count = scatter_along(raw.zeros(array_of(x).shape), axis, index, src_zero.astype(float), "sum")
    lone_zero = src_zero & (gather_along(zero_count, axis, index) == 1)
    without = ScatterReduce.call(x, axis, index, xp.where(lone_zero, 1, src), "prod", include_self)
    g_src = xp.where(
        lone_zero,
        read_along(grad * without, axis, index),
        read_along(grad * out, axis, index) / xp.where(src_zero, 1, src),
    )
    return g_x, g_src


class ScatterWithReduce(Op):
    """scatter's deprecated ``reduce='add'|'multiply'`` form, which torch does not differentiate."""

    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, index: Array, src: Any, reduce: str) -> Array:
        xp = backend.array_module(x)
        values = head(src, index.shape) if src.ndim else xp.full(as_vector(index).shape, src, dtype=x.dtype)
        return scatter_along(x, axis, index, values, reduce)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        raise RuntimeError("derivative for aten::scatter is not implemented")


# ------------------------------------------------------------------------------ public functions
def _scatter_checks(name: str, input: Tensor, dim: int, index: Tensor, src: Any) -> int:
    """The axis; torch's errors for index dtype, rank, sizes and range, and for src's dtype."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}")
    if index.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    check_same_device([(0, input), (2, index)] + ([(3, src)] if isinstance(src, Tensor) else []))
    axis = input._wrap_dim(dim)
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    ndim = max(input.ndim, 1)
    if max(index.ndim, 1) != ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor) and max(src.ndim, 1) != ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    shape, ishape = tuple(input.shape) or (1,), tuple(index.shape) or (1,)
    sshape = (tuple(src.shape) or (1,)) if isinstance(src, Tensor) else None
    too_big = any(d != axis and m > n for d, (n, m) in enumerate(zip(shape, ishape)))
    if sshape is not None and (too_big or any(m > n for n, m in zip(sshape, ishape))):
        raise RuntimeError(
            f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} apart from "
            f"dimension {axis} and to be no larger size than src {list(src.shape)}"
        )
    if too_big:
        raise RuntimeError(
            f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} apart from "
            f"dimension {axis}"
        )
    _check_range(index._data, shape[axis], axis)
    return axis


def _check_range(index: Any, size: int, axis: int) -> None:
    bad = index[(index < 0) | (index >= size)]
    if bad.size:
        raise RuntimeError(f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension {axis} with size {size}")


def fill_value(input: Tensor, value: Any) -> Any:
    """A Python number (or a 0-dim tensor's) converted to ``input``'s dtype as torch converts a fill value:
    straight from the number, with torch's overflow error (uint8 300, int 1e300, float16 1e6)."""
    v = value.item() if isinstance(value, Tensor) else value
    return input._xp.asarray(dtypes.cast_scalar(v, input.dtype))


def scatter(
    input: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, *, reduce: str | None = None
) -> Tensor:
    """``input`` with ``src``'s entries (or ``value``) written along ``dim`` at ``index``.

    Args:
        input: the tensor written into (a new tensor is returned).
        dim: the dimension ``index`` addresses.
        index: int64/int32 indices, of ``input``'s rank, no larger than ``input`` (or ``src``) elsewhere.
        src: the tensor whose entries are written (or a number, meaning ``value``).
        value: the number written, when there is no ``src``.
        reduce: ``'add'`` or ``'multiply'`` to combine with the entries already there (not differentiable).
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required positional argument: 'src' or 'value'")
    axis = _scatter_checks("scatter", input, dim, index, src)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):
            warnings.warn(
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a future "
                "PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                stacklevel=2,
            )
        raw = src._data if isinstance(src, Tensor) else fill_value(input, src)
        return ScatterWithReduce.apply(input, axis, index._data, raw, "sum" if reduce == "add" else "prod")
    if isinstance(src, Tensor):
        return Scatter.apply(input, axis, index._data, src)
    return ScatterValue.apply(input, axis, index._data, fill_value(input, src))


def _src_tensor(name: str, src: Any) -> None:
    if not isinstance(src, Tensor):
        raise TypeError(f"{name}(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` with ``src``'s entries added along ``dim`` at ``index`` (repeated indices accumulate)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(scatter_add):
        return autocast_mode.run("scatter_add", scatter_add, input, dim, index, src)
    _src_tensor("scatter_add", src)
    axis = _scatter_checks("scatter", input, dim, index, src)
    return ScatterAdd.apply(input, axis, index._data, src)


def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """``input`` with ``src``'s entries reduced into it along ``dim`` at ``index``.

    Args:
        reduce: ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``.
        include_self: whether ``input``'s own entries at the written places take part in the reduction.
    """
    _src_tensor("scatter_reduce", src)
    if reduce not in REDUCTIONS + ("max", "min"):  # torch's forward also takes the old names max and min
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    axis = _scatter_checks("scatter", input, dim, index, src)
    return ScatterReduce.apply(input, axis, index._data, src, reduce, include_self)
