"""Every other spelling of the elementwise ops against torch: numpy-style aliases (``arccos``, ``multiply``),
the function or method form a family's main tests do not call, and the in-place forms (``x.acos_()``).

The main parity tests (``test_ops_elementwise.py`` and its neighbours) each exercise one spelling of an op;
torch's API has several, and each is a name a user may call, so each is compared with torch here: outputs
and gradients in float64 and float32 and a finite-difference gradcheck. An in-place form runs on a non-leaf
(``(x * 1).acos_()``) so that the gradient flows through it, as it does in torch; that it returns the tensor
it changed and bumps its version is checked once for every in-place name of the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import parity
from tests import strategies as S

MAX_DIMS = 3


def real(a: np.ndarray) -> np.ndarray:
    return a


def positive(a: np.ndarray) -> np.ndarray:
    """Values in [0.1, 1.1]."""
    return np.asarray(np.abs(a) + 0.1)


def unit_open(a: np.ndarray) -> np.ndarray:
    """Values in [0.05, 0.95]: logit's domain, away from its poles."""
    return np.asarray(np.abs(a) * 0.9 + 0.05)


def inside_unit(a: np.ndarray) -> np.ndarray:
    """Values in [-0.9, 0.9]."""
    return np.asarray(a * 0.9)


def above_one(a: np.ndarray) -> np.ndarray:
    """Values in [1.1, 2.1]."""
    return np.asarray(np.abs(a) + 1.1)


def off_integers(a: np.ndarray) -> np.ndarray:
    """x * 3 nudged off the integers: ceil, trunc, fix and frac jump there."""
    return S.away_from(np.asarray(a * 3), tuple(float(k) for k in range(-3, 4)))


def nonzero(a: np.ndarray) -> np.ndarray:
    return S.away_from(a, (0.0,), margin=0.2)


def off(*points: float) -> Callable[[np.ndarray], np.ndarray]:
    """Values nudged off the points where an op has a kink (clip's bounds, renorm's maximum norm)."""
    return lambda a: S.away_from(a, points)


def check_both(fn: Callable, *arrays: Any, **kw: Any) -> None:
    parity.check_both(fn, *(np.asarray(a) for a in arrays), **kw)


