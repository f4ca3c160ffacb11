"""Writing along a dimension: scatter (src or value, add/multiply), scatter_add, scatter_reduce, index_add,
index_fill, index_copy, masked_scatter.

Each forward computes with the array helpers of ``along.py`` (``gather_along``, ``write_along``,
``scatter_along``); each backward with their differentiable twins in ``index.py`` (``read_along``,
``clear_along``, ``add_along``, ...: region ops, so that the gradient can be differentiated again), so
a backward reads as the formula torch documents for it. Masks and counts are constants of the
gradient: computed from ``array_of``.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend, dtypes
from ..autograd.function import Context, check_same_device
from ..backend import Array, backend_of
from ..tensor import Tensor
from .along import as_vector, gather_along, head, put_slices, scatter_along, write_along
from .along_grad import clear_along, clear_slices, padded_to, read_along, read_slices
from .base import Op, array_of, broadcast_shape, check_broadcast, namespace_of
from .regions import IndexRegion, ReadRegion

__all__ = [
    "index_add",
    "index_copy",
    "index_fill",
    "masked_scatter",
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
def _dtype_name(dt: dtypes.dtype) -> str:
    return dt._scalar_name


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


def _value(input: Tensor, value: Any) -> Any:
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
        raw = src._data if isinstance(src, Tensor) else _value(input, src)
        return ScatterWithReduce.apply(input, axis, index._data, raw, "sum" if reduce == "add" else "prod")
    if isinstance(src, Tensor):
        return Scatter.apply(input, axis, index._data, src)
    return ScatterValue.apply(input, axis, index._data, _value(input, src))


def _src_tensor(name: str, src: Any) -> None:
    if not isinstance(src, Tensor):
        raise TypeError(f"{name}(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` with ``src``'s entries added along ``dim`` at ``index`` (repeated indices accumulate)."""
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


def _flat_index(index: Tensor, axis: int, input: Tensor, negative: bool, error: type, prefix: str = "") -> Any:
    """``index`` flattened, with torch's out-of-range error (``negative``: indices from the end allowed)."""
    check_same_device([(0, input), (2, index)])
    flat = index._data.reshape(-1)
    size = input.shape[axis] if input.ndim else 1
    bad = flat[(flat < (-size if negative else 0)) | (flat >= size)]
    if bad.size:
        raise error(f"{prefix}index {int(bad[0])} is out of bounds for dimension {axis} with size {size}")
    return flat


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """``input`` plus ``alpha * source``'s slices added along ``dim`` at ``index`` (repeats accumulate)."""
    if index.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {_dtype_name(index.dtype)}")
    if index.ndim > 1:
        raise IndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
            f"{_dtype_name(index.dtype)} and size: {list(index.shape)}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"index_add_(): self ({_dtype_name(input.dtype)}) and source ({_dtype_name(source.dtype)}) "
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
            f"index_add_(): Number of indices ({index.numel()}) should be equal to source.size(dim): ({n}), "
            f"for dim: {axis}"
        )
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
    return IndexFill.apply(input, axis, flat, _value(input, value))


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with its slices along ``dim`` at ``index`` replaced by ``source``'s."""
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {_dtype_name(index.dtype)}")
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{_dtype_name(input.dtype)} and (source) {_dtype_name(source.dtype)}"
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
            f"masked_scatter_ only supports boolean masks, but got mask with dtype {_dtype_name(mask.dtype)}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got"
            f"{_dtype_name(input.dtype)} and {_dtype_name(source.dtype)}"
        )
    check_broadcast(mask, input)
    xp = input._xp
    if int(xp.broadcast_to(mask._data, broadcast_shape(input._data.shape, mask._data.shape)).sum()) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, mask._data, source)
