"""Sliding windows along one dimension as a view: ``Tensor.unfold(dimension, size, step)``.

The windows are a strided view of the input (they overlap when ``step < size``): the dimension becomes the
window count and a last dimension of ``size`` holds each window. Its gradient adds every window's gradient
back where the window lies (``UnfoldBackward``, one slice per tap of the window, so overlaps accumulate), and
that sum's gradient is the windows again: differentiable to any order, as torch's.
"""

from __future__ import annotations

from typing import Any

from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..tensor import Tensor
from .base import Op, is_tensor
from .shape import mark_view

__all__ = ["unfold"]


def window_view(a: Any, axis: int, size: int, step: int) -> Any:
    """The windows of ``a`` along ``axis`` as a writeable strided view (the dimension: the window count)."""
    count = (a.shape[axis] - size) // step + 1
    shape = a.shape[:axis] + (count,) + a.shape[axis + 1 :] + (size,)
    s = a.strides
    strides = s[:axis] + (s[axis] * step,) + s[axis + 1 :] + (s[axis],)
    return backend_of(a).strided_view(a, shape, strides, writeable=True)


class Unfold(Op):
    """The windows of ``size`` every ``step`` along ``axis`` (a view)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int, size: int, step: int) -> Array:
        ctx.shape, ctx.where = x.shape, (axis, size, step)
        return window_view(x, axis, size, step)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return UnfoldBackward.call(grad, ctx.shape, *ctx.where), None, None, None


class UnfoldBackward(Op):
    """The windows' gradients added back where each window lies (``unfold``'s gradient)."""

    node_name = "UnfoldBackwardBackward0"

    @staticmethod
    def forward(ctx: Context, g: Array, shape: tuple, axis: int, size: int, step: int) -> Array:
        ctx.where = (axis, size, step)
        xp = array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        count = g.shape[axis]
        lead = (slice(None),) * axis
        for tap in range(size):  # the window's taps (kernel-sized), never the elements: each a strided slice
            out[lead + (slice(tap, tap + step * (count - 1) + 1, step),)] += g[..., tap]
        return out

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        windows = Unfold.call(gg, *ctx.where)
        return (windows if is_tensor(gg) else array_module(gg).ascontiguousarray(windows)), None, None, None, None


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """The windows of ``size`` elements every ``step`` along ``dimension``, as a view with a new last dimension."""
    axis = input._wrap_dim(dimension) if input.ndim else input._wrap_dim(dimension, extra=1)
    n = input.shape[axis] if input.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {axis} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:  # a number's one window (torch's result is 1-D)
        return unfold(input.reshape(1), 0, size, step).reshape(size)
    out = Unfold.apply(input, axis, size, step)
    return mark_view(out, input, lambda a: window_view(a, axis, size, step), known=True)