# (name, fn(lib, x), domain): each row one spelling; in-place forms on a non-leaf.
UNARY = [
    ("absolute", lambda lib, x: lib.absolute(x) + x.absolute(), nonzero),
    ("abs_", lambda lib, x: (x * 1).abs_(), nonzero),
    ("acos", lambda lib, x: lib.acos(x), inside_unit),
    ("acos_", lambda lib, x: (x * 1).acos_(), inside_unit),
    ("arccos", lambda lib, x: lib.arccos(x) + x.arccos(), inside_unit),
    ("arccos_", lambda lib, x: (x * 1).arccos_(), inside_unit),
    ("acosh", lambda lib, x: lib.acosh(x), above_one),
    ("acosh_", lambda lib, x: (x * 1).acosh_(), above_one),
    ("arccosh", lambda lib, x: lib.arccosh(x) + x.arccosh(), above_one),
    ("arccosh_", lambda lib, x: (x * 1).arccosh_(), above_one),
    ("asin", lambda lib, x: x.asin(), inside_unit),
    ("asin_", lambda lib, x: (x * 1).asin_(), inside_unit),
    ("arcsin", lambda lib, x: lib.arcsin(x), inside_unit),
    ("arcsin_", lambda lib, x: (x * 1).arcsin_(), inside_unit),
    ("asinh", lambda lib, x: x.asinh(), real),
    ("asinh_", lambda lib, x: (x * 1).asinh_(), real),
    ("arcsinh", lambda lib, x: lib.arcsinh(x) + x.arcsinh(), real),
    ("arcsinh_", lambda lib, x: (x * 1).arcsinh_(), real),
    ("atan", lambda lib, x: x.atan(), real),
    ("atan_", lambda lib, x: (x * 1).atan_(), real),
    ("arctan", lambda lib, x: lib.arctan(x) + x.arctan(), real),
    ("arctan_", lambda lib, x: (x * 1).arctan_(), real),
    ("atanh", lambda lib, x: x.atanh(), inside_unit),
    ("atanh_", lambda lib, x: (x * 1).atanh_(), inside_unit),
    ("arctanh", lambda lib, x: x.arctanh(), inside_unit),
    ("arctanh_", lambda lib, x: (x * 1).arctanh_(), inside_unit),
    ("cosh", lambda lib, x: lib.cosh(x), real),
    ("cosh_", lambda lib, x: (x * 1).cosh_(), real),
    ("sinh", lambda lib, x: x.sinh(), real),
    ("sinh_", lambda lib, x: (x * 1).sinh_(), real),
    ("tan", lambda lib, x: x.tan(), inside_unit),
    ("tan_", lambda lib, x: (x * 1).tan_(), inside_unit),
    ("tanh_", lambda lib, x: (x * 1).tanh_(), real),
    ("negative", lambda lib, x: lib.negative(x) + x.negative(), real),
    ("neg_", lambda lib, x: (x * 1).neg_(), real),
    ("ceil", lambda lib, x: x.ceil(), off_integers),
    ("fix", lambda lib, x: lib.fix(x) + x.fix(), off_integers),
    ("fix_", lambda lib, x: (x * 1).fix_(), off_integers),
    ("trunc", lambda lib, x: x.trunc(), off_integers),
    ("trunc_", lambda lib, x: (x * 1).trunc_(), off_integers),
    ("frac", lambda lib, x: x.frac(), off_integers),
    ("frac_", lambda lib, x: (x * 1).frac_(), off_integers),
    ("rsqrt", lambda lib, x: x.rsqrt(), positive),
    ("rsqrt_", lambda lib, x: (x * 1).rsqrt_(), positive),
    # (sgn's gradient is torch's ZeroTensor, which has no numpy form: through a product instead)
    ("sgn", lambda lib, x: x.sgn() * x, nonzero),
    ("sgn_", lambda lib, x: (x * 1).sgn_() * x, nonzero),
    ("sinc", lambda lib, x: x.sinc(), nonzero),
    ("sinc_", lambda lib, x: (x * 1).sinc_(), nonzero),
    ("square", lambda lib, x: x.square(), real),
    ("log_", lambda lib, x: (x * 1).log_(), positive),
    ("log2", lambda lib, x: x.log2(), positive),
    ("log2_", lambda lib, x: (x * 1).log2_(), positive),
    ("log10_", lambda lib, x: (x * 1).log10_(), positive),
    ("log1p_", lambda lib, x: (x * 1).log1p_(), positive),
    ("lgamma", lambda lib, x: x.lgamma(), positive),
    ("lgamma_", lambda lib, x: (x * 1).lgamma_(), positive),
    ("digamma_", lambda lib, x: (x * 1).digamma_(), positive),
    ("polygamma_", lambda lib, x: (x * 1).polygamma_(1), positive),
    ("erf_", lambda lib, x: (x * 1).erf_(), real),
    ("erfc", lambda lib, x: x.erfc(), real),
    ("erfc_", lambda lib, x: (x * 1).erfc_(), real),
    ("erfinv_", lambda lib, x: (x * 1).erfinv_(), inside_unit),
    ("exp2_", lambda lib, x: (x * 1).exp2_(), real),
    ("expm1_", lambda lib, x: (x * 1).expm1_(), real),
    ("reciprocal_", lambda lib, x: (x * 1).reciprocal_(), nonzero),
    ("relu_", lambda lib, x: (x * 1).relu_(), nonzero),
    ("sigmoid_", lambda lib, x: (x * 1).sigmoid_(), real),
    ("sqrt_", lambda lib, x: (x * 1).sqrt_(), positive),
    ("logit_", lambda lib, x: (x * 1).logit_(), unit_open),
    ("deg2rad", lambda lib, x: x.deg2rad(), real),
    ("deg2rad_", lambda lib, x: (x * 1).deg2rad_(), real),
    ("rad2deg", lambda lib, x: lib.rad2deg(x), real),
    ("rad2deg_", lambda lib, x: (x * 1).rad2deg_(), real),
    ("nan_to_num", lambda lib, x: x.nan_to_num(), real),
    ("nan_to_num_", lambda lib, x: (x * 1).nan_to_num_(nan=0.5), real),
    ("clip", lambda lib, x: x.clip(-0.4, 0.3), off(-0.4, 0.3)),
    ("clip_", lambda lib, x: (x * 1).clip_(min=-0.25), off(-0.25)),
    # (a row whose norm is the maximum sits on a kink: one-element rows kept off it)
    (
        "renorm",
        lambda lib, x: lib.renorm(x.reshape(x.shape[0], -1) if x.ndim else x.reshape(1, 1), 2, 0, 0.5),
        off(-0.5, 0.5),
    ),
    ("renorm_method", lambda lib, x: (x.reshape(-1, 1) * 3).renorm(1, 1, 0.7), nonzero),  # (|x| has a kink at 0)
    ("renorm_", lambda lib, x: (x.reshape(-1, 1) * 3).renorm_(2, 0, 0.4), real),
]


