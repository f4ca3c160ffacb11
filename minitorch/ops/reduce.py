"""Reductions: sum, sum_to_size, mean, var, std, prod (the extremes, max, min and their arg and a- forms: extrema.py)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Union

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, backend_of
from ..tensor import Tensor
from .base import Op, array_of, float_operand, is_tensor, masked_grad, namespace_of, no_graph, to_dtype

__all__ = ["mean", "nanmean", "nansum", "prod", "std", "std_mean", "sum", "sum_to_size", "var", "var_mean"]

Dims = Union[int, Sequence[int], None]


def normalize_dims(dim: Dims, ndim: int) -> tuple | None:
    """``dim`` as a sorted tuple of non-negative axes (None means all), with torch's range error."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:  # torch reads an empty dim list as "every dimension"
        return None
    n = builtins.max(ndim, 1)
    out = []
    for d in dims:
        if not -n <= d <= n - 1:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        out.append(d % n)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return tuple(sorted(out)) if ndim > 0 else ()


def _expand_back(grad: Any, shape: tuple, axes: tuple | None, keepdim: bool) -> Any:
    """Broadcast a reduced gradient back to the input's shape."""
    if axes is None and not keepdim and not is_tensor(grad) and grad.ndim == 0:  # a whole sum's: one value
        return backend_of(grad).strided_view(grad, shape, (0,) * len(shape))
    xp = namespace_of(grad)
    if axes is not None and not keepdim:
        grad = xp.expand_dims(grad, axes) if axes else grad
    elif axes is None and not keepdim:
        grad = grad.reshape((1,) * len(shape))
    return xp.broadcast_to(grad, shape)


class Sum(Op):
    """Sum over ``axes`` (None: all)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axes: tuple | None, keepdim: bool, np_dtype: Any) -> Array:
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return _expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim), None, None, None


class Mean(Op):
    """Mean over ``axes`` (None: all)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axes: tuple | None, keepdim: bool) -> Array:
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.count = _count(x.shape, axes)
        if ctx.count == 0:  # torch's mean of nothing is NaN, silently (numpy's warns)
            return x.sum(axis=axes, keepdims=keepdim) * float("nan")
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return _expand_back(grad / ctx.count, ctx.shape, ctx.axes, ctx.keepdim), None, None


class Nansum(Op):
    """Sum over ``axes`` (None: all) with NaN counted as 0; a NaN's gradient is 0."""

    @staticmethod
    def forward(ctx: Context, x: Array, axes: tuple | None, keepdim: bool) -> Array:
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.save_for_backward(x)
        return backend.array_module(x).nansum(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x = array_of(ctx.saved_tensors[0])
        return masked_grad(_expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim), x == x), None, None


class SumDim(Sum):
    """Sum over given dims, named as torch names that overload."""

    node_name = "SumBackward1"


class MeanDim(Mean):
    """Mean over given dims, named as torch names that overload."""

    node_name = "MeanBackward1"


def _count(shape: tuple, axes: tuple | None) -> int:
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


