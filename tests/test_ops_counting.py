"""Counting and closeness against torch: unique, unique_consecutive, bincount, histc; isclose, allclose,
nonzero, argwhere, count_nonzero, where(condition)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitorch
from tests import strategies as S
from tests.parity import check_parity, raises_like

# Few distinct values (and sometimes NaN, which torch counts once per occurrence): many repeats.
FEW = st.sampled_from([-1.0, 0.0, 0.5, 2.0])
SHAPES = S.shapes(0, 3, 0, 4)


@st.composite
def repeats(draw: Any, nan: bool = True) -> np.ndarray:
    elements = FEW | st.just(float("nan")) if nan and draw(st.booleans()) else FEW
    return draw(hnp.arrays(np.float64, draw(SHAPES), elements=elements))


@given(repeats(), st.booleans(), st.booleans())
def test_unique_parity(x: np.ndarray, inverse: bool, counts: bool) -> None:
    check_parity(
        lambda lib, t: (
            lib.unique(t, return_inverse=inverse, return_counts=counts),
            t.unique(sorted=False, return_inverse=True, return_counts=True),
            tuple(lib.unique_consecutive(t, return_inverse=True, return_counts=True)),
            t.unique_consecutive(),
        ),
        x,
        grad=False,
    )


@given(repeats(nan=False), st.data())
def test_unique_slices_along_a_dim(x: np.ndarray, data: st.DataObject) -> None:
    if not x.ndim or x.size == 0:
        return
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    check_parity(
        lambda lib, t: (
            tuple(lib.unique(t, dim=dim, return_inverse=True, return_counts=True)),
            tuple(t.unique_consecutive(dim=dim, return_inverse=True, return_counts=True)),
        ),
        x,
        grad=False,
    )


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_unique_of_integers(dtype: str) -> None:
    x = np.random.default_rng(0).integers(0, 2 if dtype == "bool" else 4, (3, 5)).astype(dtype)
    check_parity(
        lambda lib, t: (
            tuple(t.unique(return_inverse=True, return_counts=True)),
            tuple(t.unique(dim=1, return_counts=True)),
            tuple(t.unique_consecutive(return_counts=True)),
        ),
        x,
        grad=False,
    )


def test_unique_results_require_grad_without_a_gradient() -> None:
    """As in torch: the values of a float input that requires grad require grad, and backward says why not."""
    for lib in (torch, minitorch):
        x = lib.tensor([[1.0, 2.0], [1.0, 2.0]], requires_grad=True)
        for out, what in (
            (x.unique(), "'_unique2'"),
            (x.unique(dim=1), "'unique_dim'"),
            (x.unique_consecutive(), "'unique_consecutive'"),
        ):
            assert out.requires_grad
            with pytest.raises(RuntimeError, match=f"the derivative for {what} is not implemented"):
                out.sum().backward()


@st.composite
def bins_case(draw: Any) -> tuple:
    x = draw(hnp.arrays(np.int64, draw(st.integers(0, 8)), elements=st.integers(0, 6)))
    weights = draw(st.sampled_from([None, "float32", "float64", "int64"]))
    w = None if weights is None else draw(hnp.arrays(weights, x.shape, elements=st.integers(-3, 3)))
    return x, w, draw(st.integers(0, 9))


@given(bins_case())
def test_bincount_parity(c: tuple) -> None:
    x, w, minlength = c
    if w is None:
        check_parity(lambda lib, t: (lib.bincount(t), t.bincount(minlength=minlength)), x, grad=False)
    else:
        w = w * 0.5 if w.dtype.kind == "f" else w
        check_parity(lambda lib, t, u: (lib.bincount(t, u), t.bincount(u, minlength)), x, w, grad=False)


@st.composite
def histc_case(draw: Any) -> tuple:
    x = draw(S.arrays(SHAPES, -2.0, 2.0))
    x = np.where(np.abs(x) < 0.3, np.round(x * 4) / 4, x)  # some values on bin edges
    bins = draw(st.integers(1, 7))
    lo, hi = draw(st.sampled_from([(0, 0), (-1, 1), (-1.5, 0.25), (0.5, 0.5), (-2, 2)]))
    return x, bins, lo, hi


@given(histc_case(), st.sampled_from([np.float64, np.float32]))
def test_histc_parity(c: tuple, dtype: Any) -> None:
    x, bins, lo, hi = c
    check_parity(
        lambda lib, t: (lib.histc(t, bins, lo, hi), t.histc(bins=bins, min=lo, max=hi)), x, dtype=dtype, grad=False
    )


CLOSE = [
    np.array([1.0, 2.0, np.nan, np.inf, -np.inf, 1e-9, 0.0]),
    np.array([1.00001, 2.1, np.nan, np.inf, np.inf, 0.0, -1e-9]),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rtol,atol", [(1e-5, 1e-8), (0.0, 0.0), (0.1, 0.0), (0.0, 1e-3)])
def test_isclose_and_allclose(rtol: float, atol: float, dtype: Any) -> None:
    a, b = CLOSE
    check_parity(
        lambda lib, x, y: (
            lib.isclose(x, y, rtol, atol),
            x.isclose(y, rtol=rtol, atol=atol, equal_nan=True),
            lib.isclose(x[None], y[:, None], rtol, atol),
            lib.tensor(lib.allclose(x[:2], y[:2], rtol, atol)),
            lib.tensor(x.allclose(x, equal_nan=True)),
            lib.tensor(lib.allclose(x, x)),
        ),
        a.astype(dtype),
        b.astype(dtype),
        grad=False,
    )


def test_isclose_of_integers() -> None:
    check_parity(
        lambda lib, x, y: (lib.isclose(x, y), lib.isclose(x, y, rtol=0.02, atol=0), lib.isclose(x > 5, y > 5)),
        np.array([100, 2, 7]),
        np.array([101, 3, 7]),
        grad=False,
    )


@given(hnp.arrays(np.int64, S.shapes(0, 3, 0, 4), elements=st.integers(0, 2)))
def test_nonzero_argwhere_count_nonzero_where(x: np.ndarray) -> None:
    dims = [d for d in range(-x.ndim, x.ndim)] or [0]
    check_parity(
        lambda lib, t: (
            lib.nonzero(t),
            t.nonzero(as_tuple=True),
            lib.argwhere(t),
            t.argwhere(),
            lib.where(t > 1),
            lib.count_nonzero(t),
            [t.count_nonzero(dim=d) for d in dims] if x.ndim else [],
            t.count_nonzero(tuple(range(x.ndim))),
        ),
        x,
        grad=False,
    )


ERRORS = [
    (
        "isclose_dtypes",
        lambda lib: lib.isclose(lib.ones(2), lib.ones(2, dtype=lib.float64)),
        "Float did not match Double",
    ),
    (
        "allclose_dtypes",
        lambda lib: lib.allclose(lib.ones(2), lib.ones(2, dtype=lib.float64)),
        "Float did not match Double",
    ),
    (
        "isclose_number",
        lambda lib: lib.isclose(lib.ones(2), 1.0),
        "argument 'other' (position 2) must be Tensor, not float",
    ),
    (
        "isclose_shapes",
        lambda lib: lib.isclose(lib.ones(2, 3), lib.ones(2)),
        "The size of tensor a (3) must match the size of tensor b (2)",
    ),
    (
        "isclose_rtol",
        lambda lib: lib.isclose(lib.ones(2), lib.ones(2), rtol=-1),
        "rtol must be greater than or equal to zero, but got -1",
    ),
    (
        "isclose_atol",
        lambda lib: lib.isclose(lib.ones(2), lib.ones(2), atol=-1),
        "atol must be greater than or equal to zero, but got -1",
    ),
    (
        "bincount_negative",
        lambda lib: lib.bincount(lib.tensor([1, -1])),
        "bincount only supports 1-d non-negative integral inputs.",
    ),
    (
        "bincount_2d",
        lambda lib: lib.bincount(lib.tensor([[1]])),
        "bincount only supports 1-d non-negative integral inputs.",
    ),
    ("bincount_float", lambda lib: lib.bincount(lib.tensor([1.0])), "\"bincount_cpu\" not implemented for 'Float'"),
    (
        "bincount_weights",
        lambda lib: lib.bincount(lib.tensor([1, 2]), lib.ones(3)),
        "weights should be 1-d and have the same length as input",
    ),
    ("bincount_minlength", lambda lib: lib.bincount(lib.tensor([1, 2]), minlength=-1), "minlength should be >= 0"),
    (
        "bincount_weights_no_gradient",
        lambda lib: lib.bincount(lib.tensor([1, 2]), lib.ones(2, requires_grad=True)).sum().backward(),
        "derivative for aten::bincount is not implemented",
    ),
    ("histc_integers", lambda lib: lib.histc(lib.tensor([1, 2])), "\"histogram_cpu\" not implemented for 'Long'"),
    ("histc_bins", lambda lib: lib.histc(lib.tensor([1.0]), bins=0), "bins must be > 0, but got 0 for dimension 0"),
    ("histc_range", lambda lib: lib.histc(lib.tensor([1.0]), min=3, max=1), "torch.histc: max must be larger than min"),
    ("histc_nan", lambda lib: lib.histc(lib.tensor([1.0, float("nan")])), "is not finite"),
    ("unique_dim", lambda lib: lib.ones(2, 3).unique(dim=2), "Dimension out of range"),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_counting_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)
