"""Special functions on any array module (numpy has none; GELU needs erf): erf, erfc, their inverses, and the
gamma family (lgamma, digamma, polygamma).

Two expansions, each exact to ~1e-15 relative on its side of |x| = 3 (checked against
``math.erf`` in tests/test_nn_activations.py):

- below 3, the series erf(x) = 2x/sqrt(pi) exp(-x^2) sum_n (2x^2)^n / (1*3*...*(2n+1)), whose
  terms are all positive (no cancellation), as a polynomial in 2x^2 by Horner's rule;
- from 3 on, erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), the continued
  fraction evaluated from a fixed depth upwards.

Both are loops over a fixed number of terms, each a whole-array operation. float32 and float16
inputs are computed in float64 and rounded once. ``erfc`` takes the continued fraction itself beyond 3
(exact relative to the smallest result) and 1 - erf within; ``erfinv`` starts from Giles' approximation
("Approximating the erfinv function", 2010) and takes four Newton steps on erf (on log erfc in the tails,
where 1 - y is exact), so it is as exact as these.
"""

from __future__ import annotations

import math
from typing import Any

SPLIT = 3.0
SERIES_TERMS = 46
FRACTION_DEPTH = 60

# The series' coefficients 1 / (1 * 3 * ... * (2n + 1)), n = 0 .. SERIES_TERMS.
_COEFFS = [1.0]
for _n in range(1, SERIES_TERMS + 1):
    _COEFFS.append(_COEFFS[-1] / (2 * _n + 1))


def erf(xp: Any, x: Any) -> Any:
    """erf(x) elementwise, in ``x``'s floating dtype, with ``xp`` (numpy or a compatible module)."""
    a = xp.abs(x.astype(xp.float64))
    out = xp.empty_like(a)
    small = a < SPLIT
    s = a[small]
    z = 2 * s * s
    acc = xp.full_like(s, _COEFFS[-1])
    for c in reversed(_COEFFS[:-1]):
        acc = acc * z + c
    out[small] = (2 / math.sqrt(math.pi)) * s * xp.exp(-s * s) * acc
    large = ~small
    out[large] = 1 - _erfc_tail(xp, a[large])  # exp underflows to 0 far out: erf = 1
    out = xp.where(xp.isnan(a), a, out)  # NaN fails both tests above
    return xp.copysign(out, x).astype(x.dtype, copy=False)


def _erfc_tail(xp: Any, b: Any) -> Any:
    """erfc(b) for b >= SPLIT (float64): the continued fraction."""
    frac = b.copy()
    for n in range(FRACTION_DEPTH, 0, -1):
        frac = b + (n / 2) / frac
    return xp.exp(-b * b) / (math.sqrt(math.pi) * frac)


def erfc(xp: Any, x: Any) -> Any:
    """1 - erf(x) elementwise without the cancellation far out, in ``x``'s floating dtype."""
    a = x.astype(xp.float64)
    out = xp.empty_like(a)
    small = xp.abs(a) < SPLIT
    out[small] = 1 - erf(xp, a[small])
    large = ~small
    b = a[large]
    tail = _erfc_tail(xp, xp.abs(b))
    out[large] = xp.where(b > 0, tail, 2 - tail)
    out = xp.where(xp.isnan(a), a, out)
    return out.astype(x.dtype, copy=False)


# Giles' approximation of erfinv: a polynomial in w = -log(1 - y^2) - 2.5 where w < 5, else in sqrt(w) - 3.
_CENTRAL = (
    2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
    -0.00417768164, 0.246640727, 1.50140941,
)  # fmt: skip
_TAIL = (
    -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
    0.00943887047, 1.00167406, 2.83297682,
)  # fmt: skip
NEWTON_STEPS = 4


def erfinv(xp: Any, y: Any) -> Any:
    """The inverse of erf on [-1, 1] (+-inf at +-1, NaN outside), in ``y``'s floating dtype."""
    a = xp.abs(y.astype(xp.float64))
    return xp.copysign(_erfinv_magnitude(xp, a, 1 - a), y).astype(y.dtype, copy=False)


