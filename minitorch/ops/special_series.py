"""Special functions evaluated by series and continued fractions, elementwise: i0 (the modified Bessel function of
order 0, whose gradient is i1, torch.special.i1's piece here) and igamma / igammac (the regularized lower and upper
incomplete gamma functions, torch.special.gammainc and gammaincc).

Every value is computed in float64 and rounded once to the input's dtype, each series a loop over a fixed
number of terms (or until every element has converged) of whole-array steps:

- I0 and I1 below ``_BESSEL_SPLIT`` by their power series, sum over k of (x/2)^(2k+n) / (k! (k+n)!) (positive
  terms, Horner's rule), above it by the asymptotic expansion e^x / sqrt(2 pi x) (1 - (mu-1)/(8x) + ...),
  whose smallest term there is ~1e-21 of the sum;
- P(a, x) below x = a + 1 by its series x^a e^-x / Gamma(a+1) (1 + x/(a+1) + ...), Q(a, x) above by the
  continued fraction of x^a e^-x / Gamma(a) (modified Lentz), each function the other's complement, so that the
  one that is small is always the one computed directly.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..tensor import Tensor
from .base import Op, array_of, float_operand, namespace_of
from .elementary import float_binary
from .gamma import Lgamma

__all__ = ["i0", "i0_", "igamma", "igammac"]

_BESSEL_SPLIT = 30.0
_SERIES_TERMS = 80  # at x = 30 the last term is ~1e-50 of the sum
_ASYMPTOTIC_TERMS = 30
# 1 / (k! (k + n)!) for the series of I_n, n = 0, 1
_COEFFS = tuple(tuple(1.0 / (math.factorial(k) * math.factorial(k + n)) for k in range(_SERIES_TERMS)) for n in (0, 1))
_FLOAT32_EXP_LIMIT = math.log(3.4028234663852886e38)  # torch's float32 kernels overflow in exp(x) past it
_MAX_STEPS = 10000  # the incomplete gamma's series and fraction: ~sqrt(a) steps near x = a
_EPS = 2.220446049250313e-16
_TINY = 1e-300


def bessel_i(x: Any, n: int) -> Any:
    """I_n(x), n = 0 or 1, of a floating array, in its dtype (NaN at +-inf, as torch's)."""
    xp = array_module(x)
    a = xp.abs(x.astype("float64"))
    small = a < _BESSEL_SPLIT
    s = xp.where(small, a, 0.0)
    y = s * s / 4
    acc = xp.full_like(s, _COEFFS[n][-1])
    for c in reversed(_COEFFS[n][:-1]):
        acc = acc * y + c
    series = acc if n == 0 else acc * (s / 2)
    big = xp.where(small, _BESSEL_SPLIT, a)
    mu, term, total = 4 * n * n, xp.ones_like(big), xp.ones_like(big)
    for k in range(1, _ASYMPTOTIC_TERMS):
        term = term * (-(mu - (2 * k - 1) ** 2) / (8 * k)) / big
        total = total + term
    out = xp.where(small, series, xp.exp(big) / xp.sqrt(2 * math.pi * big) * total)
    if x.dtype.itemsize <= 4:  # float32 (and float16, computed in float32): exp(|x|) overflows first
        out = xp.where((a > _FLOAT32_EXP_LIMIT) & (a < xp.inf), xp.inf, out)
    if n == 1:
        out = xp.copysign(out, x)  # I1 is odd
    return xp.asarray(out, dtype=x.dtype)


def regularized_gamma(a: Any, x: Any, upper: bool) -> Any:
    """P(a, x) (or with ``upper`` Q(a, x) = 1 - P) of two floating arrays (broadcast), in their dtype, with torch's
    values at the edges: NaN for a negative argument, 0 or 1 at x = 0, x = inf, a = 0 and a = inf."""
    xp, dev = array_module(a, x), backend_of(a)
    a64, x64 = xp.broadcast_arrays(a.astype("float64"), x.astype("float64"))
    finite = (a64 > 0) & (x64 > 0) & xp.isfinite(a64) & xp.isfinite(x64)
    by_series = finite & (x64 < a64 + 1)
    by_fraction = finite & ~by_series
    safe_a, safe_x = xp.where(finite, a64, 1.0), xp.where(finite, x64, 1.0)
    prefactor = xp.exp(safe_a * xp.log(safe_x) - safe_x - dev.lgamma(safe_a))  # x^a e^-x / Gamma(a)
    lower = prefactor * _lower_series(xp, xp.where(by_series, safe_a, 1.0), xp.where(by_series, safe_x, 0.0))
    upper_q = prefactor * _upper_fraction(xp, xp.where(by_fraction, safe_a, 1.0), xp.where(by_fraction, safe_x, 2.0))
    p = xp.where(by_series, lower, 1 - upper_q)
    out = xp.where(by_series, 1 - lower, upper_q) if upper else p
    one, zero = (0.0, 1.0) if upper else (1.0, 0.0)  # the values where P is 1 and where it is 0
    out = xp.where(xp.isinf(x64), one, out)
    out = xp.where(xp.isinf(a64), xp.where(xp.isinf(x64), xp.nan, zero), out)
    out = xp.where(x64 == 0, zero, out)
    out = xp.where(a64 == 0, xp.where(x64 > 0, one, xp.nan), out)
    out = xp.where((a64 < 0) | (x64 < 0) | xp.isnan(a64) | xp.isnan(x64), xp.nan, out)
    return xp.asarray(out, dtype=a.dtype)


def _lower_series(xp: Any, a: Any, x: Any) -> Any:
    """sum over n of x^n / (a (a+1) ... (a+n)): P(a, x) = x^a e^-x / Gamma(a) times it."""
    term = 1 / a
    total, ap = term, a
    for _ in range(_MAX_STEPS):
        ap = ap + 1
        term = term * x / ap
        total = total + term
        if not bool(xp.any(xp.abs(term) > xp.abs(total) * _EPS)):
            break
    return total


def _upper_fraction(xp: Any, a: Any, x: Any) -> Any:
    """The continued fraction 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...)): Q(a, x) = x^a e^-x / Gamma(a) times
    it, by the modified Lentz method (each element frozen once its factor is 1 to rounding)."""
    b = x + 1 - a
    c = xp.full_like(b, 1 / _TINY)
    d = 1 / b
    h, done = d, xp.zeros(b.shape, dtype=bool)
    for i in range(1, _MAX_STEPS):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = 1 / xp.where(xp.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < _TINY, _TINY, c)
        step = d * c
        h = xp.where(done, h, h * step)
        done = done | (xp.abs(step - 1) < _EPS)
        if bool(xp.all(done)):
            break
    return h


# ------------------------------------------------------------------------------------------- ops
class I0(Op):
    """The modified Bessel function of the first kind of order 0; its gradient is i1."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return bessel_i(x, 0)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * I1.call(x)


class I1(Op):
    """The modified Bessel function of order 1 (i0's gradient); its gradient is i0(x) - i1(x) / x, 1/2 at 0."""

    node_name = "SpecialI1Backward0"

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        out = bessel_i(x, 1)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        x, out = ctx.saved_tensors
        xp = namespace_of(grad, x, out)
        raw = array_of(x)
        raw_xp = array_module(raw)
        # at (and next to) 0 the quotient is 0/0: torch takes the limit 1/2 within the dtype's epsilon
        tiny = raw_xp.abs(raw) <= raw_xp.finfo(raw.dtype).eps
        safe = xp.where(tiny, 1, x)
        return grad * xp.where(tiny, 0.5, I0.call(safe) - out / safe)


class Igamma(Op):
    """The regularized lower incomplete gamma function P(a, x); the gradient in x is x^(a-1) e^-x / Gamma(a),
    torch has none in a."""

    sign = 1
    name = "igamma"

    @classmethod
    def forward(cls, ctx: Context, a: Array, x: Array) -> Array:
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, x)
        return regularized_gamma(a, x, upper=cls.sign < 0)

    @classmethod
    def backward(cls, ctx: Context, grad: Array) -> tuple:
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{cls.name}: input' is not implemented.")
        a, x = ctx.saved_tensors
        xp = namespace_of(grad, a, x)
        density = xp.exp((a - 1) * xp.log(x) - x - Lgamma.call(a))
        return None, (grad * density if cls.sign > 0 else -(grad * density))


class Igammac(Igamma):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x); the gradient in x is P's, negated."""

    sign = -1
    name = "igammac"


# ------------------------------------------------------------------------------ public functions
def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0, elementwise (integers give the default float)."""
    return I0.apply(float_operand(input))


def i0_(input: Tensor) -> Tensor:
    """``i0`` in place (a floating tensor)."""
    return input._inplace(i0)


def igamma(input: Tensor, other: Tensor) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other): the integral of t^(a-1) e^-t from 0 to x
    over Gamma(a), for a = input and x = other (floating tensors, broadcast; NaN where either is negative)."""
    return float_binary("igamma", Igamma, input, other, floats_only=True)


def igammac(input: Tensor, other: Tensor) -> Tensor:
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P(input, other)."""
    return float_binary("igammac", Igammac, input, other, floats_only=True)