class Var(Op):
    """Variance with Bessel's ``correction`` (1 by default, as torch)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axes: tuple | None, correction: float, keepdim: bool) -> Array:
        n = _count(x.shape, axes)
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        ctx.save_for_backward(x, centered)
        ctx.shape, ctx.axes, ctx.keepdim, ctx.denom = x.shape, axes, keepdim, builtins.max(n - correction, 0)
        return ((centered * centered).sum(axis=axes, keepdims=keepdim) / ctx.denom).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, centered = ctx.saved_tensors
        if centered is None:  # under create_graph: recomputed from x, on the graph
            centered = x - namespace_of(x).mean(x, axis=ctx.axes, keepdims=True)
        g = _expand_back(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return g * _twice_inverse(ctx.denom) * centered, None, None, None


class Std(Op):
    """Standard deviation with Bessel's ``correction``."""

    @staticmethod
    def forward(ctx: Context, x: Array, axes: tuple | None, correction: float, keepdim: bool) -> Array:
        xp = backend.array_module(x)
        n = _count(x.shape, axes)
        centered = x - x.mean(axis=axes, keepdims=True)
        ctx.shape, ctx.axes, ctx.keepdim, ctx.denom = x.shape, axes, keepdim, builtins.max(n - correction, 0)
        out = xp.sqrt((centered * centered).sum(axis=axes, keepdims=keepdim) / ctx.denom).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, centered, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, centered, out = ctx.saved_tensors
        xp = namespace_of(grad, x)
        if centered is None:  # under create_graph: recomputed from x, on the graph
            centered = x - xp.mean(x, axis=ctx.axes, keepdims=True)
        # d std = d var / (2 std); torch takes it as 0 where std is 0 (constant input).
        g = _expand_back(xp.where(array_of(out) == 0, 0, grad / (2 * out)), ctx.shape, ctx.axes, ctx.keepdim)
        return g * _twice_inverse(ctx.denom) * centered, None, None, None


class VarMean(Op):
    """(variance, mean) over ``axes`` in one node, as torch's var_mean: the gradient is the spread's plus the mean's."""

    spread: type[Op] = Var

    @classmethod
    def forward(cls, ctx: Context, x: Array, axes: tuple | None, correction: float, keepdim: bool) -> tuple:
        spread = cls.spread.forward(ctx, x, axes, correction, keepdim)  # (its context: shape, axes, denom, saved)
        ctx.count = _count(x.shape, axes)
        return spread, backend.array_module(x).asarray(x.mean(axis=axes, keepdims=keepdim))

    @classmethod
    def backward(cls, ctx: Context, g_spread: Array, g_mean: Array) -> tuple:
        gx = cls.spread.backward(ctx, g_spread)[0]
        return gx + _expand_back(g_mean / ctx.count, ctx.shape, ctx.axes, ctx.keepdim), None, None, None


class StdMean(VarMean):
    """(standard deviation, mean) over ``axes`` in one node, as torch's std_mean."""

    spread = Std


def _twice_inverse(denom: float) -> float:
    """2 / denom, infinite (as in torch) when the correction leaves no degrees of freedom."""
    return 2.0 / denom if denom > 0 else float("inf")


