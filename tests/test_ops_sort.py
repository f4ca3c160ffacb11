"""Ordering against torch: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, searchsorted, bucketize."""

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
from tests.parity import check_both, check_parity, raises_like
from tests.test_ops_reduce import distinct


@st.composite
def along(draw: Any, values: Callable = distinct, min_side: int = 0) -> tuple:
    """(array, dim): values of ``values`` (distinct by default: which of two equal values is picked is
    torch's implementation detail), and a dimension of it (0-dim arrays take 0 or -1)."""
    shape = tuple(draw(S.shapes(0, 3, min_side, 4)))
    n = max(len(shape), 1)
    return draw(values(shape)), draw(st.integers(-n, n - 1))


def small_integers(shape: tuple) -> st.SearchStrategy:
    """Floats from {-1, 0, 1, 2}: many ties, for the ops whose tie rule torch documents (stable sort, mode)."""
    return hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 0.0, 1.0, 2.0]))


def _size(x: np.ndarray, dim: int) -> int:
    return x.shape[dim] if x.ndim else 1


PICKS = [
    ("sort", lambda lib, t, d, k: tuple(t.sort(d)), along()),
    ("sort_descending", lambda lib, t, d, k: tuple(lib.sort(t, dim=d, descending=True)), along()),
    ("sort_stable_ties", lambda lib, t, d, k: tuple(lib.sort(t, stable=True, dim=d)), along(small_integers)),
    (
        "sort_stable_ties_descending",
        lambda lib, t, d, k: tuple(t.sort(stable=True, dim=d, descending=True)),
        along(small_integers),
    ),
    ("argsort", lambda lib, t, d, k: (t.argsort(d), lib.argsort(t, d, descending=True)), along()),
    ("argsort_stable_ties", lambda lib, t, d, k: lib.argsort(t, stable=True, dim=d), along(small_integers)),
    ("msort", lambda lib, t, d, k: lib.msort(t), along()),
    ("topk", lambda lib, t, d, k: tuple(t.topk(k % (_size(t, d) + 1), d)), along()),
    ("topk_smallest", lambda lib, t, d, k: tuple(lib.topk(t, k % (_size(t, d) + 1), dim=d, largest=False)), along()),
    ("kthvalue", lambda lib, t, d, k: tuple(t.kthvalue(k % _size(t, d) + 1, d)), along(min_side=1)),
    ("kthvalue_keepdim", lambda lib, t, d, k: tuple(lib.kthvalue(t, 1, d, keepdim=True)), along(min_side=1)),
    ("median_dim", lambda lib, t, d, k: tuple(t.median(d, keepdim=k % 2 == 0)), along(min_side=1)),
    ("median", lambda lib, t, d, k: lib.median(t), along(min_side=1)),
    ("median_ties", lambda lib, t, d, k: t.median(), along(small_integers, min_side=1)),
    ("nanmedian_dim", lambda lib, t, d, k: tuple(t.nanmedian(d, keepdim=k % 2 == 0)), along(min_side=1)),
    ("nanmedian", lambda lib, t, d, k: lib.nanmedian(t), along(min_side=1)),
    ("mode", lambda lib, t, d, k: tuple(t.mode(d, keepdim=k % 2 == 1)), along(small_integers, min_side=1)),
]


@pytest.mark.parametrize("name,op,cases", PICKS, ids=[c[0] for c in PICKS])
def test_picking_parity(name: str, op: Callable, cases: st.SearchStrategy) -> None:
    @given(cases, st.integers(0, 4))
    def run(c: tuple, k: int) -> None:
        x, dim = c
        tied = "ties" in name or name == "mode"
        check_both(lambda lib, t: op(lib, t, dim, k), x, gradcheck=x.size <= 24 and not tied)

    run()


def test_nan_is_the_largest_value() -> None:
    x = np.array([[1.0, np.nan, 0.0, np.nan, -2.0], [3.0, 2.0, np.nan, 1.0, 0.0]])
    check_parity(
        lambda lib, t: (
            tuple(t.sort(1)),
            tuple(t.sort(1, descending=True)),
            tuple(t.topk(2)),
            tuple(t.topk(2, largest=False)),
            tuple(t.kthvalue(5)),
            tuple(t.median(1)),
            t.median(),
            t.argsort(1, descending=True),
            tuple(t.nanmedian(1)),
            tuple(t.nanmedian(0, keepdim=True)),
            t.nanmedian(),
            t[:, 1:2].nanmedian(),
        ),
        x,
    )


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8", "bool"])
def test_integer_and_bool_orders(dtype: str) -> None:
    x = np.random.default_rng(0).integers(0, 2 if dtype == "bool" else 50, (3, 6)).astype(dtype)

    def ops(lib: Any, t: Any) -> tuple:
        out = (tuple(t.sort(stable=True, dim=1)), t.argsort(stable=True, dim=0, descending=True), lib.msort(t))
        if dtype != "bool":
            out += (tuple(t.kthvalue(2, 1)), tuple(t.median(1)), t.median(), t.topk(2, 0).values)
            out += (tuple(t.nanmedian(1)), t.nanmedian())
        return out + (tuple(t.mode(1)),)

    check_parity(ops, x, grad=False)


