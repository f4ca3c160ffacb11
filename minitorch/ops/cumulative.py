"""Running reductions along a dimension: cumsum, cumprod, cummax, cummin, logcumsumexp; diff, their inverse; the
trapezoid rule (trapezoid, cumulative_trapezoid) and finite-difference derivatives (gradient), composed as torch
composes them."""

from __future__ import annotations

from builtins import max as builtins_max
from builtins import min as builtins_min
from typing import Any

from .. import backend, creation, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from . import fill, join
from .arithmetic import div_scalar, mul_scalar
from .base import Op, array_of, namespace_of, to_dtype
from .sort import Picking, picked, return_type

__all__ = [
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "cumulative_trapezoid",
    "diff",
    "gradient",
    "logcumsumexp",
    "trapezoid",
]

_CUMMAX, _CUMMIN = return_type("cummax"), return_type("cummin")


def _reversed_cumsum(a: Any, axis: int) -> Any:
    """``out[k] = sum of a[j] for j >= k`` along ``axis`` (on arrays, or on tensors: differentiably)."""
    xp = namespace_of(a)
    return xp.flip(xp.cumsum(xp.flip(a, axis=axis), axis=axis), axis=axis)


class Cumsum(Op):
    """Running sums along ``axis``; each element's gradient is the sum of the gradients at and after it."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int) -> Array:
        ctx.axis = axis
        return backend.array_module(x).cumsum(x, axis=axis) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return (_reversed_cumsum(grad, ctx.axis) if grad.ndim else grad), None


class Cumprod(Op):
    """Running products along ``axis``; the gradient is exact with zeros among the factors (no division by them)."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int) -> Array:
        out = backend.array_module(x).cumprod(x, axis=axis) if x.ndim else x.copy()
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, out = ctx.saved_tensors
        if not x.ndim or x.shape[ctx.axis] == 1:  # out is x: its gradient as it came (as torch, which divides by
            return grad, None  # x only along a longer dimension; a subnormal x made grad * x / x zero)
        xp, axis = namespace_of(x, grad), ctx.axis
        raw = array_of(x)
        zeros_so_far = backend.array_module(raw).cumsum(raw == 0, axis=axis)  # where the zeros are: constants
        before_zero = zeros_so_far == 0
        first_zero = (raw == 0) & (zeros_so_far == 1)
        # Before the first zero: d out_j / d x_k = out_j / x_k, and every out_j past the zero is 0.
        g = xp.where(before_zero, _reversed_cumsum(grad * out, axis) / xp.where(before_zero, x, 1), 0)
        # At the first zero: the products out_j (j at or past it) with that one factor left out.
        without = Cumprod.call(xp.where(first_zero, 1, x), axis)
        at_zero = _reversed_cumsum(xp.where(before_zero, 0, grad * without), axis)
        return xp.where(first_zero, at_zero, g), None


class Cummax(Picking):
    """Running maxima along ``axis`` and where they stand (the latest place among equals, and NaN wins)."""

    ufunc = "maximum"

    @classmethod
    def forward(cls, ctx: Context, x: Array, axis: int) -> tuple:
        xp = backend.array_module(x)
        if not x.ndim:
            return picked(ctx, x, axis, xp.zeros((), dtype="int64"))
        values = getattr(xp, cls.ufunc).accumulate(x, axis=axis)
        position = xp.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis - 1))
        here = (x == values) | xp.isnan(x) if x.dtype.kind == "f" else x == values
        index = xp.maximum.accumulate(xp.where(here, position, 0), axis=axis)
        return picked(ctx, x, axis, index)


class Cummin(Cummax):
    """Running minima along ``axis`` and where they stand."""

    ufunc = "minimum"


class Logcumsumexp(Op):
    """``log(cumsum(exp(x)))`` along ``axis``, computed pairwise (``logaddexp``) so nothing overflows."""

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int) -> Array:
        xp = backend.array_module(x)
        out = xp.logaddexp.accumulate(x, axis=axis) if x.ndim else x.copy()
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, out = ctx.saved_tensors
        if not x.ndim:
            return grad, None
        return LogcumsumexpGrad.call(grad, x, out, ctx.axis), None


class LogcumsumexpGrad(Op):
    """``grad_k = exp(x_k) * sum_{j>=k} grad_j exp(-out_j)``: logcumsumexp's gradient, summed in log space
    for each sign of ``grad`` so that nothing overflows; an op of its own, whose gradients are cumulative sums."""

    @staticmethod
    def forward(ctx: Context, grad: Array, x: Array, out: Array, axis: int) -> Array:
        xp = backend.array_module(x)

        def reversed_logcumsumexp(a: Any) -> Any:
            return xp.flip(xp.logaddexp.accumulate(xp.flip(a, axis=axis), axis=axis), axis=axis)

        pos = xp.where(grad > 0, xp.log(xp.where(grad > 0, grad, 1)) - out, -xp.inf)
        neg = xp.where(grad < 0, xp.log(xp.where(grad < 0, -grad, 1)) - out, -xp.inf)
        res = xp.exp(reversed_logcumsumexp(pos) + x) - xp.exp(reversed_logcumsumexp(neg) + x)
        ctx.save_for_backward(grad, x, out, res)
        ctx.axis = axis
        return res

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        grad, x, out, res = ctx.saved_tensors
        xp = namespace_of(gg, x)
        # res is linear in grad and in exp(x): d/dgrad_j = exp(-out_j) * sum_{k<=j} gg_k exp(x_k) (call it s_j),
        # d/dx_k = gg_k res_k, and d/dout_j = -grad_j s_j.
        s = xp.exp(-out) * xp.cumsum(gg * xp.exp(x), axis=ctx.axis)
        return s, gg * res, -grad * s, None