# In-place forms torch has no derivative for ("the derivative for 'inplace version of acosh' is not
# implemented"): minitorch differentiates them as their out-of-place twins; values against torch's, gradients
# against finite differences.
NO_TORCH_DERIVATIVE = {"acosh_", "arccosh_", "asinh_", "arcsinh_", "atanh_", "arctanh_"}


@pytest.mark.parametrize("name,fn,domain", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary_spellings(name: str, fn: Callable, domain: Callable, data: st.DataObject) -> None:
    x = domain(data.draw(S.arrays(S.shapes(max_dims=MAX_DIMS, max_side=4)), label="x"))
    if name in NO_TORCH_DERIVATIVE:
        check_both(fn, x, grad=False)
        parity.check_gradcheck(fn, x)
    else:
        check_both(fn, x)


def operands(n: int) -> st.SearchStrategy:
    """``n`` float arrays in [-1, 1] whose shapes broadcast together."""
    return S.broadcastable_shapes(n, max_dims=MAX_DIMS).flatmap(
        lambda shapes: st.tuples(*(S.arrays(s) for s in shapes))
    )


# ldexp's exponents (y * 3).round() and y.round(): y off the points where they jump
EXPONENTS = off(-0.5, 0.5, *((k + 0.5) / 3 for k in range(-4, 4)))

# (name, fn(lib, x, y), domain of x, domain of y); an in-place form writes into x's shape, so there y is
# taken as x's shape (``y.expand_as(x)`` where it broadcasts).
BINARY = [
    ("arctan2", lambda lib, x, y: lib.arctan2(x, y), nonzero, nonzero),
    ("atan2_method", lambda lib, x, y: x.atan2(y), nonzero, nonzero),
    ("atan2_", lambda lib, x, y: (x * 1).atan2_(y.expand_as(x)), nonzero, nonzero),
    ("arctan2_", lambda lib, x, y: (x * 1).arctan2_(y.expand_as(x)), nonzero, nonzero),
    ("copysign_", lambda lib, x, y: (x * 1).copysign_(y.expand_as(x)), nonzero, nonzero),
    ("fmax_method", lambda lib, x, y: x.fmax(y + 0.005), real, real),
    ("fmod_", lambda lib, x, y: (x * 0.15).fmod_(y.expand_as(x)), real, nonzero),
    ("hypot_method", lambda lib, x, y: x.hypot(y), nonzero, real),
    ("hypot_", lambda lib, x, y: (x * 1).hypot_(y.expand_as(x)), nonzero, real),
    ("xlogy_", lambda lib, x, y: (x * 1).xlogy_(y.expand_as(x)), real, positive),
    ("divide", lambda lib, x, y: lib.divide(x, y) + x.divide(y), real, nonzero),
    ("divide_trunc", lambda lib, x, y: lib.divide(x * 3, y, rounding_mode="trunc") + x, real, nonzero),
    ("divide_floor", lambda lib, x, y: (x * 3).divide(y, rounding_mode="floor") * y, real, nonzero),
    ("true_divide", lambda lib, x, y: lib.true_divide(x, y) + x.true_divide(y), real, nonzero),
    ("multiply", lambda lib, x, y: lib.multiply(x, y) + x.multiply(y), real, real),
    ("subtract", lambda lib, x, y: lib.subtract(x, y, alpha=2) + x.subtract(y), real, real),
    ("ldexp", lambda lib, x, y: lib.ldexp(x, (y * 3).round()) + x.ldexp(y.round()), real, EXPONENTS),
    ("ldexp_", lambda lib, x, y: (x * 1).ldexp_((y * 3).round().expand_as(x)), real, EXPONENTS),
    ("float_power", lambda lib, x, y: lib.float_power(x, y) + x.float_power(2), positive, real),
    ("heaviside", lambda lib, x, y: x.heaviside(y).detach() + x, nonzero, real),
    ("vdot", lambda lib, x, y: lib.vdot(x.reshape(-1), y.expand_as(x).reshape(-1)), real, real),
    ("vdot_method", lambda lib, x, y: x.reshape(-1).vdot(y.expand_as(x).reshape(-1)), real, real),
    ("dist", lambda lib, x, y: x.dist(y + 0.01, 3), real, real),
    ("addcmul_", lambda lib, x, y: (x * 1).addcmul_(y.expand_as(x), x, value=0.5), real, real),
    ("addcdiv_method", lambda lib, x, y: x.addcdiv(x, y, value=-2), real, nonzero),
]


@pytest.mark.parametrize("name,fn,dom_x,dom_y", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_spellings(name: str, fn: Callable, dom_x: Callable, dom_y: Callable, data: st.DataObject) -> None:
    a, b = data.draw(operands(2), label="operands")
    a = np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)).copy()  # x takes the broadcast shape (in place)
    # (a rounded quotient jumps where finite differences may step across: values and gradients against torch)
    check_both(fn, dom_x(a), dom_y(b), gradcheck=not name.startswith("divide_"))


