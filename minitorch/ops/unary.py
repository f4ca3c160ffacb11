"""Elementwise functions of one tensor: neg, abs, exp, log, sqrt, sin, cos, tanh, sigmoid, relu; the stepwise ones
(sign, floor, ceil, round, trunc). More elementary functions (sinh, asin, log2, rsqrt, ...): elementary.py."""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, backend_of
from ..tensor import Tensor
from .arithmetic import pow
from .base import Op, array_of, float_operand, namespace_of, no_graph

__all__ = [
    "abs",
    "absolute",
    "ceil",
    "cos",
    "exp",
    "floor",
    "isfinite",
    "isinf",
    "isnan",
    "log",
    "neg",
    "negative",
    "reciprocal",
    "relu",
    "round",
    "sgn",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "square",
    "tanh",
    "trunc",
    "fix",
]


class Neg(Op):
    """-x."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        return -x

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        return -grad


class Abs(Op):
    """|x|; the gradient at 0 is 0."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).abs(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * sign_array(array_of(x))  # torch's sign (0 at NaN): a constant of the gradient


class Exp(Op):
    """e ** x."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = backend.array_module(x)
        # overflow to inf is silent in torch
        out = xp.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Op):
    """Natural logarithm."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        xp = backend.array_module(x)
        return xp.log(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Op):
    """Square root."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = backend.array_module(x)
        out = xp.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Sin(Op):
    """Sine."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).sin(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * namespace_of(x).cos(x)


class Cos(Op):
    """Cosine."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).cos(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return -grad * namespace_of(x).sin(x)


class Tanh(Op):
    """Hyperbolic tangent."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        out = backend.array_module(x).tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return TanhBackward.call(grad, out)


class TanhBackward(Op):
    """grad * (1 - out ** 2): tanh's gradient, an op of its own as in torch (its node: TanhBackwardBackward0)."""

    @staticmethod
    def forward(ctx: Context, grad: Array, out: Array) -> Array:
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, out)
        return grad * (1 - out * out)

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        grad, out = ctx.saved_tensors
        return TanhBackward.call(gg, out), (-2 * gg * grad * out if grad is not None else None)


class Sigmoid(Op):
    """1 / (1 + e ** -x), torch's formula: e ** -x overflows to inf for very negative x, which gives 0 (silently)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = backend.array_module(x)
        out = xp.negative(x, out=xp.empty_like(x))  # one array (a 0-d one too), then in place: no temporaries
        xp.exp(out, out=out)
        out += 1
        xp.reciprocal(out, out=out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return SigmoidBackward.call(grad, out)


class SigmoidBackward(Op):
    """grad * out * (1 - out): sigmoid's gradient, an op of its own as in torch."""

    @staticmethod
    def forward(ctx: Context, grad: Array, out: Array) -> Array:
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, out)
        return grad * (1 - out) * out  # torch's order: grad * (1 - y) * y

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        grad, out = ctx.saved_tensors
        return SigmoidBackward.call(gg, out), (gg * grad * (1 - 2 * out) if grad is not None else None)


class Relu(Op):
    """max(x, 0)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        out = backend.array_module(x).maximum(x, backend_of(x).filled_like(x, 0)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return ThresholdBackward.call(grad, array_of(out))


class ThresholdBackward(Op):
    """relu's gradient: ``grad`` where the output is not 0, as an op of its own (as in torch)."""

    @staticmethod
    def forward(ctx: Context, grad: Array, out: Array) -> Array:
        ctx.out = out  # a constant of the gradient: only where it is 0 matters
        # out is >= 0 or NaN, so out != 0 is torch's test (out <= 0 stops the gradient; NaN lets it
        # through). A float mask multiplies faster than a bool one (numpy casts bool per element).
        return backend_of(grad).masked_grad(grad, (out != 0).astype(grad.dtype))

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        return ThresholdBackward.call(gg, ctx.out), None


class Log1p(Op):
    """log(1 + x), exact near 0 (``elementary.log1p``; ``xp.log1p`` of backward bodies)."""

    node_name = "Log1PBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).log1p(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / (1 + x)


class Erf(Op):
    """The error function (``elementary.erf``; GELU's backward calls it with ``Erf.call``, numpy having none)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend_of(x).erf(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * namespace_of(x).exp(-(x * x))


def neg(input: Tensor) -> Tensor:
    """-input."""
    if input.dtype.name == "bool":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(input)


negative = neg


def abs(input: Tensor) -> Tensor:
    """|input|."""
    if input.dtype.name == "bool":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return Abs.apply(input)


absolute = abs


class Reciprocal(Op):
    """1 / x."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        # 1 / 0 is inf silently, as in torch
        out = (1 / x).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad * -(out * out)