def sum(
    input: Tensor,
    dim: Dims = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Dims = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Sum of elements (over ``dim`` when given); bools and integers sum to int64.

    ``axis`` and ``keepdims`` are numpy's spellings of ``dim`` and ``keepdim``, which torch accepts too.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(sum):
        return autocast_mode.run("sum", sum, input, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)
    if dim is None and axis is None and dtype is None and keepdims is None and input._data.dtype.kind == "f":
        return Sum.apply(input, None, keepdim, None)  # the loss's sum: all of a floating tensor
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    axes = normalize_dims(dim, input.ndim)
    if dtype is not None:
        out_dt = dtypes.as_dtype(dtype)
    elif input.dtype.is_floating_point:
        out_dt = input.dtype
    else:
        out_dt = dtypes.int64
    if not out_dt.is_floating_point:
        return no_graph(lambda a: a.sum(axis=axes, keepdims=keepdim, dtype=out_dt.np_dtype), input._data)
    return (Sum if axes is None else SumDim).apply(to_dtype(input, out_dt), axes, keepdim, None)


def mean(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean of elements (over ``dim`` when given); floating inputs only, as torch."""
    if dtype is not None:
        input = to_dtype(input, dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_name(input.dtype)}"
        )
    axes = normalize_dims(dim, input.ndim)
    return (Mean if axes is None else MeanDim).apply(input, axes, keepdim)


def nansum(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of elements (over ``dim`` when given) counting NaN as zero; bools and integers sum to int64."""
    if dtype is not None:
        input = to_dtype(input, dtype)
    if not input.dtype.is_floating_point:
        return sum(input, dim, keepdim)  # nothing to skip
    return Nansum.apply(input, normalize_dims(dim, input.ndim), keepdim)


def nanmean(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean of the elements that are not NaN (over ``dim`` when given): torch's nansum over the count."""
    if dtype is not None:
        input = to_dtype(input, dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"nanmean(): expected input to have floating point or complex dtype but got {_name(input.dtype)}"
        )
    kept = no_graph(lambda a: a == a, input._data)
    return nansum(input, dim, keepdim) / sum(kept, dim, keepdim)


def _name(dt: dtypes.dtype) -> str:
    return {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte", "int16": "Short", "int8": "Char"}.get(
        dt.name, dt.name
    )


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None:
        return float(correction)
    if isinstance(unbiased, bool):
        return 1.0 if unbiased else 0.0
    return 1.0


def _var_args(dim: Any, unbiased: Any) -> tuple:
    # torch accepts var(x, True) meaning unbiased, and var(x, dim) meaning the dims.
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


def var(
    input: Tensor, dim: Dims = None, unbiased: Any = None, keepdim: bool = False, *, correction: float | None = None
) -> Tensor:
    """Variance over ``dim`` (all when None) with ``correction`` (default 1, Bessel's)."""
    dim, unbiased = _var_args(dim, unbiased)
    x = float_operand(input)
    return Var.apply(x, normalize_dims(dim, x.ndim), _correction(unbiased, correction), keepdim)


def std(
    input: Tensor, dim: Dims = None, unbiased: Any = None, keepdim: bool = False, *, correction: float | None = None
) -> Tensor:
    """Standard deviation over ``dim`` (all when None) with ``correction`` (default 1)."""
    dim, unbiased = _var_args(dim, unbiased)
    x = float_operand(input)
    return Std.apply(x, normalize_dims(dim, x.ndim), _correction(unbiased, correction), keepdim)


def var_mean(
    input: Tensor, dim: Dims = None, unbiased: Any = None, keepdim: bool = False, *, correction: float | None = None
) -> tuple:
    """(variance, mean) over ``dim`` (all when None) with ``correction`` (default 1), as one node."""
    dim, unbiased = _var_args(dim, unbiased)
    x = float_operand(input)
    return VarMean.apply(x, normalize_dims(dim, x.ndim), _correction(unbiased, correction), keepdim)


def std_mean(
    input: Tensor, dim: Dims = None, unbiased: Any = None, keepdim: bool = False, *, correction: float | None = None
) -> tuple:
    """(standard deviation, mean) over ``dim`` (all when None) with ``correction`` (default 1), as one node."""
    dim, unbiased = _var_args(dim, unbiased)
    x = float_operand(input)
    return StdMean.apply(x, normalize_dims(dim, x.ndim), _correction(unbiased, correction), keepdim)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Product of elements; differentiable as exp-free products of the others."""
    if autocast_mode.enabled_threads and autocast_mode.wants(prod):
        return autocast_mode.run("prod", prod, input, dim, keepdim)
    x = input if input.dtype.is_floating_point else to_dtype(input, dtypes.int64)  # bool/int products are int64
    if dim is None:
        return Prod.apply(x, None, False)
    (axis,) = normalize_dims(dim, input.ndim) or (0,)
    return ProdDim.apply(x, axis if input.ndim else None, keepdim)


class Prod(Op):
    """Product along one axis (None: of all elements); the gradient of each factor is the product of the others."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int | None, keepdim: bool) -> Array:
        xp = backend.array_module(x)
        out = xp.asarray(xp.prod(x, axis=axis, keepdims=keepdim and axis is not None))
        ctx.save_for_backward(x, out)
        ctx.axis, ctx.keepdim, ctx.shape = axis, keepdim, x.shape
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, out = ctx.saved_tensors
        raw = array_of(x)
        if raw.ndim == 0:
            return grad, None, None
        xp = namespace_of(grad, x)
        if ctx.axis is None:  # all elements: the same along the flattened array
            x, raw, axis, g, out = x.reshape((-1,)), raw.reshape(-1), 0, grad.reshape((1,)), out.reshape((1,))
        else:
            axis = ctx.axis
            g, out = (grad, out) if ctx.keepdim else (xp.expand_dims(grad, axis), xp.expand_dims(out, axis))
        zeros = int((raw == 0).sum())
        if zeros > 1 and ctx.axis is None:  # every other-factors product holds a zero: torch's zeros (constants)
            return xp.zeros_like(x).reshape(tuple(ctx.shape)), None, None
        if zeros:  # torch's product of the others, by cumulative products (an op: differentiable again)
            return (g * OthersProduct.call(x, axis)).reshape(tuple(ctx.shape)), None, None
        # No zero: torch's result / x (its roundings, and its NaN for an infinite factor), the result on the graph.
        return (g * (out / x)).reshape(tuple(ctx.shape)), None, None


class ProdDim(Prod):
    """Product along one dimension (torch's second prod overload)."""

    node_name = "ProdBackward1"


class OthersProduct(Op):
    """For each element, the product of the others along ``axis``: the gradient of a product (no division,
    so zeros work), as an op of its own so that it is differentiable again."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int) -> Array:
        xp = backend.array_module(x)
        ctx.save_for_backward(x)
        ctx.axis = axis
        if x.size == 0:
            return xp.zeros_like(x)
        # Exclusive cumulative products from both ends.
        ones = xp.ones_like(xp.take(x, [0], axis=axis))
        left = xp.cumprod(xp.concatenate([ones, xp.take(x, range(x.shape[axis] - 1), axis=axis)], axis=axis), axis=axis)
        rev = xp.flip(x, axis=axis)
        right = xp.cumprod(
            xp.concatenate([ones, xp.take(rev, range(x.shape[axis] - 1), axis=axis)], axis=axis), axis=axis
        )
        return left * xp.flip(right, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        # d(others_i)/dx_k is the product of all but x_i and x_k (i != k): the others' product of a row
        # where x_k is replaced by 1, one such row per k; summed against grad over i != k.
        (x,) = ctx.saved_tensors
        xp = namespace_of(x, grad)
        n = x.shape[ctx.axis]
        eye = backend.array_module(array_of(x)).eye(n, dtype=bool)
        rows = xp.expand_dims(xp.moveaxis(x, ctx.axis, -1), -2)  # (..., 1, n)
        rows = xp.where(eye, 1, xp.broadcast_to(rows, tuple(rows.shape[:-2]) + (n, n)))  # (..., k, j)
        pairs = OthersProduct.call(rows, rows.ndim - 1)  # (..., k, i): product over j not in {i, k}
        g = xp.expand_dims(xp.moveaxis(grad, ctx.axis, -1), -2)  # (..., 1, i)
        gx = xp.sum(pairs * g * ~eye, axis=-1)  # (..., k)
        return xp.moveaxis(gx, -1, ctx.axis), None


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """``Tensor.sum_to_size``: ``input`` summed down to ``size``, a shape that broadcasts to ``input``'s (the
    reverse of ``expand``); ``input`` itself when it already has that shape.

    Args:
        input: the tensor summed.
        size: the target shape (ints, or one sequence of them).
    """
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    shape = tuple(int(s) for s in (size[0] if len(size) == 1 and not isinstance(size[0], int) else size))
    have = tuple(input.shape)
    lead = len(have) - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, have[lead:])):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(have)}}}.")
    if shape == have:
        return input
    dims = tuple(range(lead)) + tuple(lead + d for d, (s, n) in enumerate(zip(shape, have[lead:])) if s == 1 and n != 1)
    return sum(input, dims, keepdim=True).view(shape)  # (summed with keepdim, then viewed: torch's graph)
