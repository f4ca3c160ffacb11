"""numpy's functions over tensors, as differentiable minitorch ops: the namespace a backward computes
with under ``create_graph``.

An op's backward is written once, with operators and ``xp = namespace_of(grad, ...)``. On raw
arrays ``xp`` is numpy (or cupy); on tensors it is this module, so ``xp.sum(g, axis=1,
keepdims=True)`` or ``xp.where(mask, g, 0)`` record the graph of the backward. Each function takes
numpy's arguments (``axis``, ``keepdims``, ``axes``), accepts numbers and raw arrays (constants)
beside tensors, and exists only because some backward uses it. Given no tensor at all (a backward
computing with constants), a function answers with the array module, as numpy would.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from ..backend import array_module, device_of, is_array
from ..tensor import Tensor
from . import cumulative, decompositions, elementary, join, matrix, reduce, selection, shape, unary
from . import linalg as matrix_products
from .base import as_tensor


def _tensors(*values: Any) -> bool:
    return builtins.any(isinstance(v, Tensor) for v in values)


def _axes(axis: Any, ndim: int) -> tuple:
    """numpy's ``axis`` (an int, a sequence, or None for all) as a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim if ndim else 0 for a in ((axis,) if isinstance(axis, int) else axis))


# ------------------------------------------------------------------ elementwise
def _unary(name: str, op: Any) -> Any:
    def fn(x: Any) -> Any:
        return op(x) if isinstance(x, Tensor) else getattr(array_module(x), name)(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"numpy's ``{name}`` on a tensor (differentiable)."
    return fn


exp = _unary("exp", unary.exp)
log = _unary("log", unary.log)
sqrt = _unary("sqrt", unary.sqrt)
sin = _unary("sin", unary.sin)
cos = _unary("cos", unary.cos)
tanh = _unary("tanh", unary.tanh)
abs = _unary("abs", unary.abs)
sign = _unary("sign", unary.sign)
sinh = _unary("sinh", elementary.sinh)
cosh = _unary("cosh", elementary.cosh)


log1p = _unary("log1p", unary.Log1p.apply)


def logaddexp(a: Any, b: Any) -> Any:
    """log(exp(a) + exp(b)), shifted by the larger operand so that it never overflows."""
    if not _tensors(a, b):
        return array_module(a, b).logaddexp(a, b)
    m = maximum(a, b).detach()  # any shift gives the same value and gradient; a constant one is simplest
    return m + unary.log(unary.exp(a - m) + unary.exp(b - m))


def _extreme(a: Any, b: Any, pick: str) -> Any:
    """numpy's maximum or minimum with a tensor among the operands. Against a number it is torch's clamp_min or
    clamp_max (what torch's backward formulas use: the whole gradient to the tensor at a tie); an array
    (a constant) becomes a tensor on its device."""
    if not isinstance(a, Tensor):
        a, b = b, a
    if not isinstance(b, Tensor) and not is_array(b):
        return selection.clamp(a, min=b) if pick == "maximum" else selection.clamp(a, max=b)
    b = b if isinstance(b, Tensor) else as_tensor(b, device=device_of(b))
    return selection.maximum(a, b) if pick == "maximum" else selection.minimum(a, b)


def maximum(a: Any, b: Any) -> Any:
    return _extreme(a, b, "maximum") if _tensors(a, b) else array_module(a, b).maximum(a, b)


def minimum(a: Any, b: Any) -> Any:
    return _extreme(a, b, "minimum") if _tensors(a, b) else array_module(a, b).minimum(a, b)


def where(condition: Any, x: Any, y: Any) -> Any:
    """``x`` where ``condition`` (a bool array or tensor, a constant) holds, else ``y``."""
    if not _tensors(x, y):
        return array_module(condition, x, y).where(condition, x, y)
    # a mask computed on the device stays there (as_tensor alone would bring it to the host)
    cond = condition if isinstance(condition, Tensor) else as_tensor(condition, device=device_of(condition))
    return selection.where(cond, x, y)


def zeros_like(a: Any) -> Any:
    """Zeros shaped like ``a``, off the graph."""
    if not isinstance(a, Tensor):
        return array_module(a).zeros_like(a)
    return Tensor._wrap(array_module(a._data).zeros_like(a._data))


# ------------------------------------------------------------------ reductions
def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if not isinstance(a, Tensor):
        return array_module(a).sum(a, axis=axis, keepdims=keepdims)
    if axis == ():
        return a
    return reduce.sum(a, axis, keepdims)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if not isinstance(a, Tensor):
        return array_module(a).mean(a, axis=axis, keepdims=keepdims)
    return reduce.mean(a, axis, keepdims)


def cumsum(a: Any, axis: int) -> Any:
    return cumulative.cumsum(a, axis) if isinstance(a, Tensor) else array_module(a).cumsum(a, axis=axis)


# ------------------------------------------------------------------ shapes
def reshape(a: Any, newshape: Sequence[int]) -> Any:
    return shape.reshape(a, tuple(newshape))


def broadcast_to(a: Any, to: Sequence[int]) -> Any:
    return shape.expand(a, tuple(to))


def expand_dims(a: Any, axis: Any) -> Any:
    """New size-1 axes at ``axis`` (positions in the result, as numpy counts them)."""
    n = a.ndim + (1 if isinstance(axis, int) else len(axis))
    for ax in sorted(_axes(axis, n)):
        a = shape.unsqueeze(a, ax)
    return a


def squeeze(a: Any, axis: Any = None) -> Any:
    return shape.squeeze(a, axis)


def transpose(a: Any, axes: Sequence[int] | None = None) -> Any:
    return shape.permute(a, tuple(range(a.ndim))[::-1] if axes is None else tuple(axes))


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    return shape.transpose(a, axis1, axis2)


def moveaxis(a: Any, source: int, destination: int) -> Any:
    order = [i for i in range(a.ndim) if i != source % a.ndim]
    order.insert(destination % a.ndim, source % a.ndim)
    return shape.permute(a, tuple(order))


def flip(a: Any, axis: Any = None) -> Any:
    return shape.flip(a, _axes(axis, a.ndim))


def ascontiguousarray(a: Any) -> Any:
    """The tensor itself: a layout is no concern of the graph."""
    return a


def concatenate(arrays: Sequence[Any], axis: int = 0) -> Any:
    return join.cat(list(arrays), axis)


def stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    return join.stack(list(arrays), axis)


def take(a: Any, index: int, axis: int) -> Any:
    """One entry along ``axis`` (an integer index), without that axis."""
    return a[(slice(None),) * (axis % a.ndim) + (index,)]


# ------------------------------------------------------------------ products
def matmul(a: Any, b: Any) -> Any:
    return matrix_products.matmul(a, b)


def tril(a: Any, k: int = 0) -> Any:
    """The lower triangle of each matrix (below the ``k``-th diagonal), zeros above."""
    return matrix.tril(a, k) if isinstance(a, Tensor) else array_module(a).tril(a, k)


def triu(a: Any, k: int = 0) -> Any:
    """The upper triangle of each matrix (above the ``k``-th diagonal), zeros below."""
    return matrix.triu(a, k) if isinstance(a, Tensor) else array_module(a).triu(a, k)


# numpy.linalg's functions that backwards use, on batches of matrices (differentiable on tensors)
linalg = SimpleNamespace(inv=decompositions.inverse_matrices, solve=decompositions.solve_matrices)
