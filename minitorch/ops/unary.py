"""Elementwise functions of one tensor: neg, abs, exp, log, sqrt, sin, cos, tanh, sigmoid, relu."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..tensor import Tensor
from .base import Op, float_operand, no_graph


class Neg(Op):
    """-x."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return -x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return -grad


class Abs(Op):
    """|x|; the gradient at 0 is 0."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return backend.array_module(x).abs(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad * sign_array(x)


class Exp(Op):
    """e ** x."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = backend.array_module(x)
        with backend.quiet(xp):  # overflow to inf is silent in torch
            out = xp.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Op):
    """Natural logarithm."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        xp = backend.array_module(x)
        with backend.quiet(xp):
            return xp.log(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        xp = backend.array_module(x)
        with backend.quiet(xp):
            return grad / x


class Sqrt(Op):
    """Square root."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = backend.array_module(x)
        with backend.quiet(xp):
            out = xp.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        xp = backend.array_module(out)
        with backend.quiet(xp):
            return grad / (2 * out)


class Sin(Op):
    """Sine."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return backend.array_module(x).sin(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad * backend.array_module(x).cos(x)


class Cos(Op):
    """Cosine."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return backend.array_module(x).cos(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return -grad * backend.array_module(x).sin(x)


class Tanh(Op):
    """Hyperbolic tangent."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = backend.array_module(x).tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


class Sigmoid(Op):
    """1 / (1 + e ** -x), computed without overflow for large |x|."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        xp = backend.array_module(x)
        # exp of a non-positive number only: e = exp(-|x|) never overflows.
        e = xp.exp(-xp.abs(x))
        d = 1 + e
        # where() on a data-dependent mask mispredicts per element (~4 ns each); blending with the
        # mask gives the same values (a * 1 + b * 0 is a exactly) several times faster.
        pos = x >= 0
        out = (1 / d) * pos
        out += (e / d) * ~pos
        out = out.astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


class Relu(Op):
    """max(x, 0)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = backend.array_module(x).maximum(x, backend.filled_like(x, 0)).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        # out is >= 0 or NaN, so out != 0 is torch's test (out <= 0 stops the gradient; NaN lets it
        # through). A float mask multiplies faster than a bool one (numpy casts bool per element).
        return backend.masked_grad(grad, (out != 0).astype(grad.dtype))


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


class Reciprocal(Op):
    """1 / x."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        with backend.quiet(backend.array_module(x)):  # 1 / 0 is inf silently, as in torch
            out = 1 / x
        ctx.save_for_backward(out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (out,) = ctx.saved_tensors
        return grad * -(out * out)


def reciprocal(input: Tensor) -> Tensor:
    """1 / input (integers become the default float, as in torch)."""
    return Reciprocal.apply(float_operand(input))


def exp(input: Tensor) -> Tensor:
    """e ** input."""
    return Exp.apply(float_operand(input))


def log(input: Tensor) -> Tensor:
    """Natural logarithm (nan below 0, -inf at 0)."""
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
    return Relu.apply(input)


def square(input: Tensor) -> Tensor:
    """input * input."""
    from .arithmetic import pow

    return pow(input, 2)


class _Stepwise(Op):
    """A piecewise-constant function (sign, floor, ceil, round): its gradient is zero everywhere."""

    @staticmethod
    def forward(ctx: Any, x: Any, fn: Any) -> Any:
        return fn(x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        return backend.array_module(grad).zeros_like(grad), None


class Sign(_Stepwise):
    """-1, 0 or 1 by sign."""


class Floor(_Stepwise):
    """Round down."""


class Ceil(_Stepwise):
    """Round up."""


class Round(_Stepwise):
    """Round half to even."""


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


def floor(input: Tensor) -> Tensor:
    """Largest integer not above each element (zero gradient; integer tensors unchanged)."""
    return Floor.apply(input, lambda a: backend.array_module(a).floor(a) if a.dtype.kind == "f" else a.copy())


def ceil(input: Tensor) -> Tensor:
    """Smallest integer not below each element (zero gradient; integer tensors unchanged)."""
    return Ceil.apply(input, lambda a: backend.array_module(a).ceil(a) if a.dtype.kind == "f" else a.copy())


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, as torch does (zero gradient)."""
    return Round.apply(input, lambda a: backend.array_module(a).round(a, decimals))


def isnan(input: Tensor) -> Tensor:
    return no_graph(lambda a: backend.array_module(a).isnan(a), input._data)


def isinf(input: Tensor) -> Tensor:
    return no_graph(lambda a: backend.array_module(a).isinf(a), input._data)


def isfinite(input: Tensor) -> Tensor:
    return no_graph(lambda a: backend.array_module(a).isfinite(a), input._data)