# Integer ops: the same in both libraries, exactly (no gradients).
INTEGER = [
    ("gcd", lambda lib, x, y: lib.gcd(x, y) + x.gcd(y)),
    ("gcd_", lambda lib, x, y: x.clone().gcd_(y)),
    ("lcm", lambda lib, x, y: lib.lcm(x, y) + x.lcm(y)),
    ("lcm_", lambda lib, x, y: x.clone().lcm_(y)),
    ("floor_divide", lambda lib, x, y: lib.floor_divide(x, y + 100) + x.floor_divide(y + 100)),
    ("remainder", lambda lib, x, y: lib.remainder(x, y + 100) + x.remainder(y + 100)),
    ("bitwise_and", lambda lib, x, y: lib.bitwise_and(x, y) + x.bitwise_and(y)),
    ("bitwise_or", lambda lib, x, y: lib.bitwise_or(x, y) + x.bitwise_or(y)),
    ("bitwise_xor", lambda lib, x, y: lib.bitwise_xor(x, y) + x.bitwise_xor(y)),
    ("bitwise_not", lambda lib, x, y: lib.bitwise_not(x) + x.bitwise_not()),
]


@pytest.mark.parametrize("name,fn", INTEGER, ids=[r[0] for r in INTEGER])
@given(data=st.data())
def test_integer_spellings(name: str, fn: Callable, data: st.DataObject) -> None:
    shape = data.draw(S.shapes(max_dims=MAX_DIMS, max_side=4), label="shape")
    x, y = (np.asarray(data.draw(S.ints(shape, -12, 12), label=n)) for n in "xy")
    parity.check_parity(fn, x, y, grad=False)


# Comparisons and tests of values: the same booleans in both libraries.
PREDICATES = [
    ("eq", lambda lib, x, y: x.eq(y)),
    ("ne", lambda lib, x, y: (lib.ne(x, y), x.ne(y))),
    ("not_equal", lambda lib, x, y: (lib.not_equal(x, y), x.not_equal(y))),
    ("gt", lambda lib, x, y: (lib.gt(x, y), x.gt(y))),
    ("greater", lambda lib, x, y: (lib.greater(x, y), x.greater(y))),
    ("ge", lambda lib, x, y: x.ge(y)),
    ("greater_equal", lambda lib, x, y: (lib.greater_equal(x, y), x.greater_equal(y))),
    ("lt", lambda lib, x, y: lib.lt(x, y)),
    ("less", lambda lib, x, y: (lib.less(x, y), x.less(y))),
    ("le", lambda lib, x, y: (lib.le(x, y), x.le(y))),
    ("less_equal", lambda lib, x, y: (lib.less_equal(x, y), x.less_equal(y))),
    ("logical_and", lambda lib, x, y: x.logical_and(y > 0)),
    ("logical_or", lambda lib, x, y: lib.logical_or(x > 0, y)),
    ("logical_xor", lambda lib, x, y: x.logical_xor(y)),
    ("logical_not", lambda lib, x, y: x.logical_not()),
    ("isfinite", lambda lib, x, y: (lib.isfinite(x / y), (x / y).isfinite())),
    ("isinf", lambda lib, x, y: lib.isinf(x / y)),
    ("isnan", lambda lib, x, y: lib.isnan(x / y)),
    ("isposinf", lambda lib, x, y: (lib.isposinf(x / y), (x / y).isposinf())),
    ("isneginf", lambda lib, x, y: (lib.isneginf(x / y), (x / y).isneginf())),
    ("signbit", lambda lib, x, y: (lib.signbit(x), x.signbit(), (x * 0).signbit())),
    ("isin", lambda lib, x, y: (lib.isin(x, y), lib.isin(x, y, invert=True))),
    ("equal", lambda lib, x, y: (lib.equal(x, y), x.equal(x.clone()), x.equal(x.reshape(-1)[:0]))),
]


