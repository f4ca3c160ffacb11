"""``torch.special``'s own functions beyond the elementwise ones minitorch has elsewhere: entr, ndtr, ndtri,
log_ndtr and zeta, each with torch's node and gradient formula (``minitorch.special`` gathers the whole namespace)."""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..tensor import Tensor
from .arithmetic import mul_scalar
from .base import Op, check_broadcast, float_operand, namespace_of, prepare
from .exponential import erf

__all__ = ["entr", "log_ndtr", "ndtr", "ndtri", "zeta"]

_SQRT2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class SpecialEntr(Op):
    """-x log x elementwise: 0 at 0, -inf below."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        xp = array_module(x)
        safe = xp.where(x > 0, x, 1)
        return xp.where(x > 0, -x * xp.log(safe), xp.where(x == 0, 0, xp.where(x < 0, -xp.inf, x))).astype(x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * -(1 + namespace_of(x).log(x))


class SpecialNdtri(Op):
    """The standard normal's quantile function: -sqrt(2) erfcinv(2p)."""

    @staticmethod
    def forward(ctx: Context, p: Array) -> Array:
        # 2p is exact, where 2p - 1 would round small p away; asarray: a 0-d result stays the array it saves
        out = array_module(p).asarray(-_SQRT2 * backend_of(p).erfcinv(2 * p), dtype=p.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad * math.sqrt(2 * math.pi) * namespace_of(out).exp(out * out / 2)


class SpecialLogNdtr(Op):
    """log of the standard normal's CDF, from erfc (exact far into the left tail, where 1 + erf is not)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp, dev = array_module(x), backend_of(x)
        # left of 0 the CDF itself (exact from erfc), right of 0 log1p of minus the upper tail (near 1 the CDF's
        # own rounding would be all that is left of it)
        left = xp.log(0.5 * dev.erfc(-x / _SQRT2))
        right = xp.log1p(-0.5 * dev.erfc(x / _SQRT2))
        out = xp.asarray(xp.where(x > 0, right, left), dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        x, out = ctx.saved_tensors
        return grad * namespace_of(x, out).exp(-(x * x) / 2 - out - _LOG_SQRT_2PI)


class SpecialZeta(Op):
    """The Hurwitz zeta function zeta(x, q) = sum over k >= 0 of (q + k)^-x; its gradient in q is -x zeta(x + 1, q)
    (torch has none in x)."""

    @staticmethod
    def forward(ctx: Context, x: Array, q: Array) -> Array:
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, q if ctx.needs_input_grad[1] else None)
        ref = x if isinstance(q, (int, float)) else q  # (a number may come as it is: the other's dtype holds it)
        xp = array_module(ref)
        return backend_of(ref).zeta(xp.asarray(x, dtype=ref.dtype), xp.asarray(q, dtype=ref.dtype))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        x, q = ctx.saved_tensors
        return None, grad * -x * SpecialZeta.call(x + 1, q)


def entr(input: Tensor) -> Tensor:
    """Elementwise entropy term -x log x (0 at 0, -inf for negative x)."""
    return SpecialEntr.apply(float_operand(input))


def ndtr(input: Tensor) -> Tensor:
    """The standard normal's CDF, (1 + erf(x / sqrt 2)) / 2, composed as torch composes it."""
    return mul_scalar(1 + erf(mul_scalar(float_operand(input), 1 / _SQRT2)), 0.5)


def ndtri(input: Tensor) -> Tensor:
    """The standard normal's quantile function (the inverse of ndtr): +-inf at 1 and 0."""
    return SpecialNdtri.apply(float_operand(input))


def log_ndtr(input: Tensor) -> Tensor:
    """log of the standard normal's CDF, exact far into the left tail."""
    return SpecialLogNdtr.apply(float_operand(input))


def zeta(input: Any, other: Any) -> Tensor:
    """``torch.special.zeta``: the Hurwitz zeta function of ``input`` (the exponent) and ``other`` (the shift),
    elementwise, broadcasting; either may be a number; integers are computed in the default float dtype."""
    x, q, dt = prepare(input, other)
    if not dt.is_floating_point:
        x, q, dt = prepare(input, other, dtype=dtypes.get_default_dtype())
    check_broadcast(x, q)
    return SpecialZeta.apply(x, q)
