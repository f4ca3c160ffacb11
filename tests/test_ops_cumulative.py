"""Running reductions against torch: cumsum, cumprod (zeros included), cummax, cummin, logcumsumexp."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import strategies as S
from tests.parity import check_both, check_parity, raises_like
from tests.test_ops_reduce import distinct
from tests.test_ops_sort import along, small_integers


def some_zeros(shape: tuple) -> st.SearchStrategy:
    """Values with about a third exactly 0, sometimes two in a row: cumprod's gradient must not divide by them."""
    return S.arrays(shape).map(lambda a: np.where(np.abs(a) < 0.35, 0.0, a))


def wide(shape: tuple) -> st.SearchStrategy:
    """Values in [-60, 60]: exp overflows float32 past 88, so logcumsumexp must not exponentiate them directly."""
    return S.arrays(shape, -60.0, 60.0)


RUNNING = [
    ("cumsum", lambda lib, t, d: (t.cumsum(d), lib.cumsum(t, dim=d)), along(S.arrays)),
    ("cumsum_dtype", lambda lib, t, d: lib.cumsum(t, d, dtype=lib.float64), along(S.arrays)),
    ("cumprod", lambda lib, t, d: (t.cumprod(d), lib.cumprod(t, d)), along(S.arrays)),
    ("cumprod_zeros", lambda lib, t, d: t.cumprod(d), along(some_zeros)),
    ("cummax", lambda lib, t, d: tuple(t.cummax(d)), along(distinct)),
    ("cummin", lambda lib, t, d: tuple(lib.cummin(t, d)), along(distinct)),
    ("cummax_ties", lambda lib, t, d: tuple(lib.cummax(t, d)), along(small_integers)),
    ("cummin_ties", lambda lib, t, d: tuple(t.cummin(d)), along(small_integers)),
    ("logcumsumexp", lambda lib, t, d: (t.logcumsumexp(d), lib.logcumsumexp(t, d)), along(wide)),
    ("inplace_cumsum", lambda lib, t, d: (t * 1).cumsum_(d), along(S.arrays)),
]


@pytest.mark.parametrize("name,op,cases", RUNNING, ids=[c[0] for c in RUNNING])
def test_running_parity(name: str, op: Callable, cases: st.SearchStrategy) -> None:
    @given(cases)
    def run(c: tuple) -> None:
        x, dim = c
        check_both(lambda lib, t: op(lib, t, dim), x, gradcheck=x.size <= 24 and "ties" not in name)

    run()


def test_cumprod_gradient_with_zeros_at_every_place() -> None:
    """One, two and three zeros in a row and apart, first and last: the product of the other factors each time."""
    rows = np.array(
        [
            [0.0, 2.0, 3.0, 4.0, 5.0],
            [2.0, 0.0, 3.0, 4.0, 5.0],
            [2.0, 3.0, 4.0, 5.0, 0.0],
            [2.0, 0.0, 0.0, 4.0, 5.0],
            [0.0, 3.0, 0.0, 4.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.0],
        ]
    )
    check_both(lambda lib, t: t.cumprod(1), rows * 0.5)
    check_both(lambda lib, t: t.t().cumprod(0), rows * 0.5)


def test_nan_runs_like_torch() -> None:
    x = np.array([[1.0, np.nan, 0.0, np.nan, 2.0], [-1.0, 3.0, 3.0, np.nan, 0.0]])
    check_parity(lambda lib, t: (tuple(t.cummax(1)), tuple(t.cummin(1)), t.cumsum(1), t.logcumsumexp(1)), x)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integer_running_reductions(dtype: str) -> None:
    x = np.random.default_rng(0).integers(0, 2 if dtype == "bool" else 5, (3, 4)).astype(dtype)
    check_parity(
        lambda lib, t: (
            t.cumsum(1),
            t.cumprod(0),
            tuple(t.cummax(1)),
            tuple(t.cummin(0)),
            lib.cumsum(t, 0, dtype=lib.float32),
        ),
        x,
        grad=False,
    )


ERRORS = [
    (
        "cumsum_dim",
        lambda lib: lib.ones(3).cumsum(1),
        "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
    ),
    ("cumsum_no_dim", lambda lib: lib.ones(3).cumsum(), "missing 1 required positional"),
    ("cummax_dim", lambda lib: lib.ones(2, 3).cummax(-3), "Dimension out of range"),
    (
        "logcumsumexp_integers",
        lambda lib: lib.ones(3, dtype=lib.int64).logcumsumexp(0),
        "\"logcumsumexp_out_cpu\" not implemented for 'Long'",
    ),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_running_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


def test_running_node_names_are_torchs() -> None:
    def names(lib: Any) -> list:
        x = lib.ones(2, 3, requires_grad=True)
        outs = [x.cumsum(0), x.cumprod(1), x.cummax(0).values, x.cummin(1).values, x.logcumsumexp(0)]
        return [y.grad_fn.name() for y in outs]

    assert names(minitorch) == names(torch)


def test_cumprod_along_a_dimension_of_one_passes_the_gradient_through_as_torch() -> None:
    """Along a dimension of length 1 the running product is the input itself: its gradient is the incoming one,
    even for a subnormal factor (dividing grad * x by x gave 0 there)."""
    tiny = np.array([[1.4e-45, -2.5]], dtype=np.float32)  # float32's smallest subnormal
    check_both(lambda lib, t: t.cumprod(0), tiny, gradcheck=False)
