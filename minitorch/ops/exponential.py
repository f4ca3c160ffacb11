"""Logarithms and exponentials beyond exp and log, elementwise: log2, log10, log1p, exp2, expm1, rsqrt, erf, erfc,
erfinv, and logaddexp of two tensors; each with torch's gradient formula, written once for every order."""

from __future__ import annotations

import math

from .. import backend
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, Operand, float_operand, namespace_of
from .elementary import float_binary
from .unary import Erf, Log1p

__all__ = ["erf", "erfc", "erfinv", "exp2", "expm1", "log10", "log1p", "log2", "logaddexp", "logaddexp2", "rsqrt"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class Log2(Op):
    """Logarithm to base 2."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).log2(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / (x * _LN2)


class Log10(Op):
    """Logarithm to base 10."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).log10(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / (x * _LN10)


class Exp2(Op):
    """2 ** x."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        out = backend.array_module(x).exp2(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad * out * _LN2


class Expm1(Op):
    """e ** x - 1, exact near 0."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        out = backend.array_module(x).expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


class Rsqrt(Op):
    """1 / sqrt(x) (inf at 0, NaN below)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = backend.array_module(x)
        out = xp.reciprocal(xp.sqrt(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return -0.5 * grad * (out * out * out)


class Erfc(Op):
    """The complementary error function, 1 - erf(x), exact far out."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.backend_of(x).erfc(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * (-2 / math.sqrt(math.pi)) * namespace_of(x).exp(-(x * x))


class Erfinv(Op):
    """The inverse error function."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        out = backend.backend_of(x).erfinv(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad * (math.sqrt(math.pi) / 2) * namespace_of(out).exp(out * out)


class Logaddexp(Op):
    """log(exp(input) + exp(other)), without overflow."""

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Array:
        ctx.save_for_backward(a, b)
        return backend.array_module(a, b).logaddexp(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        xp = namespace_of(a, b)
        return grad / (1 + xp.exp(b - a)), grad / (1 + xp.exp(a - b))


# ------------------------------------------------------------------ public functions
def log2(input: Tensor) -> Tensor:
    """Logarithm to base 2."""
    if autocast_mode.enabled_threads and autocast_mode.wants(log2):
        return autocast_mode.run("log2", log2, input)
    return Log2.apply(float_operand(input))


def log10(input: Tensor) -> Tensor:
    """Logarithm to base 10."""
    if autocast_mode.enabled_threads and autocast_mode.wants(log10):
        return autocast_mode.run("log10", log10, input)
    return Log10.apply(float_operand(input))


def log1p(input: Tensor) -> Tensor:
    """log(1 + input), exact near 0."""
    if autocast_mode.enabled_threads and autocast_mode.wants(log1p):
        return autocast_mode.run("log1p", log1p, input)
    return Log1p.apply(float_operand(input))


def exp2(input: Tensor) -> Tensor:
    """2 ** input."""
    return Exp2.apply(float_operand(input))


def expm1(input: Tensor) -> Tensor:
    """e ** input - 1, exact near 0."""
    if autocast_mode.enabled_threads and autocast_mode.wants(expm1):
        return autocast_mode.run("expm1", expm1, input)
    return Expm1.apply(float_operand(input))


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(input)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(rsqrt):
        return autocast_mode.run("rsqrt", rsqrt, input)
    return Rsqrt.apply(float_operand(input))


def erf(input: Tensor) -> Tensor:
    """The error function."""
    return Erf.apply(float_operand(input))


def erfc(input: Tensor) -> Tensor:
    """The complementary error function, 1 - erf(input), exact far out."""
    return Erfc.apply(float_operand(input))


def erfinv(input: Tensor) -> Tensor:
    """The inverse error function (+-inf at +-1, NaN outside [-1, 1])."""
    if autocast_mode.enabled_threads and autocast_mode.wants(erfinv):
        return autocast_mode.run("erfinv", erfinv, input)
    return Erfinv.apply(float_operand(input))


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)), without overflow (floating tensors only, as torch's)."""
    return float_binary("logaddexp", Logaddexp, input, other, floats_only=True)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2^input + 2^other), without overflow: logaddexp of the operands in natural units, back in bits."""
    return logaddexp(input * _LN2, other * _LN2) / _LN2