def _accumulated_dtype(input: Tensor, dtype: Any) -> Any:
    """The result dtype of cumsum/cumprod: ``dtype`` when given, int64 for integers and bools, else the input's."""
    if dtype is not None:
        return dtypes.as_dtype(dtype)
    return input.dtype if input.dtype.is_floating_point else dtypes.int64


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums of ``input`` along ``dim`` (integers and bools sum to int64; ``dtype`` casts first)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(cumsum):
        return autocast_mode.run("cumsum", cumsum, input, dim, dtype=dtype)
    axis = input._wrap_dim(dim)
    return Cumsum.apply(to_dtype(input, _accumulated_dtype(input, dtype)), axis)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running products of ``input`` along ``dim`` (integers and bools multiply in int64; ``dtype`` casts first)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(cumprod):
        return autocast_mode.run("cumprod", cumprod, input, dim, dtype=dtype)
    axis = input._wrap_dim(dim)
    return Cumprod.apply(to_dtype(input, _accumulated_dtype(input, dtype)), axis)


def cummax(input: Tensor, dim: int) -> Any:
    """``(values, indices)``: the running maximum along ``dim`` and the place it was taken from."""
    axis = input._wrap_dim(dim)
    return _CUMMAX(*Cummax.apply(input, axis))


def cummin(input: Tensor, dim: int) -> Any:
    """``(values, indices)``: the running minimum along ``dim`` and the place it was taken from."""
    axis = input._wrap_dim(dim)
    return _CUMMIN(*Cummin.apply(input, axis))


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, without overflow."""
    if not input.dtype.is_floating_point:
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{name[input.dtype.name]}'")
    axis = input._wrap_dim(dim)
    return Logcumsumexp.apply(input, axis)


def diff(
    input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None
) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` joined on first), composed of slices
    and subtraction as torch composes it (bools by inequality)."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = input._wrap_dim(dim)
    if n == 0 and prepend is None and append is None:  # a copy, recorded as torch's (CopyBackwards)
        return fill.copy_from(creation.empty_like(input), input)
    x = input
    if prepend is not None or append is not None:
        edge = tuple(1 if d == axis else size for d, size in enumerate(x.shape))  # a 0-d value, spread along dim
        parts = [p if p.ndim else p.expand(*edge) for p in (prepend, x, append) if p is not None]
        x = join.cat(parts, axis)
    for _ in range(n):
        length = x.shape[axis]
        if length == 0:
            break
        after, before = join.narrow(x, axis, 1, length - 1), join.narrow(x, axis, 0, length - 1)
        x = after != before if x.dtype is dtypes.bool_ else after - before
    return x


def _spacing(name: str, y: Tensor, x: Any, dx: Any, dim: int) -> tuple:
    """The axis and the spacing of the trapezoid rule: a number (``dx``, 1 by default) or x's differences
    shaped to broadcast along the axis."""
    if x is not None and dx is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments: give x or dx, not both")
    axis = y._wrap_dim(dim)
    if x is None or not isinstance(x, Tensor):
        return axis, 1.0 if x is None and dx is None else (dx if dx is not None else x)
    if x.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise RuntimeError(
                f"{name}: There must be one `x` value for each sample point, but got {x.shape[0]} `x` values "
                f"and {y.shape[axis]} sample points along dimension {axis}"
            )
        steps = diff(x)
        return axis, steps.reshape([-1 if i == axis else 1 for i in range(y.ndim)])
    return axis, diff(x, dim=dim)


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoid rule, at unit spacing, ``dx``, or the points ``x``."""
    axis, step = _spacing("trapezoid", y, x, dx, dim)
    n = y.shape[axis]
    if n == 0:
        return creation.zeros(*(s for i, s in enumerate(y.shape) if i != axis), dtype=y.dtype, device=y.device)
    if not isinstance(step, Tensor):
        return mul_scalar(y.sum(axis) - mul_scalar(y.select(axis, 0) + y.select(axis, -1), 0.5), step)
    return div_scalar((step * (y.narrow(axis, 1, n - 1) + y.narrow(axis, 0, n - 1))).sum(axis), 2.0)


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running integral of ``y`` along ``dim`` by the trapezoid rule (one value fewer than ``y`` has)."""
    axis, step = _spacing("cumulative_trapezoid", y, x, dx, dim)
    n = y.shape[axis]
    pairs = y.narrow(axis, 0, builtins_max(n - 1, 0)) + y.narrow(axis, builtins_min(1, n), builtins_max(n - 1, 0))
    if not isinstance(step, Tensor):
        return cumsum(mul_scalar(pairs, step / 2.0), axis)
    return cumsum(div_scalar(step * pairs, 2.0), axis)


def _gradient_dims(input: Tensor, spacing: Any, dim: Any) -> tuple[list[int], list[Any]]:
    """The wrapped dims to differentiate along and one spacing for each (a number or a 1-D coordinate tensor),
    with torch's errors for lists of the wrong length."""
    dims = list(range(input.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    axes = [input._wrap_dim(d) for d in dims]
    for i, a in enumerate(axes):
        if a in axes[:i]:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()
    if not isinstance(spacing, (list, tuple)):
        return axes, [spacing] * len(axes)
    if dim is None and len(spacing) != input.ndim:
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
            f"'self.dim() = {input.ndim}', since dim argument was not given, but got a list of length {len(spacing)}"
        )
    if dim is not None and len(spacing) != len(axes):
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments to have "
            f"the same length, but got a spacing argument of length {len(spacing)} and a dim argument of length "
            f"{len(axes)}."
        )
    tensors = [isinstance(s, Tensor) for s in spacing]
    if any(tensors) and not all(tensors):
        wrong = tensors.index(False)
        raise TypeError(f"expected Tensor as element {wrong} in argument 1, but got {type(spacing[wrong]).__name__}")
    for s in spacing:
        if isinstance(s, Tensor) and s.ndim != 1:
            raise RuntimeError(
                "torch.gradient expected each element of spacing to have one dimension, but got an element with "
                f"{s.ndim} dimensions!"
            )
    return axes, list(spacing)


