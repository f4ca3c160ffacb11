"""Reductions: sum, mean, max, min, amax, amin, argmax, argmin, var, std, prod."""

from __future__ import annotations

import builtins
import collections
from collections.abc import Sequence
from typing import Any, Union

from .. import backend, dtypes
from ..autograd.function import Context
from ..backend import Array, backend_of
from ..tensor import Tensor
from .base import Op, array_of, float_operand, is_tensor, masked_grad, namespace_of, no_graph, to_dtype
from .index import IndexRegion, ScatterRegion
from .selection import maximum, minimum

__all__ = ["amax", "amin", "argmax", "argmin", "max", "mean", "min", "prod", "std", "sum", "var"]

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
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return _expand_back(grad / ctx.count, ctx.shape, ctx.axes, ctx.keepdim), None, None


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


class MaxAll(Op):
    """The largest element; ties share the gradient evenly (torch's rule)."""

    node_name = "MaxBackward1"
    reduce = "max"

    @classmethod
    def forward(cls, ctx: Context, x: Array) -> Array:
        if x.size == 0:
            raise RuntimeError(
                f"{cls.reduce}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        out = backend.array_module(x).asarray(x.max() if cls.reduce == "max" else x.min())
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        x, out = ctx.saved_tensors
        x, out = array_of(x), array_of(out)  # which elements are the extreme: constants of the gradient
        xp = backend.array_module(x)
        hit = xp.where(xp.isnan(out), xp.isnan(x), x == out)  # torch: a NaN result comes from the NaNs
        # Shared evenly among the ties and 0 elsewhere, even for an inf or NaN gradient (torch fills zeros).
        return masked_grad(grad / xp.asarray(hit.sum(), dtype=x.dtype), hit)


class MinAll(MaxAll):
    """The smallest element; ties share the gradient evenly."""

    node_name = "MinBackward1"
    reduce = "min"


class Amax(Op):
    """Max over ``axes`` (None: all); ties share the gradient evenly, as torch's amax."""

    reduce = "max"

    @classmethod
    def forward(cls, ctx: Context, x: Array, axes: tuple | None, keepdim: bool) -> Array:
        for a in range(x.ndim) if axes is None else axes:
            if x.shape[a] == 0:
                if axes is None:
                    raise RuntimeError(
                        f"a{cls.reduce}(): Expected reduction dim to be specified for input.numel() == 0. "
                        "Specify the reduction dim with the 'dim' argument."
                    )
                raise IndexError(f"a{cls.reduce}(): Expected reduction dim {a} to have non-zero size.")
        out = getattr(x, cls.reduce)(axis=axes, keepdims=True)
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        if not keepdim:
            out = out.reshape(_reduced_shape(x.shape, axes))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, out = ctx.saved_tensors
        kept = _kept_shape(ctx.shape, ctx.axes)
        hit = array_of(x) == array_of(out).reshape(kept)  # which elements are the maximum: a constant
        return grad.reshape(kept) * hit / hit.sum(axis=ctx.axes, keepdims=True), None, None


class Amin(Amax):
    """Min over ``axes`` (None: all); ties share the gradient evenly."""

    reduce = "min"


def _reduced_shape(shape: tuple, axes: tuple | None) -> tuple:
    return tuple(s for i, s in enumerate(shape) if axes is not None and i not in axes)


def _kept_shape(shape: tuple, axes: tuple | None) -> tuple:
    """``shape`` reduced over ``axes`` (None: all) with the reduced dims kept as 1s."""
    return tuple(1 if axes is None or i in axes else s for i, s in enumerate(shape))


class MaxDim(Op):
    """Max along one dimension, with the indices of the chosen elements."""

    node_name = "MaxBackward0"
    reduce = "max"

    @classmethod
    def forward(cls, ctx: Context, x: Array, axis: int, keepdim: bool) -> tuple:
        xp = backend.array_module(x)
        if x.shape[axis] == 0 if x.ndim else False:
            raise IndexError(f"{cls.reduce}(): Expected reduction dim {axis} to have non-zero size.")
        idx = (
            (xp.argmax if cls.reduce == "max" else xp.argmin)(x, axis=axis, keepdims=True)
            if x.ndim
            else xp.zeros((), dtype=xp.int64)
        )
        vals = xp.take_along_axis(x, idx, axis=axis) if x.ndim else x.copy()
        ctx.shape, ctx.axis, ctx.idx = x.shape, axis, idx
        if not keepdim and x.ndim:
            vals, idx = vals.squeeze(axis), idx.squeeze(axis)
        idx = idx.astype(xp.int64)
        ctx.mark_non_differentiable(idx)
        return vals, idx

    @staticmethod
    def backward(ctx: Context, grad: Array, _grad_idx: Array) -> tuple:
        if not ctx.shape:
            return grad, None, None
        # Each value's gradient goes back to the position it came from: a scatter into zeros.
        grid = list(backend.array_module(ctx.idx).indices(ctx.idx.shape, sparse=True))
        grid[ctx.axis] = ctx.idx
        region = IndexRegion(tuple(grid))
        return ScatterRegion.call(grad.reshape(ctx.idx.shape), region, ctx.shape), None, None


class MinDim(MaxDim):
    """Min along one dimension, with the indices of the chosen elements."""

    node_name = "MinBackward0"
    reduce = "min"


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


def _twice_inverse(denom: float) -> float:
    """2 / denom, infinite (as in torch) when the correction leaves no degrees of freedom."""
    return 2.0 / denom if denom > 0 else float("inf")


class ReturnMinMax(collections.namedtuple("_MinMax", ["values", "indices"])):
    """``(values, indices)`` as torch.return_types names and prints them."""

    _op = "max"

    def __repr__(self) -> str:
        return f"torch.return_types.{self._op}(\nvalues={self.values!r},\nindices={self.indices!r})"


class _ReturnMin(ReturnMinMax):
    _op = "min"


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


def _name(dt: dtypes.dtype) -> str:
    return {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte", "int16": "Short", "int8": "Char"}.get(
        dt.name, dt.name
    )


def _minmax(kind: str, input: Tensor, dim: Any, keepdim: bool) -> Any:
    if isinstance(dim, Tensor):  # max(a, b): the elementwise form
        return (maximum if kind == "max" else minimum)(input, dim)
    if dim is None:
        return (MaxAll if kind == "max" else MinAll).apply(input)
    (axis,) = normalize_dims(dim, input.ndim) or (0,)
    vals, idx = (MaxDim if kind == "max" else MinDim).apply(input, axis, keepdim)
    return (ReturnMinMax if kind == "max" else _ReturnMin)(vals, idx)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Largest element, or ``(values, indices)`` along ``dim``, or the elementwise max of two tensors."""
    return _minmax("max", input, dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Smallest element, or ``(values, indices)`` along ``dim``, or the elementwise min of two tensors."""
    return _minmax("min", input, dim, keepdim)


def amax(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """Max over one or more dims (gradient split evenly among ties)."""
    return Amax.apply(input, normalize_dims(dim, input.ndim), keepdim)


def amin(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """Min over one or more dims (gradient split evenly among ties)."""
    return Amin.apply(input, normalize_dims(dim, input.ndim), keepdim)


def _arg(kind: str, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    xp = input._xp
    fn = xp.argmax if kind == "max" else xp.argmin
    if input.dtype is dtypes.bool_:
        raise RuntimeError(f"arg{kind}(): does not support bool input")
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"arg{kind}(): Expected reduction dim to be specified for input.numel() == 0.")
        res = fn(input._data.reshape(-1))
        return no_graph(lambda r: xp.asarray(r, dtype=xp.int64).reshape((1,) * input.ndim if keepdim else ()), res)
    (axis,) = normalize_dims(dim, input.ndim) or (0,)
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f"arg{kind}(): Expected reduction dim {axis} to have non-zero size.")
    if input.ndim == 0:
        return no_graph(lambda: xp.zeros((), dtype=xp.int64))
    return no_graph(lambda a: fn(a, axis=axis, keepdims=keepdim).astype(xp.int64), input._data)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor, or along ``dim``)."""
    return _arg("max", input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor, or along ``dim``)."""
    return _arg("min", input, dim, keepdim)


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


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Product of elements; differentiable as exp-free products of the others."""
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