def erfcinv(xp: Any, c: Any) -> Any:
    """The inverse of erfc on [0, 2] (erfinv(1 - c), with ``c`` small kept exact), in ``c``'s floating dtype."""
    c64 = c.astype(xp.float64)
    y = 1 - c64
    a = xp.abs(y)
    # where c < 1, 1 - |y| is c itself (exact); where c > 1, it is 2 - c (exact from 1 on, by Sterbenz)
    complement = xp.where(c64 < 1, c64, 2 - c64)
    return xp.copysign(_erfinv_magnitude(xp, a, complement), y).astype(c.dtype, copy=False)


def _erfinv_magnitude(xp: Any, a: Any, complement: Any) -> Any:
    """erfinv(a) for a = |y| >= 0 (float64), given ``complement`` = 1 - a as exactly as the caller knows it."""
    inside = a < 1
    v = xp.where(inside, a, 0.5)  # the rest is set below; 0.5 keeps the arithmetic finite
    rest = xp.where(inside, complement, 0.5)
    w = -xp.log(rest * (1 + v))
    central, root = w - 2.5, xp.sqrt(w) - 3
    p, q = xp.full_like(v, _CENTRAL[0]), xp.full_like(v, _TAIL[0])
    for c, t in zip(_CENTRAL[1:], _TAIL[1:]):
        p, q = p * central + c, q * root + t
    x = xp.where(w < 5, p, q) * v
    slope = 2 / math.sqrt(math.pi)
    tail = v > 0.5
    for _ in range(NEWTON_STEPS):
        # Where v > 1/2 on log(erfc): 1 - v is exact there (erf's rounding near 1 is not), and the logarithm is
        # nearly linear in x far out, where Giles' single-precision start is farthest off.
        c = erfc(xp, x)
        step_tail = (xp.log(c) - xp.log(rest)) * c
        x = x - xp.where(tail, -step_tail, erf(xp, x) - v) / (slope * xp.exp(-x * x))
    return xp.where(inside, x, xp.where(a == 1, xp.inf, xp.nan))


# --------------------------------------------------------------------------- the gamma family
# log|Gamma| by Lanczos' approximation (g = 7, nine terms: ~1e-15 relative) for x >= 1/2, by the reflection
# formula below; digamma and the polygammas by a shift to x >= ZETA_SHIFT and the asymptotic (Euler-Maclaurin)
# series there, each a fixed number of whole-array steps.
_LANCZOS_G = 7.0
_LANCZOS = (
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
)  # fmt: skip
# B_2k / (2k) for the digamma series, and B_2k / (2k)! for the Hurwitz zeta tail (k = 1..8)
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
ZETA_SHIFT = 10
MAX_TERMS = 100_000


def _reduced(xp: Any, x: Any) -> Any:
    """x - round(x), in [-1/2, 1/2]: |sin(pi x)| and cot(pi x) are those of it, exactly 0 and inf at the integers
    (where pi * x itself, rounded, would give neither)."""
    return x - xp.round(x)


def _lgamma_positive(xp: Any, x: Any) -> Any:
    z = x - 1
    acc = xp.full_like(z, _LANCZOS[0])
    for i, c in enumerate(_LANCZOS[1:], start=1):
        acc = acc + c / (z + i)
    t = z + _LANCZOS_G + 0.5
    return 0.5 * math.log(2 * math.pi) + (z + 0.5) * xp.log(t) - t + xp.log(acc)


def lgamma(xp: Any, x: Any) -> Any:
    """log|Gamma(x)| elementwise (+inf at the poles 0, -1, -2, ... and at +-inf), in ``x``'s floating dtype."""
    a = x.astype(xp.float64)
    right = a >= 0.5
    pos = _lgamma_positive(xp, xp.where(right, a, 1 - a))  # log Gamma(a), or log Gamma(1 - a) to reflect
    reflected = math.log(math.pi) - xp.log(xp.abs(xp.sin(math.pi * _reduced(xp, a)))) - pos
    out = xp.where(right, pos, reflected)
    out = xp.where(xp.isinf(a), xp.inf, out)
    return out.astype(x.dtype, copy=False)