def _uniform_gradient(f: Tensor, axis: int, h: Any, edge_order: int) -> Tensor:
    """The derivative along ``axis`` at equal steps ``h``: central differences inside, one-sided at both ends."""
    n = f.shape[axis]

    def at(start: int, length: int = 1) -> Tensor:
        return join.narrow(f, axis, start, length)

    inside = (at(2, n - 2) - at(0, n - 2)) / (2.0 * h)
    if edge_order == 1:
        first, last = (at(1) - at(0)) / h, (at(n - 1) - at(n - 2)) / h
    else:  # the second-order one-sided stencils (-3, 4, -1) / 2h and (1, -4, 3) / 2h
        first = (at(0) * -1.5 + at(1) * 2.0 - at(2) * 0.5) / h
        last = (at(n - 3) * 0.5 - at(n - 2) * 2.0 + at(n - 1) * 1.5) / h
    return join.cat([first, inside, last], axis)


def _coordinate_gradient(f: Tensor, axis: int, x: Tensor, edge_order: int) -> Tensor:
    """The derivative along ``axis`` at the points ``x``: the second-order stencil for uneven steps inside (the
    weights of the parabola through each three neighbours), one-sided at both ends."""
    n = f.shape[axis]
    shape = [-1 if d == axis else 1 for d in range(f.ndim)]

    def at(start: int, length: int = 1) -> Tensor:
        return join.narrow(f, axis, start, length)

    steps = diff(x)
    h1, h2 = steps[:-1], steps[1:]
    a = (-h2 / (h1 * (h1 + h2))).reshape(shape)
    b = ((h2 - h1) / (h1 * h2)).reshape(shape)
    c = (h1 / (h2 * (h1 + h2))).reshape(shape)
    inside = a * at(0, n - 2) + b * at(1, n - 2) + c * at(2, n - 2)
    if edge_order == 1:
        first, last = (at(1) - at(0)) / steps[0], (at(n - 1) - at(n - 2)) / steps[-1]
    else:
        s0, s1 = steps[0], steps[1]
        first = (
            at(0) * (-(2.0 * s0 + s1) / (s0 * (s0 + s1)))
            + at(1) * ((s0 + s1) / (s0 * s1))
            + at(2) * (-s0 / (s1 * (s0 + s1)))
        )
        t0, t1 = steps[-2], steps[-1]
        last = (
            at(n - 3) * (t1 / (t0 * (t0 + t1)))
            + at(n - 2) * (-(t0 + t1) / (t0 * t1))
            + at(n - 1) * ((2.0 * t1 + t0) / (t1 * (t0 + t1)))
        )
    return join.cat([first, inside, last], axis)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of the sampled function ``input`` along each of ``dim``: second-order central differences
    inside, first- or second-order one-sided differences at the ends; one tensor per dim, as a tuple.

    Args:
        input: the samples (integers give floating-point derivatives).
        spacing: the distance between samples: one number for every dim, a list with a number or a 1-D tensor of
            coordinates for each dim.
        dim: a dim or a list of dims (default: all of them).
        edge_order: 1 or 2, the order of accuracy at the ends.
    """
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    axes, steps = _gradient_dims(input, spacing, dim)
    for axis in axes:
        if input.shape[axis] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    return tuple(
        _coordinate_gradient(input, axis, h, edge_order)
        if isinstance(h, Tensor)
        else _uniform_gradient(input, axis, h, edge_order)
        for axis, h in zip(axes, steps)
    )