def reciprocal(input: Tensor) -> Tensor:
    """1 / input (integers become the default float, as in torch)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(reciprocal):
        return autocast_mode.run("reciprocal", reciprocal, input)
    return Reciprocal.apply(float_operand(input))


def exp(input: Tensor) -> Tensor:
    """e ** input."""
    if autocast_mode.enabled_threads and autocast_mode.wants(exp):
        return autocast_mode.run("exp", exp, input)
    return Exp.apply(float_operand(input))


def log(input: Tensor) -> Tensor:
    """Natural logarithm (nan below 0, -inf at 0)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(log):
        return autocast_mode.run("log", log, input)
    return Log.apply(float_operand(input))


def sqrt(input: Tensor) -> Tensor:
    """Square root (nan below 0)."""
    return Sqrt.apply(float_operand(input))


def sin(input: Tensor) -> Tensor:
    """Sine."""
    return Sin.apply(float_operand(input))


def cos(input: Tensor) -> Tensor:
    """Cosine."""
    return Cos.apply(float_operand(input))


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh.apply(float_operand(input))


def sigmoid(input: Tensor) -> Tensor:
    """Logistic sigmoid."""
    return Sigmoid.apply(float_operand(input))


def relu(input: Tensor) -> Tensor:
    """max(input, 0)."""
    if input.dtype.name == "bool":
        raise RuntimeError("Boolean inputs not supported for relu")
    return backend_of(input._data).kernel(Relu).apply(input)


def square(input: Tensor) -> Tensor:
    """input * input."""
    return pow(input, 2)


class _Stepwise(Op):
    """A piecewise-constant function (sign, floor, ceil, round): its gradient is zero everywhere."""

    @staticmethod
    def forward(ctx: Context, x: Array, fn: Any) -> Array:
        return fn(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return namespace_of(grad).zeros_like(grad), None


class Sign(_Stepwise):
    """-1, 0 or 1 by sign."""


class Floor(_Stepwise):
    """Round down."""


class Ceil(_Stepwise):
    """Round up."""


class Round(_Stepwise):
    """Round half to even."""


class Trunc(_Stepwise):
    """Round toward zero."""


class Sgn(_Stepwise):
    """The sign (of a real number: ``sign``), named as torch's sgn."""


def sign_array(x: Any) -> Any:
    """-1, 0 or 1 by sign on a raw array, as torch's: 0 for NaN (numpy's sign gives NaN), a bool stays a bool."""
    xp = backend.array_module(x)
    if x.dtype.kind == "b":
        return x.copy()
    s = xp.sign(x)
    return xp.where(s == s, s, 0) if s.dtype.kind == "f" else xp.asarray(s)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (0 for NaN; zero gradient, as torch)."""
    return Sign.apply(input, sign_array)


def sgn(input: Tensor) -> Tensor:
    """The sign of each element, as ``sign`` for real tensors (torch's sgn: z / |z| for complex ones)."""
    return Sgn.apply(input, sign_array)


def floor(input: Tensor) -> Tensor:
    """Largest integer not above each element (zero gradient; integer tensors unchanged)."""
    return Floor.apply(input, lambda a: backend.array_module(a).floor(a) if a.dtype.kind == "f" else a.copy())


def ceil(input: Tensor) -> Tensor:
    """Smallest integer not below each element (zero gradient; integer tensors unchanged)."""
    return Ceil.apply(input, lambda a: backend.array_module(a).ceil(a) if a.dtype.kind == "f" else a.copy())


def trunc(input: Tensor) -> Tensor:
    """Round toward zero (zero gradient; integer tensors unchanged)."""
    return Trunc.apply(input, lambda a: backend.array_module(a).trunc(a) if a.dtype.kind == "f" else a.copy())


fix = trunc


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, as torch does (zero gradient)."""
    return Round.apply(input, lambda a: backend.array_module(a).round(a, decimals))


def isnan(input: Tensor) -> Tensor:
    return no_graph(lambda a: backend.array_module(a).isnan(a), input._data)


def isinf(input: Tensor) -> Tensor:
    return no_graph(lambda a: backend.array_module(a).isinf(a), input._data)


def isfinite(input: Tensor) -> Tensor:
    return no_graph(lambda a: backend.array_module(a).isfinite(a), input._data)
