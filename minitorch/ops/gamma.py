"""The gamma family, elementwise: lgamma (log|Gamma|), digamma and polygamma, each the next one's integral, so
every gradient is the next function and every order is differentiable (the arithmetic: backend/special.py); and
mvlgamma, the multivariate log-gamma, a sum of shifted lgammas."""

from __future__ import annotations

import math

from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..tensor import Tensor
from .base import Op, float_operand

__all__ = ["digamma", "lgamma", "mvlgamma", "polygamma"]


class Lgamma(Op):
    """log|Gamma(x)|; its gradient is digamma."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend_of(x).lgamma(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * Digamma.call(x)


class Digamma(Op):
    """Gamma's logarithmic derivative; its gradient is polygamma(1, x)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend_of(x).digamma(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * Polygamma.call(x, 1)


class Polygamma(Op):
    """digamma's ``n``-th derivative (``n`` = 0: digamma, recorded as torch records it); its gradient is
    polygamma(n + 1, x)."""

    @staticmethod
    def forward(ctx: Context, x: Array, n: int) -> Array:
        ctx.save_for_backward(x)
        ctx.n = n
        dev = backend_of(x)
        return dev.digamma(x) if n == 0 else dev.polygamma(n, x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        return grad * Polygamma.call(x, ctx.n + 1), None


class Mvlgamma(Op):
    """log of the multivariate gamma function of dimension ``p``: p(p-1)/4 log(pi) + sum over j < p of
    lgamma(x - j/2); its gradient is the sum of the digammas."""

    @staticmethod
    def forward(ctx: Context, x: Array, p: int) -> Array:
        ctx.save_for_backward(x)
        ctx.p = p
        xp, dev = array_module(x), backend_of(x)
        shifted = x[..., None] - xp.arange(p, dtype=x.dtype) / 2
        out = dev.lgamma(shifted).sum(axis=-1) + p * (p - 1) / 4 * math.log(math.pi)
        return xp.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        total = Digamma.call(x)
        for j in range(1, ctx.p):  # the dimension p, a few terms: never the elements
            total = total + Digamma.call(x - j / 2)
        return grad * total, None


def lgamma(input: Tensor) -> Tensor:
    """log|Gamma(input)| (+inf at 0, -1, -2, ...)."""
    return Lgamma.apply(float_operand(input))


def digamma(input: Tensor) -> Tensor:
    """The logarithmic derivative of Gamma (-inf at 0, NaN at the negative integers)."""
    return Digamma.apply(float_operand(input))


def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of digamma (``n`` = 0: digamma itself)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return Polygamma.apply(float_operand(input), n)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p`` (>= 1), elementwise."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return Mvlgamma.apply(float_operand(input), int(p))
