"""The extremes: max and min (of all elements, along a dim with the indices chosen, or of two tensors
elementwise), amax and amin over several dims, argmax and argmin.

A gradient goes to the elements chosen: along a dim, to the index returned; over all elements or
several dims (``max()``, ``amax``), shared evenly among the ties, as in torch.
"""

from __future__ import annotations

import collections
from typing import Any

from .. import backend, dtypes
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .along import grid_along
from .base import Op, array_of, masked_grad, no_graph
from .linalg_failures import named_result
from .reduce import Dims, normalize_dims
from .regions import IndexRegion, ScatterRegion
from .selection import maximum, minimum

__all__ = ["amax", "amin", "aminmax", "argmax", "argmin", "max", "min"]


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
        region = IndexRegion(grid_along(ctx.idx, ctx.axis))
        return ScatterRegion.call(grad.reshape(ctx.idx.shape), region, ctx.shape), None, None


class MinDim(MaxDim):
    """Min along one dimension, with the indices of the chosen elements."""

    node_name = "MinBackward0"
    reduce = "min"


class ReturnMinMax(collections.namedtuple("_MinMax", ["values", "indices"])):
    """``(values, indices)`` as torch.return_types names and prints them."""

    _op = "max"

    def __repr__(self) -> str:
        return f"torch.return_types.{self._op}(\nvalues={self.values!r},\nindices={self.indices!r})"


class _ReturnMin(ReturnMinMax):
    _op = "min"


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


AminmaxResult = named_result("aminmax", ["min", "max"])


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """(min, max) over ``dim`` (None: all elements), each with amin's and amax's gradient (ties share it)."""
    dims: Dims = () if dim is None else dim
    if input.numel() == 0 and (dim is None or input.shape[dim] == 0):
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity."
        )
    return AminmaxResult(amin(input, dims, keepdim), amax(input, dims, keepdim))


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