def hurwitz_zeta(xp: Any, s: Any, q: Any) -> Any:
    """zeta(s, q) = sum over k >= 0 of (q + k)^-s for s > 1 (a number, or an array broadcasting with ``q``; float64):
    the first terms summed, then the Euler-Maclaurin tail at q + shift; +inf at q = 0, -1, -2, ..."""
    # q below 0 sums its way up to ZETA_SHIFT first (a read of the smallest q: one synchronisation on a GPU);
    # beyond MAX_TERMS terms the result is NaN rather than a loop of millions of steps.
    finite = xp.where(xp.isfinite(q), q, 0)
    lowest = float(finite.min()) if q.size else 0.0
    shift = ZETA_SHIFT + min(MAX_TERMS, max(0, int(math.ceil(-lowest))))
    total = xp.zeros_like(q)
    for k in range(shift):
        total = total + (q + k) ** -s
    a = q + shift
    tail = a ** (1 - s) / (s - 1) + 0.5 * a**-s
    rising, factorial, power = s, 2.0, a ** (-s - 1)
    for k, b in enumerate(_BERNOULLI, start=1):  # B_2k / (2k)! * s (s + 1) ... (s + 2k - 2) * a^(-s - 2k + 1)
        tail = tail + b * rising / factorial * power
        rising = rising * ((s + 2 * k - 1) * (s + 2 * k))  # (not in place: s may be the caller's array)
        factorial *= (2 * k + 1) * (2 * k + 2)
        power = power / (a * a)
    out = xp.where(q + shift < ZETA_SHIFT, xp.nan, total + tail)
    return xp.where((q <= 0) & (q == xp.floor(q)), xp.inf, out)


def zeta(xp: Any, s: Any, q: Any) -> Any:
    """The Hurwitz zeta function elementwise, as torch's (Cephes'): +inf at s = 1 and at q = 0, -1, ...; NaN for
    s < 1, for a negative q with a fractional s, and at an infinite s or q; in the arrays' common dtype."""
    dtype = xp.result_type(s, q)
    s64, q64 = xp.broadcast_arrays(s.astype(xp.float64), q.astype(xp.float64))
    finite = xp.isfinite(s64) & xp.isfinite(q64) & (s64 > 1)
    out = hurwitz_zeta(xp, xp.where(finite, s64, 2.0), xp.where(finite, q64, 1.0))
    out = xp.where((q64 < 0) & (q64 != xp.floor(q64)) & (s64 != xp.floor(s64)), xp.nan, out)
    out = xp.where(finite, out, xp.nan)
    out = xp.where((s64 == 1) | ((q64 <= 0) & (q64 == xp.floor(q64)) & (s64 >= 1)), xp.inf, out)
    out = xp.where(xp.isnan(s64) | xp.isnan(q64) | xp.isinf(s64), xp.nan, out)
    return out.astype(dtype, copy=False)


def digamma(xp: Any, x: Any) -> Any:
    """The logarithmic derivative of Gamma (-inf at 0, NaN at the negative integers), in ``x``'s dtype."""
    a = x.astype(xp.float64)
    right = a > 0
    v = xp.where(right, a, 1 - a)  # digamma(1 - a) for the reflection
    acc = xp.zeros_like(v)
    for _ in range(ZETA_SHIFT):  # digamma(v) = digamma(v + 1) - 1 / v, until v >= ZETA_SHIFT
        small = v < ZETA_SHIFT
        acc = acc - xp.where(small, 1 / v, 0)
        v = xp.where(small, v + 1, v)
    inv2 = 1 / (v * v)
    series = xp.zeros_like(v)
    for k in range(len(_BERNOULLI), 0, -1):  # the sum of B_2k / (2k) v^-2k, by Horner's rule in v^-2
        series = (series + _BERNOULLI[k - 1] / (2 * k)) * inv2
    pos = acc + xp.log(v) - 0.5 / v - series
    r = _reduced(xp, a)
    reflected = pos - math.pi * xp.cos(math.pi * r) / xp.sin(math.pi * r)
    out = xp.where(right, pos, reflected)
    out = xp.where(a == 0, -xp.inf, xp.where((a < 0) & (a == xp.floor(a)), xp.nan, out))
    out = xp.where(a == xp.inf, xp.inf, out)
    return out.astype(x.dtype, copy=False)


def polygamma(xp: Any, n: int, x: Any) -> Any:
    """The ``n``-th derivative of digamma (``n`` >= 1): (-1)^(n+1) n! zeta(n + 1, x), in ``x``'s dtype."""
    a = x.astype(xp.float64)
    sign = 1.0 if n % 2 else -1.0
    out = sign * math.factorial(n) * hurwitz_zeta(xp, n + 1.0, a)
    return xp.where(xp.isinf(a), xp.nan, out).astype(x.dtype, copy=False)  # torch's NaN at +-inf