def test_return_types_print_and_unpack_like_torch() -> None:
    for name in ("sort", "topk", "kthvalue", "median", "nanmedian", "mode"):
        args = {"sort": (), "topk": (1,), "kthvalue": (1,), "median": (0,), "nanmedian": (0,), "mode": ()}[name]
        got, want = (getattr(lib.tensor([2.0, 1.0]), name)(*args) for lib in (minitorch, torch))
        values, indices = got
        assert values is got.values and indices is got.indices
        assert repr(got) == repr(want)


@st.composite
def search_case(draw: Any) -> tuple:
    """(sorted sequence, values): 1-dim boundaries with any values, or rows with values of matching leading dims."""
    lead = tuple(draw(S.shapes(0, 2, 0, 3)))
    n, m = draw(st.integers(0, 5)), draw(st.integers(0, 4))
    grid = st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0])  # repeats, so that left and right differ
    if draw(st.booleans()):
        seq = np.sort(draw(hnp.arrays(np.float64, (n,), elements=grid)))
        return seq, draw(hnp.arrays(np.float64, lead + (m,), elements=grid | st.floats(-2, 2)))
    seq = np.sort(draw(hnp.arrays(np.float64, lead + (n,), elements=grid)), axis=-1)
    return seq, draw(hnp.arrays(np.float64, lead + (m,), elements=grid | st.floats(-2, 2)))


@given(search_case(), st.booleans(), st.booleans())
def test_searchsorted_parity(c: tuple, right: bool, int32: bool) -> None:
    seq, values = c
    check_parity(
        lambda lib, s, v: (
            lib.searchsorted(s, v, right=right, out_int32=int32),
            lib.searchsorted(s, v, side="right" if right else "left"),
        ),
        seq,
        values,
        grad=False,
    )
    if seq.ndim == 1:
        check_parity(
            lambda lib, s, v: (lib.bucketize(v, s, right=right), lib.searchsorted(s, 0.5)), seq, values, grad=False
        )


def test_searchsorted_with_a_sorter() -> None:
    seq = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, -1.0]])
    sorter = np.argsort(seq, axis=-1)
    check_parity(
        lambda lib, s, o, v: lib.searchsorted(s, v, sorter=o),
        seq,
        sorter,
        np.array([[2.5, 0.0], [0.0, 6.0]]),
        grad=False,
    )


ERRORS = [
    ("topk_k", lambda lib: lib.ones(3).topk(4), "selected index k out of range"),
    ("topk_negative_k", lambda lib: lib.ones(3).topk(-1), "selected index k out of range"),
    ("topk_bool", lambda lib: lib.ones(3, dtype=lib.bool).topk(1), "topk does not support bool dtypes"),
    ("topk_dim", lambda lib: lib.ones(3).topk(1, 1), "Dimension out of range"),
    ("kthvalue_k", lambda lib: lib.ones(3).kthvalue(0), "kthvalue(): selected number k out of range for dimension 0"),
    (
        "kthvalue_empty",
        lambda lib: lib.ones(2, 0).kthvalue(1, 1),
        "kthvalue(): Expected reduction dim 1 to have non-zero size.",
    ),
    (
        "kthvalue_bool",
        lambda lib: lib.ones(3, dtype=lib.bool).kthvalue(1),
        "\"kthvalue_cpu\" not implemented for 'Bool'",
    ),
    ("median_empty", lambda lib: lib.ones(2, 0).median(1), "median(): Expected reduction dim 1 to have non-zero size."),
    ("median_bool", lambda lib: lib.ones(3, dtype=lib.bool).median(), "\"median_cpu\" not implemented for 'Bool'"),
    ("mode_empty", lambda lib: lib.ones(2, 0).mode(1), "mode(): Expected reduction dim 1 to have non-zero size."),
    (
        "sort_dim",
        lambda lib: lib.ones(2).sort(2),
        "Dimension out of range (expected to be in range of [-1, 0], but got 2)",
    ),
    (
        "searchsorted_side",
        lambda lib: lib.searchsorted(lib.ones(3), lib.ones(2), side="up"),
        "side can only be 'left' or 'right'",
    ),
    (
        "searchsorted_side_and_right",
        lambda lib: lib.searchsorted(lib.ones(3), lib.ones(2), side="left", right=True),
        "side and right can't be set to opposites",
    ),
    (
        "searchsorted_rows",
        lambda lib: lib.searchsorted(lib.ones(2, 3), lib.ones(3, 2)),
        "first N-1 dimensions of boundaries tensor and input value tensor must match",
    ),
    ("bucketize_rows", lambda lib: lib.bucketize(lib.ones(2), lib.ones(2, 3)), "boundaries tensor must be 1 dimension"),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_ordering_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


def test_ordering_node_names_are_torchs() -> None:
    def names(lib: Any) -> list:
        x = lib.ones(2, 3, requires_grad=True)
        outs = [x.sort(1).values, x.sort(stable=True).values, x.topk(1).values, x.kthvalue(1).values]
        return [y.grad_fn.name() for y in outs + [x.median(0).values, x.median(), x.mode(0).values, x.msort()]]

    assert names(minitorch) == names(torch)
