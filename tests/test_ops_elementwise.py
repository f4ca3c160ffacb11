"""Elementwise ops against torch: outputs, gradients (float64 and float32) and finite differences.

Each family of ops is one table of ``(name, fn(lib, *tensors), domains)`` and one
hypothesis test over it. Domains keep gradient tests off the points where an op is
not differentiable (|x| at 0, ties of maximum, clamp's bounds); what happens exactly
at those points is checked separately, on fixed inputs, in ``test_nondifferentiable_points``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch
from tests import parity
from tests import strategies as S

MAX_DIMS = 3  # gradcheck runs one backward per output element: keep tensors small


# ---------------------------------------------------------------- domains
def real(a: np.ndarray) -> np.ndarray:
    return a


def positive(a: np.ndarray) -> np.ndarray:
    """Values in [0.1, 1.1]: log, sqrt, fractional powers, bases of x ** y."""
    return np.asarray(np.abs(a) + 0.1)


def nonzero(a: np.ndarray) -> np.ndarray:
    """|values| >= 0.2: divisors and negative powers."""
    return S.away_from(a, (0.0,), margin=0.2)


def off(*points: float) -> Callable[[np.ndarray], np.ndarray]:
    """Values nudged off the points where an op has a kink."""
    return lambda a: S.away_from(a, points)


def inside_unit(a: np.ndarray) -> np.ndarray:
    """Values in [-0.9, 0.9]: asin, acos, atanh (singular at +-1)."""
    return np.asarray(a * 0.9)


def above_one(a: np.ndarray) -> np.ndarray:
    """Values in [1.1, 2.1]: acosh (singular at 1)."""
    return np.asarray(np.abs(a) + 1.1)


# x * 3 off the integers (trunc, frac: steps of 1 on [-3, 3])
THIRDS = off(*(k / 3 for k in range(-3, 4)))


def grid(k: int) -> Callable[[np.ndarray], np.ndarray]:
    """Values on 0.03 * n + 0.01 * k: operands with different ``k`` never tie (maximum, tensor clamp)."""
    return lambda a: np.asarray(np.round(a / 0.03) * 0.03 + 0.01 * k)


# Views taken inside both libraries, so the op also sees non-contiguous input.
# Slicing the last dimension keeps mutually broadcastable shapes broadcastable.
VIEWS = {
    "plain": lambda x: x,
    "step": lambda x: x[..., ::2] if x.ndim else x,
    "transposed": lambda x: x.transpose(0, -1) if x.ndim >= 2 else x,
}


def check_both(fn: Callable, *arrays: Any, **kw: Any) -> None:
    """parity.check_both, with numpy scalars (0-d arithmetic's results) made 0-d arrays again."""
    parity.check_both(fn, *(np.asarray(a) for a in arrays), **kw)


def check_parity(fn: Callable, *arrays: Any, **kw: Any) -> None:
    parity.check_parity(fn, *(np.asarray(a) for a in arrays), **kw)


def operands(n: int, min_side: int = 1) -> st.SearchStrategy:
    """``n`` float arrays in [-1, 1] whose shapes broadcast together."""
    return S.broadcastable_shapes(n, max_dims=MAX_DIMS, min_side=min_side).flatmap(
        lambda shapes: st.tuples(*(S.arrays(s) for s in shapes))
    )


# ------------------------------------------------------- one-tensor ops
UNARY = [
    ("neg", lambda lib, x: -x, real),
    ("neg_fn", lambda lib, x: lib.neg(x), real),
    ("abs", lambda lib, x: x.abs(), off(0.0)),
    ("abs_fn", lambda lib, x: lib.abs(x), off(0.0)),
    ("exp", lambda lib, x: lib.exp(x), real),
    ("reciprocal", lambda lib, x: lib.reciprocal(x), nonzero),
    ("reciprocal_method", lambda lib, x: x.reciprocal(), nonzero),
    ("log", lambda lib, x: x.log(), positive),
    ("sqrt", lambda lib, x: lib.sqrt(x), positive),
    ("sin", lambda lib, x: lib.sin(x), real),
    ("cos", lambda lib, x: x.cos(), real),
    ("tanh", lambda lib, x: lib.tanh(x), real),
    ("sigmoid", lambda lib, x: lib.sigmoid(x), real),
    ("relu", lambda lib, x: lib.relu(x), off(0.0)),
    ("relu_method", lambda lib, x: x.relu(), off(0.0)),
    ("square", lambda lib, x: lib.square(x), real),
    ("clamp", lambda lib, x: lib.clamp(x, -0.5, 0.5), off(-0.5, 0.5)),
    ("clamp_min", lambda lib, x: x.clamp(min=-0.3), off(-0.3)),
    ("clamp_max", lambda lib, x: lib.clamp(x, max=0.3), off(0.3)),
    ("clip", lambda lib, x: lib.clip(x, -0.2, 0.6), off(-0.2, 0.6)),
    # a Python scalar on either side
    ("add_scalar", lambda lib, x: x + 2, real),
    ("radd_scalar", lambda lib, x: 2.5 + x, real),
    ("sub_scalar", lambda lib, x: x - 2, real),
    ("rsub_scalar", lambda lib, x: 2 - x, real),
    ("mul_scalar", lambda lib, x: x * 3, real),
    ("rmul_scalar", lambda lib, x: -1.5 * x, real),
    ("div_scalar", lambda lib, x: x / 2, real),
    ("rdiv_scalar", lambda lib, x: 2 / x, nonzero),
    ("pow_int", lambda lib, x: x**3, real),
    ("pow_float", lambda lib, x: x**2.5, positive),
    ("pow_half", lambda lib, x: x.pow(0.5), positive),
    ("pow_neg", lambda lib, x: x**-1, nonzero),
    ("pow_zero", lambda lib, x: x**0, real),
    ("rpow", lambda lib, x: 2**x, real),
    ("rpow_float", lambda lib, x: 0.5**x, real),
    ("add_alpha_scalar", lambda lib, x: lib.add(x, 2, alpha=3), real),
    ("sub_alpha_scalar", lambda lib, x: x.sub(1.5, alpha=-2), real),
    ("add_bool_scalar", lambda lib, x: x + True, real),
    ("chain", lambda lib, x: lib.sigmoid(x) * lib.tanh(x) + lib.exp(-x * x), real),
    # piecewise constant: the result requires grad and its gradient is zero, as in torch
    ("sign", lambda lib, x: lib.sign(x), off(0.0)),
    ("floor", lambda lib, x: x.floor(), off(-1.0, 0.0, 1.0)),
    ("ceil", lambda lib, x: lib.ceil(x), off(-1.0, 0.0, 1.0)),
    ("round", lambda lib, x: x.round(), off(-0.5, 0.5)),
    ("trunc", lambda lib, x: lib.trunc(x * 3), THIRDS),
    ("fix_method", lambda lib, x: (x * 3).fix(), THIRDS),
    # elementary.py
    ("sinh", lambda lib, x: lib.sinh(x * 3), real),
    ("cosh", lambda lib, x: x.cosh(), real),
    ("tan", lambda lib, x: lib.tan(x), real),
    ("asin", lambda lib, x: lib.asin(x), inside_unit),
    ("arcsin_method", lambda lib, x: x.arcsin(), inside_unit),
    ("acos", lambda lib, x: x.acos(), inside_unit),
    ("atan", lambda lib, x: lib.atan(x * 4), real),
    ("asinh", lambda lib, x: lib.asinh(x * 4), real),
    ("acosh", lambda lib, x: x.acosh(), above_one),
    ("atanh", lambda lib, x: lib.arctanh(x), inside_unit),
    ("log2", lambda lib, x: lib.log2(x), positive),
    ("log10", lambda lib, x: x.log10(), positive),
    ("log1p", lambda lib, x: lib.log1p(x * 0.9), real),
    ("exp2", lambda lib, x: x.exp2(), real),
    ("expm1", lambda lib, x: lib.expm1(x), real),
    ("rsqrt", lambda lib, x: lib.rsqrt(x), positive),
    ("erf", lambda lib, x: x.erf(), real),
    ("erfc", lambda lib, x: lib.erfc(x * 4), real),
    ("erfinv", lambda lib, x: x.erfinv(), inside_unit),
    # gamma.py (off the poles: the negative side away from the integers)
    ("lgamma", lambda lib, x: lib.lgamma(x), off(*range(-8, 1))),
    ("digamma", lambda lib, x: x.digamma(), positive),
    ("mvlgamma", lambda lib, x: lib.mvlgamma(x + 1.5, 3) + x.mvlgamma(1), positive),
    ("polygamma", lambda lib, x: lib.polygamma(1, x) + x.polygamma(3) + lib.polygamma(0, x * 2), positive),
    ("frac", lambda lib, x: lib.frac(x * 3), THIRDS),
    ("deg2rad", lambda lib, x: lib.deg2rad(x * 90), real),
    ("rad2deg", lambda lib, x: x.rad2deg(), real),
    # (|2x| >= 0.04: nearer 0 the float32 gradient is the rounding of pi x cos(pi x) - sin(pi x), which cancels)
    ("sinc", lambda lib, x: lib.sinc(x * 2), lambda a: S.away_from(a, (0.0,), margin=0.02)),
    ("copysign_scalar", lambda lib, x: x.copysign(-1.5) * x, off(0.0)),
    # reduce.py: NaN-skipping reductions (NaN inputs: test_nan_reductions_skip_nan_like_torch)
    ("nansum", lambda lib, x: lib.nansum(x) if x.ndim == 0 else x.nansum(0), real),
    ("nanmean", lambda lib, x: lib.nanmean(x) * x.numel(), real),
    # pointwise.py, unary.py
    ("sgn", lambda lib, x: lib.sgn(x) * x, off(0.0)),
    ("logit", lambda lib, x: lib.logit(x * 0.45 + 0.5), real),
    ("logit_eps", lambda lib, x: x.logit(eps=0.2), off(0.2, 0.8)),
    ("nan_to_num", lambda lib, x: lib.nan_to_num(x, nan=0.5) * x, real),
]


@pytest.mark.parametrize("name,fn,domain", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary(name: str, fn: Callable, domain: Callable, data: st.DataObject) -> None:
    x = domain(data.draw(S.arrays(S.shapes(max_dims=MAX_DIMS, max_side=4)), label="x"))
    view = VIEWS[data.draw(st.sampled_from(sorted(VIEWS)), label="view")]
    check_both(lambda lib, t: fn(lib, view(t)), x)


# ------------------------------------------------------- two-tensor ops
BINARY = [
    ("add", lambda lib, x, y: x + y, real, real),
    ("add_alpha", lambda lib, x, y: lib.add(x, y, alpha=-1.5), real, real),
    ("sub", lambda lib, x, y: x - y, real, real),
    ("sub_alpha", lambda lib, x, y: lib.sub(x, y, alpha=0.5), real, real),
    ("mul", lambda lib, x, y: lib.mul(x, y), real, real),
    ("mul_reuse", lambda lib, x, y: x * y + x, real, real),
    ("div", lambda lib, x, y: x / y, real, nonzero),
    ("div_fn", lambda lib, x, y: lib.div(x, y), real, nonzero),
    ("pow", lambda lib, x, y: x**y, positive, real),
    ("pow_fn", lambda lib, x, y: lib.pow(x, 3 * y), positive, real),
    ("maximum", lambda lib, x, y: lib.maximum(x, y), grid(0), grid(1)),
    ("minimum", lambda lib, x, y: x.minimum(y), grid(0), grid(1)),
    # selection.py: NaN-ignoring extremes (ties go to the first operand)
    ("fmax", lambda lib, x, y: lib.fmax(x, y), grid(0), grid(1)),
    ("fmin", lambda lib, x, y: x.fmin(y), grid(0), grid(1)),
    ("copysign", lambda lib, x, y: lib.copysign(x, y), off(0.0), nonzero),
    # elementary.py
    # (the first operand off 0 too: atan2 jumps by 2 pi across y = 0 where x < 0)
    ("atan2", lambda lib, x, y: lib.atan2(x, y), nonzero, nonzero),
    ("arctan2_method", lambda lib, x, y: y.arctan2(x), nonzero, nonzero),
    ("hypot", lambda lib, x, y: lib.hypot(x, y), real, nonzero),
    ("logaddexp", lambda lib, x, y: x.logaddexp(y * 3), real, real),
    ("xlogy", lambda lib, x, y: lib.xlogy(x, y), real, positive),
    ("xlogy_method", lambda lib, x, y: y.xlogy(x), positive, positive),
    # |x / y| < 1: away from the jumps of trunc(x / y), fmod's gradient for y
    ("fmod", lambda lib, x, y: lib.fmod(x * 0.15, y), real, nonzero),
    ("fmod_scalar", lambda lib, x, y: x.fmod(0.3) * y, off(-0.9, -0.6, -0.3, 0.0, 0.3, 0.6, 0.9), real),
]


@pytest.mark.parametrize("name,fn,dom_x,dom_y", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary(name: str, fn: Callable, dom_x: Callable, dom_y: Callable, data: st.DataObject) -> None:
    a, b = data.draw(operands(2), label="operands")
    view = VIEWS[data.draw(st.sampled_from(["plain", "step"]), label="view")]
    check_both(lambda lib, x, y: fn(lib, view(x), view(y)), dom_x(a), dom_y(b))


@pytest.mark.parametrize("name,fn,domain", UNARY, ids=[u[0] for u in UNARY])
@settings(max_examples=5, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_unary_off_the_host(offhost: str, name: str, fn: Callable, domain: Callable, data: st.DataObject) -> None:
    x = domain(data.draw(S.arrays(S.shapes(max_dims=MAX_DIMS, max_side=4)), label="x"))
    view = VIEWS[data.draw(st.sampled_from(sorted(VIEWS)), label="view")]
    for dtype in (np.float64, np.float32):
        check_parity(lambda lib, t: fn(lib, view(t)), x, dtype=dtype, device=offhost)


@pytest.mark.parametrize("name,fn,dom_x,dom_y", BINARY, ids=[b[0] for b in BINARY])
@settings(max_examples=5, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_binary_off_the_host(
    offhost: str, name: str, fn: Callable, dom_x: Callable, dom_y: Callable, data: st.DataObject
) -> None:
    a, b = data.draw(operands(2), label="operands")
    view = VIEWS[data.draw(st.sampled_from(["plain", "step"]), label="view")]
    for dtype in (np.float64, np.float32):
        check_parity(lambda lib, x, y: fn(lib, view(x), view(y)), dom_x(a), dom_y(b), dtype=dtype, device=offhost)


CLAMPS = {
    "both": lambda lib, x, lo, hi: lib.clamp(x, lo, hi),
    "min": lambda lib, x, lo, hi: x.clamp(min=lo) + hi,
    "max": lambda lib, x, lo, hi: lib.clamp(x, max=hi) * lo,
    "crossed": lambda lib, x, lo, hi: lib.clamp(x, hi, lo),  # min > max in places: the result is max
}


@pytest.mark.parametrize("variant", sorted(CLAMPS))
@given(data=st.data())
def test_clamp_tensor_bounds(variant: str, data: st.DataObject) -> None:
    shapes = data.draw(S.broadcastable_shapes(3, max_dims=MAX_DIMS), label="shapes")
    # Bounds broadcast to x's shape: torch's own backward fails when they would enlarge it.
    x, lo, hi = (data.draw(S.arrays(s)) for s in [np.broadcast_shapes(*shapes), *shapes[1:]])
    check_both(CLAMPS[variant], grid(0)(x), grid(1)(lo - 0.3), grid(2)(hi + 0.3))


WHERES = {
    "tensors": lambda lib, c, x, y: lib.where(c, x, y),
    "method": lambda lib, c, x, y: x.where(c, y * 2),
    "scalar_other": lambda lib, c, x, y: lib.where(c, x * y, 0.0),
    "scalar_input": lambda lib, c, x, y: lib.where(c, -1, x + y),
}


@pytest.mark.parametrize("variant", sorted(WHERES))
@given(data=st.data())
def test_where(variant: str, data: st.DataObject) -> None:
    cshape, xshape, yshape = data.draw(S.broadcastable_shapes(3, max_dims=MAX_DIMS), label="shapes")
    cond = data.draw(hnp.arrays(np.bool_, cshape), label="cond")
    check_both(WHERES[variant], cond, data.draw(S.arrays(xshape)), data.draw(S.arrays(yshape)))


@pytest.mark.parametrize("value", ["scalar", "tensor"])
@given(data=st.data())
def test_masked_fill(value: str, data: st.DataObject) -> None:
    xshape, mshape = data.draw(S.broadcastable_shapes(2, max_dims=MAX_DIMS), label="shapes")
    x = data.draw(S.arrays(xshape), label="x")
    mask = data.draw(hnp.arrays(np.bool_, mshape), label="mask")
    if value == "scalar":
        check_both(lambda lib, t, m: t.masked_fill(m, -0.25) * t, x, mask)
    else:  # a 0-d tensor value receives the gradient of every position it fills
        v = np.array(data.draw(st.floats(-1, 1), label="v"))
        check_both(lambda lib, t, m, v: lib.masked_fill(t, m, v) * t, x, mask, v)


# ------------------------------------------------------------ size-0 tensors
@pytest.mark.parametrize("name,fn,dom_x,dom_y", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_empty(name: str, fn: Callable, dom_x: Callable, dom_y: Callable, data: st.DataObject) -> None:
    shape = data.draw(
        S.shapes(min_dims=1, max_dims=MAX_DIMS, min_side=0, max_side=3).filter(lambda s: 0 in s), label="shape"
    )
    other = tuple(1 if data.draw(st.booleans()) else n for n in shape)[data.draw(st.integers(0, len(shape))) :]
    a, b = data.draw(S.arrays(shape)), data.draw(S.arrays(other))
    if data.draw(st.booleans(), label="swap"):
        a, b = b, a
    check_parity(fn, dom_x(a), dom_y(b))


@pytest.mark.parametrize("name,fn,domain", UNARY, ids=[u[0] for u in UNARY])
def test_unary_empty(name: str, fn: Callable, domain: Callable) -> None:
    for shape in [(0,), (2, 0), (0, 3, 1)]:
        check_parity(fn, np.zeros(shape))


# --------------------------------------------- exactly at the kinks: ties and bounds
POINTS = [
    ("abs_at_0", lambda lib, x: x.abs(), [[-1.0, 0.0, 2.0, -0.0]]),
    ("relu_at_0", lambda lib, x: lib.relu(x), [[-1.0, 0.0, 2.0]]),
    ("maximum_ties", lambda lib, x, y: lib.maximum(x, y), [[1.0, 2.0, 3.0, 0.0], [1.0, 0.0, 3.0, 0.0]]),
    ("minimum_ties", lambda lib, x, y: lib.minimum(x, y), [[1.0, 2.0, 3.0, 0.0], [1.0, 0.0, 3.0, 4.0]]),
    ("maximum_nan", lambda lib, x, y: lib.maximum(x, y), [[1.0, np.nan, 2.0], [np.nan, 0.0, 1.0]]),
    ("minimum_nan", lambda lib, x, y: lib.minimum(x, y), [[1.0, np.nan, 2.0], [np.nan, 0.0, 1.0]]),
    ("clamp_at_bounds", lambda lib, x: x.clamp(-0.5, 0.5), [[-0.5, 0.0, 0.5, 1.0, -1.0]]),
    ("clamp_min_at_bound", lambda lib, x: x.clamp(min=0.0), [[-0.5, 0.0, 0.5]]),
    ("clamp_crossed_scalars", lambda lib, x: x.clamp(0.5, -0.5), [[-1.0, 0.0, 1.0]]),
    # x == lo, x == hi, lo == hi, x == lo == hi, lo > hi
    (
        "clamp_tensor_ties",
        lambda lib, x, lo, hi: lib.clamp(x, lo, hi),
        [[0.0, 1.0, 2.0, 0.0, 5.0, 1.0, 0.5], [0.0, 0.0, 2.0, 1.0, 3.0, 2.0, 2.0], [1.0, 1.0, 2.0, 1.0, 3.0, 0.0, 2.0]],
    ),
    ("clamp_tensor_min_tie", lambda lib, x, lo: lib.clamp(x, min=lo), [[0.0, 1.0, 2.0], [0.0, 2.0, 1.0]]),
    ("clamp_tensor_max_tie", lambda lib, x, hi: lib.clamp(x, max=hi), [[0.0, 1.0, 2.0], [0.0, 2.0, 1.0]]),
    ("sqrt_at_0", lambda lib, x: x.sqrt(), [[0.0, 1.0, -1.0]]),
    ("log_at_0", lambda lib, x: x.log(), [[0.0, 1.0, -1.0]]),
    ("pow_at_0", lambda lib, x, y: x**y, [[0.0, 0.0, 0.0, 2.0, -2.0], [0.0, 2.0, 0.5, 0.0, 2.0]]),
    ("pow_scalar_at_0", lambda lib, x: (x**2) + (x**0) + (x**0.5), [[0.0, 1.0]]),
    ("pow_half_negative_base", lambda lib, x: x**0.5, [[-2.0, 0.0, 4.0]]),
    ("pow_neg_at_0", lambda lib, x: x**-1.0, [[-2.0, 0.0, 4.0]]),
    ("rpow_zero_base", lambda lib, x: 0**x, [[0.0, 1.0, -1.0]]),
    ("div_by_0", lambda lib, x, y: x / y, [[1.0, 0.0, -1.0], [0.0, 0.0, 0.0]]),
    ("where_nan_branch", lambda lib, x: lib.where(x > 0, x.sqrt(), x), [[-1.0, 4.0]]),
    ("sigmoid_extremes", lambda lib, x: lib.sigmoid(x), [[-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0]]),
    ("tanh_extremes", lambda lib, x: lib.tanh(x), [[-1000.0, -20.0, 20.0, 1000.0]]),
    ("exp_overflow", lambda lib, x: lib.exp(x), [[-1000.0, 1000.0]]),
]


@pytest.mark.filterwarnings("error::RuntimeWarning")  # torch computes inf and nan silently
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn,inputs", POINTS, ids=[p[0] for p in POINTS])
def test_nondifferentiable_points(name: str, fn: Callable, inputs: list, dtype: Any) -> None:
    check_parity(fn, *(np.array(v) for v in inputs), dtype=dtype)


# ----------------------------------------------- results without a gradient
COMPARE = [
    ("eq", lambda lib, x, y: x == y),
    ("ne", lambda lib, x, y: x != y),
    ("lt", lambda lib, x, y: x < y),
    ("le", lambda lib, x, y: x <= y),
    ("gt", lambda lib, x, y: x > y),
    ("ge", lambda lib, x, y: x >= y),
    ("eq_fn", lambda lib, x, y: lib.eq(x, y)),
    ("lt_method", lambda lib, x, y: x.lt(y)),
    ("ge_fn", lambda lib, x, y: lib.ge(x, y)),
    ("lt_scalar", lambda lib, x, y: x < 1),
    ("scalar_lt", lambda lib, x, y: 0.5 < y),  # reflected: y.__gt__(0.5)
    ("eq_scalar", lambda lib, x, y: x == 0),
    ("scalar_ne", lambda lib, x, y: 1 != y),
    ("le_float_scalar", lambda lib, x, y: x <= 0.5),
]

# x's and y's dtypes; small integer values make ties common.
KINDS = {
    "float64": (np.float64, np.float64),
    "float32": (np.float32, np.float32),
    "int64": (np.int64, np.int64),
    "uint8_int8": (np.uint8, np.int8),
    "int32_float": (np.int32, np.float64),
    "bool_int": (np.bool_, np.int64),
}


@pytest.mark.parametrize("name,fn", COMPARE, ids=[c[0] for c in COMPARE])
@given(data=st.data())
def test_compare(name: str, fn: Callable, data: st.DataObject) -> None:
    xshape, yshape = data.draw(S.broadcastable_shapes(2, max_dims=MAX_DIMS, min_side=0), label="shapes")
    kx, ky = KINDS[data.draw(st.sampled_from(sorted(KINDS)), label="dtypes")]
    small = st.integers(-2, 2)
    x = data.draw(hnp.arrays(np.int64, xshape, elements=small)).astype(kx)
    y = data.draw(hnp.arrays(np.int64, yshape, elements=small)).astype(ky)
    dtype = np.float32 if np.float32 in (kx, ky) else np.float64
    check_parity(fn, x, y, dtype=dtype, grad=False)


LOGIC = [
    ("and", lambda lib, x, y: x & y),
    ("or", lambda lib, x, y: x | y),
    ("xor", lambda lib, x, y: x ^ y),
    ("invert", lambda lib, x, y: ~x),
    ("and_scalar", lambda lib, x, y: x & True),
    ("scalar_or", lambda lib, x, y: False | y),
    ("scalar_xor", lambda lib, x, y: True ^ y),
    ("logical_and", lambda lib, x, y: lib.logical_and(x, y)),
    ("logical_or", lambda lib, x, y: x.logical_or(y)),
    ("logical_xor", lambda lib, x, y: lib.logical_xor(x, y)),
    ("logical_not", lambda lib, x, y: lib.logical_not(y)),
    ("mask_algebra", lambda lib, x, y: (x & ~y) | (~x & y) == (x ^ y)),
]


@pytest.mark.parametrize("name,fn", LOGIC, ids=[c[0] for c in LOGIC])
@given(
    xy=S.broadcastable_shapes(2, max_dims=MAX_DIMS, min_side=0).flatmap(
        lambda s: st.tuples(hnp.arrays(np.bool_, s[0]), hnp.arrays(np.bool_, s[1]))
    )
)
def test_logical_bool(name: str, fn: Callable, xy: tuple) -> None:
    check_parity(fn, *xy, grad=False)


@pytest.mark.parametrize("op", ["logical_and", "logical_or", "logical_xor", "logical_not"])
@given(xy=operands(2, min_side=0))
def test_logical_of_numbers(op: str, xy: tuple) -> None:
    """Logical ops read any dtype as zero / non-zero and return bool."""
    x, y = (np.round(v) for v in xy)  # plenty of zeros
    fn = (
        (lambda lib, a, b: lib.logical_not(a))
        if op == "logical_not"
        else (lambda lib, a, b: getattr(lib, op)(a, b.to(lib.int64)))
    )
    check_parity(fn, x, y, grad=False)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("kind", ["float", "int", "int_scalar", "operator"])
@given(xy=operands(2))
def test_div_rounding_forward(mode: str, kind: str, xy: tuple) -> None:
    x, y = xy[0] * 9, nonzero(xy[1]) * 4
    if kind == "float":
        fn = lambda lib, a, b: lib.div(a, b, rounding_mode=mode)  # noqa: E731
    elif kind == "int":
        x, y = x.astype(np.int64), np.where(y.astype(np.int64) == 0, -3, y.astype(np.int64))
        fn = lambda lib, a, b: a.div(b, rounding_mode=mode)  # noqa: E731
    elif kind == "int_scalar":
        x = x.astype(np.int32)
        fn = lambda lib, a, b: lib.div(a, -3, rounding_mode=mode)  # noqa: E731
    else:  # // is floor division for tensors and scalars on either side
        fn = lambda lib, a, b: (a // b, a // 2, 7 // b)  # noqa: E731
    check_parity(fn, x, y, grad=False)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_floor_division_corrects_rounding(dtype: Any) -> None:
    """floor(a / b) is off by one where a / b rounds up to an integer (1 // 0.1 is 9, not 10)."""
    a, b = np.array([1.0, 0.3, -1.0, 0.7, 1.0, 0.0, -1.0]), np.array([0.1, 0.1, 0.1, -0.1, 0.0, 0.0, 0.0])
    check_parity(
        lambda lib, x, y: (x // y, lib.div(x, y, rounding_mode="floor"), x // 0.1), a, b, dtype=dtype, grad=False
    )


def test_integer_division_by_zero_raises() -> None:
    for lib in (torch, minitorch):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            lib.div(lib.tensor([3, 4]), lib.tensor([1, 0]), rounding_mode="floor")


# ------------------------------------------------------------------ bad input
BROADCASTING_OPS = {
    "add": lambda lib, x, y, z: x + y,
    "sub": lambda lib, x, y, z: lib.sub(x, y, alpha=2),
    "mul": lambda lib, x, y, z: x * y,
    "div": lambda lib, x, y, z: x / y,
    "pow": lambda lib, x, y, z: x**y,
    "maximum": lambda lib, x, y, z: lib.maximum(x, y),
    "minimum": lambda lib, x, y, z: lib.minimum(x, y),
    "lt": lambda lib, x, y, z: x < y,
    "eq": lambda lib, x, y, z: lib.eq(x, y),
    "logical_and": lambda lib, x, y, z: lib.logical_and(x, y),
    "and": lambda lib, x, y, z: (x > 0) & (y > 0),
    "xor": lambda lib, x, y, z: (x > 0) ^ (y > 0),
    "where": lambda lib, x, y, z: lib.where(z > 0, x, y),
    "where_cond": lambda lib, x, y, z: lib.where(y > 0, x, z),
    "masked_fill": lambda lib, x, y, z: x.masked_fill(y > 0, 1.0),
    "clamp": lambda lib, x, y, z: lib.clamp(x, min=z, max=y),
}


@pytest.mark.parametrize("op", sorted(BROADCASTING_OPS))
@given(data=st.data())
def test_mismatched_shapes_raise(op: str, data: st.DataObject) -> None:
    shape = data.draw(S.shapes(min_dims=1, max_dims=MAX_DIMS, min_side=2, max_side=4), label="shape")
    dim = data.draw(st.integers(0, len(shape) - 1), label="dim")
    bad = list(shape)
    bad[dim] += data.draw(st.integers(1, 2), label="grow")
    lead = data.draw(st.integers(0, 1), label="extra leading dims")
    shapes = [shape, tuple([2] * lead + bad), shape]
    fn = BROADCASTING_OPS[op]
    with pytest.raises(RuntimeError) as want:
        fn(torch, *(torch.ones(s) for s in shapes))
    sizes = re.findall(r"\((\d+)\)", str(want.value))
    assert sorted(int(n) for n in sizes) == sorted([shape[dim], bad[dim]]), str(want.value)
    with pytest.raises(RuntimeError, match=re.escape(str(want.value))):
        fn(minitorch, *(minitorch.ones(s) for s in shapes))


def test_mismatched_shapes_message() -> None:
    with pytest.raises(
        RuntimeError,
        match=re.escape("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    ):
        minitorch.ones(2, 3) + minitorch.ones(2, 4)


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda lib: lib.tensor([True]) - lib.tensor([False]), RuntimeError, "two bool tensors"),
        (lambda lib: lib.ones(2) - lib.tensor([True, False]), RuntimeError, "with a bool tensor"),
        (lambda lib: lib.tensor([True]) - 1, RuntimeError, "with a bool tensor"),
        (lambda lib: 2.5 - lib.tensor([True]), RuntimeError, "with a bool tensor"),
        (lambda lib: lib.ones(2) - True, RuntimeError, "with a bool tensor"),
        (lambda lib: -lib.tensor([True]), RuntimeError, "Negation, the `-` operator, on a bool tensor"),
        (lambda lib: lib.ones(2) & lib.ones(2), NotImplementedError, "bitwise_and_cpu\" not implemented for 'Float'"),
        (lambda lib: ~lib.ones(2), TypeError, "only implemented on integer and Boolean"),
        (lambda lib: lib.where(lib.ones(2), lib.ones(2), lib.zeros(2)), RuntimeError, "condition to be a boolean"),
        (lambda lib: lib.ones(2).masked_fill(lib.ones(2), 0.0), RuntimeError, "only supports boolean masks"),
        (lambda lib: lib.clamp(lib.ones(2)), RuntimeError, "At least one of 'min' or 'max' must not be None"),
        (lambda lib: lib.div(lib.ones(2), 2, rounding_mode="round"), RuntimeError, "rounding_mode"),
        (lambda lib: lib.add(lib.tensor([1, 2]), 1, alpha=0.5), RuntimeError, "alpha must not be a floating"),
    ],
)
def test_bad_arguments_raise_like_torch(fn: Callable, exc: type, match: str) -> None:
    for lib in (torch, minitorch):
        with pytest.raises(exc, match=re.escape(match)) as info:
            fn(lib)
        assert type(info.value) is exc, f"{lib.__name__}: {type(info.value).__name__}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name, fn",
    [
        ("relu", lambda t: t.relu()),
        ("sigmoid", lambda t: t.sigmoid()),
        ("clamp_min", lambda t: t.clamp(min=-0.5)),
        ("clamp_max", lambda t: t.clamp(max=0.25)),
        ("clamp_both", lambda t: t.clamp(-1, 2)),
        ("clamp_int_bound", lambda t: t.clamp(min=0)),
    ],
)
def test_large_inputs_take_the_whole_array_paths_like_torch(name: str, fn: Callable, dtype: Any) -> None:
    """Above a few thousand elements relu/clamp compare against cached whole arrays and sigmoid blends
    by its sign mask: values and gradients as torch's, infinities and NaN included, twice (cache hit)."""
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.standard_normal(6000) * 20, [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-30, -90.0, 90.0]])
    g = rng.standard_normal(x.size)
    for _ in range(2):
        out = []
        for lib in (minitorch, torch):
            t = lib.tensor(x.astype(dtype), requires_grad=True)
            y = fn(t)
            y.backward(lib.tensor(g.astype(dtype)))
            out.append((y.detach().numpy(), t.grad.numpy()))
        # sigmoid: last-bit differences, and float32 results in the denormal range where torch gives 0
        rtol, atol = (0, 0) if name != "sigmoid" else {np.float32: (1e-6, 1e-37), np.float64: (1e-15, 0)}[dtype]
        np.testing.assert_allclose(out[0][0], out[1][0], rtol=rtol, atol=atol)
        np.testing.assert_allclose(out[0][1], out[1][1], rtol=rtol * 4, atol=atol)
        assert out[0][0].dtype == dtype


# Backward formulas that select (torch: where(mask, grad, 0)) give 0, not NaN, where the mask stops an
# infinite or NaN gradient: here sqrt'(0) = inf arrives at elements the op cut off.
_STOPPED = {
    "relu": lambda lib, x, y: x.relu().sqrt(),
    "clamp_min": lambda lib, x, y: x.clamp(min=0).sqrt(),
    "clamp_max": lambda lib, x, y: x.clamp(max=0).neg().sqrt(),
    "clamp_tensor": lambda lib, x, y: x.clamp(min=y * 0, max=y + 1).sqrt(),
    "masked_fill": lambda lib, x, y: x.masked_fill(x.detach() < 0, 0.0).sqrt(),
    "where": lambda lib, x, y: lib.where(x.detach() > 0, x, y * 0).sqrt(),
    "maximum": lambda lib, x, y: lib.maximum(x, y * 0).sqrt(),
    "minimum": lambda lib, x, y: lib.minimum(x, y * 0).neg().sqrt(),
    "min_then_var": lambda lib, x, y: x.min().var(),  # var of one element: a NaN gradient for the minimum only
    "max_of_nan": lambda lib, x, y: (x / x.detach().sign().abs()).max(),  # 0 / 0: the NaN is the maximum
}


@pytest.mark.parametrize("name", sorted(_STOPPED))
def test_a_stopped_gradient_is_zero_even_when_infinite(name):
    x = np.array([-1.0, 0.0, 2.0, -0.5, 3.0])
    y = np.array([0.5, 1.0, -1.0, 2.0, 0.25])
    for dtype in (np.float64, np.float32):
        check_parity(_STOPPED[name], x, y, dtype=dtype)


@pytest.mark.parametrize(
    "expr",
    [
        "x % y",
        "x % 1.5",
        "x.remainder(y)",
        "x.div(y, rounding_mode='floor')",
        "x.div(y, rounding_mode='trunc')",
        "x.div(2.0, rounding_mode='trunc') + x",
    ],
)
def test_rounding_division_gradients_match_torch(expr):
    """remainder differentiates (1, -floor(a / b)); a rounded quotient has a zero gradient (DivBackward2)."""
    x = np.array([1.5, -2.5, 3.0, -0.25])
    y = np.array([0.7, 1.1, -2.0, 0.3])
    check_parity(lambda lib, a, b: eval(expr, {"x": a, "y": b}), x, y)
    got, want = (
        type(eval(expr, {"x": lib.tensor(x, requires_grad=True), "y": lib.tensor(y)}).grad_fn).__name__
        for lib in (minitorch, torch)
    )
    assert got == want


@pytest.mark.parametrize("expr, op", [("x // y", "floor_divide"), ("x // 2", "floor_divide"), ("2.5 % x", "remainder")])
def test_operations_without_a_derivative_refuse_backward_as_torch(expr, op):
    for lib in (torch, minitorch):
        x, y = lib.tensor([1.5, -2.5], requires_grad=True), lib.tensor([0.7, 1.1])
        out = eval(expr, {"x": x, "y": y})
        assert out.requires_grad
        with pytest.raises(RuntimeError, match=f"derivative for aten::{op} is not implemented"):
            out.sum().backward()


@pytest.mark.parametrize("x", [[np.inf, 2.0, -3.0], [1e300, 1e10, -2.0], [0.0, 2.0, -3.0], [0.0, 0.0, np.inf]], ids=str)
def test_prod_gradient_follows_torchs_formula(x):
    """Without a zero, torch's gradient is prod / x (NaN for an infinite factor); with zeros, the product of
    the others."""
    check_parity(lambda lib, a: a.prod(), np.array(x))
    check_parity(lambda lib, a: a.reshape(1, 3).prod(1), np.array(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("exponent", [2, 3, -1, -2, -0.5, 3.0, -2.0])
def test_powers_torch_computes_as_products_have_its_bits(dtype: Any, exponent: Any) -> None:
    """x ** 3, x ** -2 and x ** -0.5 are torch's products (x * x * x, ...), not numpy's power, whose float32
    (-x) ** 3 is not -(x ** 3): the bits of torch's, and odd powers of opposite numbers cancel exactly."""
    x = np.random.default_rng(7).uniform(-3, 3, 4096).astype(dtype)
    x[:4] = [-0.84303011, 0.84303011, 0.0, -0.0]
    with np.errstate(all="ignore"):
        parity.assert_same_as_torch(lambda lib: lib.tensor(x) ** exponent)
        parity.assert_same_as_torch(lambda lib: lib.pow(lib.tensor(x), exponent))
    if exponent == 3:
        cubes = (minitorch.tensor(x[:2]) ** exponent).numpy()
        assert cubes[0] == -cubes[1]


def test_lp_pool_of_opposite_values_is_zero_as_torch() -> None:
    """A window of x and -x: the sum of cubes is exactly 0 (it was -3e-8 in float32, and its cube root NaN)."""
    x = np.array([[-0.84303011, 0.84303011], [0.84303011, -0.84303011]])
    parity.check_both(lambda lib, t: lib.nn.functional.lp_pool1d(t, 3, 2), x, gradcheck=False)


def test_pow_exponent_gradient_multiplies_after_selecting_as_torch():
    # sqrt'(0) = inf reaches 0 ** 2, whose exponent gradient torch selects as 0 and then multiplies: NaN.
    check_parity(lambda lib, a, b: (a**b).sqrt(), np.array([0.0, 1.5]), np.array([2.0, 0.5]))


@pytest.mark.parametrize(
    "expr",
    [
        "x.clamp(min=0)",
        "x.clamp(-0.5, 0.5)",
        "x.clip(max=1.0)",
        "x.clamp(min=y)",
        "lib.clamp_min(x, 0.25)",
        "lib.clamp_max(x, 0.25)",
        "lib.clamp_min(x, y)",
        "lib.clamp_max(x, y)",
        "x.clamp_min(0)",
        "x.clamp_max(y)",
    ],
)
def test_clamp_spellings_record_torch_s_nodes_and_gradients(expr):
    """clamp, clamp_min and clamp_max: torch's node names (ClampBackward1, ClampMinBackward0, ...) and values."""
    x = np.array([1.5, -2.5, 0.25, -0.25, 0.0])
    y = np.array([0.7, -3.0, 0.25, 0.3, -1.0])
    check_parity(lambda lib, a, b: eval(expr, {"x": a, "y": b, "lib": lib}), x, y)
    names = []
    for lib in (minitorch, torch):
        x_t, y_t = lib.tensor(x, requires_grad=True), lib.tensor(y, requires_grad=True)
        names.append(type(eval(expr, {"x": x_t, "y": y_t, "lib": lib}).grad_fn).__name__)
    assert names[0] == names[1]


@pytest.mark.parametrize(
    "expr",
    [
        "lib.frac(i)",
        "lib.hypot(i, i)",
        "lib.logaddexp(i, i)",
        "lib.atan2(f, 2)",
        "lib.hypot(f, 0.5)",
        "lib.logaddexp(2.0, f)",
    ],
)
def test_elementary_functions_refuse_what_torch_refuses(expr):
    """Integer tensors where torch's kernels take floats only; numbers where torch's functions take tensors."""
    raised = []
    for lib in (torch, minitorch):
        i, f = lib.tensor([1, 2]), lib.tensor([0.5, 1.5])
        with pytest.raises((TypeError, NotImplementedError)) as err:
            eval(expr, {"lib": lib, "i": i, "f": f})
        raised.append((err.type, str(err.value)))
    assert raised[1] == raised[0]


def test_elementary_functions_of_integers_compute_in_the_default_float():
    for name in ("sinh", "asin", "log2", "rsqrt", "erf", "deg2rad", "expm1"):
        for dtype in (minitorch.float32, minitorch.float64):
            minitorch.set_default_dtype(dtype)
            try:
                got = getattr(minitorch, name)(minitorch.tensor([0, 1]))
            finally:
                minitorch.set_default_dtype(minitorch.float32)
            want = getattr(torch, name)(torch.tensor([0, 1], dtype=torch.float64))
            assert got.dtype is dtype
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    assert minitorch.atan2(minitorch.tensor([1]), minitorch.tensor([2])).dtype is minitorch.float32
    assert minitorch.trunc(minitorch.tensor([3, -2])).dtype is minitorch.int64


ADDC = {
    "addcmul": lambda lib, x, a, b: lib.addcmul(x, a, b, value=-1.5),
    "addcmul_method": lambda lib, x, a, b: x.addcmul(a, b),
    "addcdiv": lambda lib, x, a, b: lib.addcdiv(x, a, b, value=0.5),
    "addcdiv_inplace": lambda lib, x, a, b: (x + 0 * a * b).addcdiv_(a, b, value=2),  # (self of the full shape)
}


@pytest.mark.parametrize("variant", sorted(ADDC))
@given(data=st.data())
def test_addcmul_addcdiv(variant: str, data: st.DataObject) -> None:
    x, a, b = data.draw(operands(3), label="operands")
    check_both(ADDC[variant], x, a, nonzero(b))


@pytest.mark.parametrize(
    "expr",
    [
        "lib.addcdiv(lib.tensor([1, 2]), lib.tensor([1, 2]), lib.tensor([1, 2]))",
        "lib.fmod(2.0, lib.ones(2))",
        "lib.fmod(lib.tensor([1, 2]), lib.tensor([0, 1]))",
    ],
)
def test_pointwise_functions_refuse_what_torch_refuses(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


def test_addcmul_of_integers_and_nan_to_num_s_defaults_as_torch():
    for lib in (torch, minitorch):
        i = lib.tensor([1, 2])
        assert lib.addcmul(i, i, i, value=2).tolist() == [3, 10]
    x = np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32)
    got = minitorch.nan_to_num(minitorch.tensor(x)).numpy()
    np.testing.assert_array_equal(got, torch.nan_to_num(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(minitorch.nan_to_num(minitorch.tensor([1, 2])).numpy(), [1, 2])