@pytest.mark.parametrize("name,fn", PREDICATES, ids=[r[0] for r in PREDICATES])
@given(data=st.data())
def test_predicates(name: str, fn: Callable, data: st.DataObject) -> None:
    shape = data.draw(S.shapes(max_dims=MAX_DIMS, max_side=4), label="shape")
    # a coarse grid, so that ties, zeros (0 / 0, x / 0) and both signs of zero occur
    # (C order: torch's isin views an F-ordered tensor with .view(-1) and fails)
    x, y = (np.ascontiguousarray(np.round(np.asarray(data.draw(S.arrays(shape), label=n)) * 2) / 2) for n in "xy")
    want, got = fn(torch, torch.tensor(x), torch.tensor(y)), fn(minitorch, minitorch.tensor(x), minitorch.tensor(y))
    for w, g in zip(want if isinstance(want, tuple) else (want,), got if isinstance(got, tuple) else (got,)):
        if isinstance(w, bool):
            assert g is w
        else:
            parity.assert_close(g, w, 0, 0, name)


INPLACE_NAMES = sorted({row[0] for row in UNARY + BINARY + INTEGER if row[0].endswith("_")})
# The arguments an in-place form is called with below, where it takes more than its operand's values.
INPLACE_ARGUMENTS = {"polygamma_": (1,), "clip_": (0.1, 0.5), "renorm_": (2, 0, 0.4), "nan_to_num_": ()}


@pytest.mark.parametrize("name", INPLACE_NAMES)
def test_inplace_forms_return_the_tensor_they_change(name: str) -> None:
    """``y.name_(...)`` writes into y, returns y itself and bumps its version, as torch's in-place methods do;
    the values written are torch's."""
    integer = name in {r[0] for r in INTEGER}
    binary = name in {r[0] for r in BINARY + INTEGER}
    values = np.array([[4, 6], [9, 12]]) if integer else np.array([[0.3, 0.6], [0.4, 0.7]])
    results = []
    for lib in (torch, minitorch):
        y = lib.tensor(values)
        before = y._version
        args = INPLACE_ARGUMENTS.get(name, (lib.tensor(values[::-1].copy()),) if binary else ())
        if name == "addcmul_":
            args = (lib.tensor(values), lib.tensor(values))
        result = getattr(y, name)(*args)
        assert result is y
        assert y._version > before
        results.append(y)
    parity.assert_close(results[1], results[0], 1e-9, 1e-12, name)


COMPARISONS_IN_PLACE = ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "less_equal_", "not_equal_"]


@pytest.mark.parametrize("other", ["number", "constant tensor", "tensor in the graph"])
@pytest.mark.parametrize("name", COMPARISONS_IN_PLACE)
def test_comparison_in_place_on_a_graph_tensor_is_recorded_like_torch(name: str, other: str) -> None:
    """``y.gt_(0)`` on a float tensor in a graph: torch records GtBackward0 (a number) or GtBackward1 (a tensor)
    whose gradient is zero for each operand; the tensor keeps requiring grad."""
    seen = []
    for lib in (torch, minitorch):
        x = lib.tensor([1.0, -2.0, 0.5, 3.0], requires_grad=True)
        y = x * 2
        arg = {"number": 1.0, "constant tensor": lib.tensor([1.0, 0.0, 1.0, 8.0])}.get(other, x)
        getattr(y, name)(arg)
        fn = y.grad_fn
        (y * x).sum().backward()
        seen.append(
            (
                y.detach().tolist(),
                y.requires_grad,
                type(fn).__name__,
                [type(n).__name__ for n, _ in fn.next_functions],
                x.grad.tolist(),
            )
        )
    assert seen[1] == seen[0]


@pytest.mark.parametrize("name", ["logical_and_", "logical_or_", "logical_xor_", "logical_not_"])
def test_logical_in_place_leaves_the_graph_as_it_was_like_torch(name: str) -> None:
    seen = []
    for lib in (torch, minitorch):
        x = lib.tensor([1.0, 0.0, 3.0], requires_grad=True)
        y = x * 2
        getattr(y, name)(*([] if name == "logical_not_" else [x]))
        (y * x).sum().backward()
        seen.append((y.detach().tolist(), type(y.grad_fn).__name__, x.grad.tolist()))
    assert seen[1] == seen[0]
