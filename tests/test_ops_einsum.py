"""einsum against torch: hypothesis-drawn equations (repeated subscripts, broadcasting, ellipsis, implicit and
explicit outputs, one to three operands), the sublist form, and torch's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import strategies as S
from tests.parity import check_both, check_parity, raises_like

LABELS = "ijkAb"


@st.composite
def equation(draw: Any) -> tuple:
    """(equation, operand arrays): subscripts drawn from a small pool (so they repeat within and across operands),
    sizes 1-3 with some operands broadcasting a subscript from size 1, an optional ``...`` of broadcast dims."""
    sizes = {c: draw(st.integers(1, 3)) for c in LABELS}
    n_ops = draw(st.integers(1, 3))
    ellipsis = draw(st.booleans())
    ell_shape = tuple(draw(st.lists(st.integers(1, 3), max_size=2))) if ellipsis else ()
    terms, arrays = [], []
    for _ in range(n_ops):
        subs = draw(st.lists(st.sampled_from(LABELS), max_size=3))
        ones = {c for c in subs if draw(st.integers(0, 4)) == 0}  # broadcast these from size 1
        shape = [1 if c in ones else sizes[c] for c in subs]
        term = "".join(subs)
        if ellipsis and draw(st.booleans()):
            k = draw(st.integers(0, len(ell_shape)))
            at = draw(st.integers(0, len(subs)))
            mine = tuple(1 if draw(st.integers(0, 3)) == 0 else n for n in ell_shape[len(ell_shape) - k :])
            term, shape = term[:at] + "..." + term[at:], shape[:at] + list(mine) + shape[at:]
        terms.append(term)
        arrays.append(draw(S.arrays(tuple(shape))))
    eq = ",".join(terms)
    if draw(st.booleans()):
        used = sorted(set("".join(terms).replace(".", "")))
        out = draw(st.permutations(used))[: draw(st.integers(0, len(used)))]
        rhs = "".join(out)
        if "..." in eq and draw(st.booleans()):
            at = draw(st.integers(0, len(rhs)))
            rhs = rhs[:at] + "..." + rhs[at:]
        eq += "->" + rhs
    return eq, arrays


@given(equation())
def test_einsum_parity(c: tuple) -> None:
    eq, arrays = c
    check_both(lambda lib, *ts: lib.einsum(eq, *ts), *arrays, gradcheck=sum(a.size for a in arrays) <= 24)


FIXED = [
    ("matmul", "ij,jk->ik", [(3, 4), (4, 5)]),
    ("batched_matmul", "bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("attention_scores", "bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("bilinear", "bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("trace", "ii", [(3, 3)]),
    ("diagonal", "ii->i", [(3, 3)]),
    ("transpose", "ij->ji", [(2, 3)]),
    ("sum_all", "ijk->", [(2, 3, 4)]),
    ("outer", "i,j", [(3,), (4,)]),
    ("dot", "i,i", [(5,), (5,)]),
    ("ellipsis_matmul", "...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("ellipsis_sum", "i...->...", [(3, 2, 2)]),
    ("ellipsis_dropped", "...i->i", [(2, 3, 4)]),
    ("upper_case_first", "bA,ab", [(2, 3), (3, 2)]),
    ("spaces", " i j , j k -> i k ", [(2, 3), (3, 2)]),
    ("scalar", "", [()]),
    ("scalars_and_ellipsis", "...,...", [(), (3,)]),
]


@pytest.mark.parametrize("name,eq,shapes", FIXED, ids=[c[0] for c in FIXED])
def test_einsum_fixed(name: str, eq: str, shapes: list) -> None:
    rng = np.random.default_rng(0)
    check_both(lambda lib, *ts: lib.einsum(eq, *ts), *[rng.uniform(-1, 1, s) for s in shapes], gradcheck=False)


def test_einsum_sublists_and_operand_list() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (3, 4))
    check_both(
        lambda lib, x, y: (
            lib.einsum(x, [0, 1], y, [1, 2], [0, 2]),
            lib.einsum(x, [0, 1], y, [1, 51]),
            lib.einsum(x, [Ellipsis, 1], y, [1, 2]),
            lib.einsum("ij,jk", [x, y]),
        ),
        a,
        b,
        gradcheck=False,
    )


def test_einsum_of_integers() -> None:
    check_parity(
        lambda lib, x, y: lib.einsum("ij,jk->ki", x, y), np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    )


ERRORS = [
    ("fewer_operands", lambda lib: lib.einsum("ij,jk", lib.ones(2, 3)), "fewer operands were provided than specified"),
    (
        "more_operands",
        lambda lib: lib.einsum("ij", lib.ones(2, 3), lib.ones(3)),
        "more operands were provided than specified",
    ),
    (
        "sizes",
        lambda lib: lib.einsum("ij,jk", lib.ones(2, 3), lib.ones(4, 5)),
        "subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3",
    ),
    (
        "repeated_output",
        lambda lib: lib.einsum("ij->ii", lib.ones(2, 3)),
        "output subscript i appears more than once in the output",
    ),
    (
        "unknown_output",
        lambda lib: lib.einsum("ij->k", lib.ones(2, 3)),
        "output subscript k does not appear in the equation for any input operand",
    ),
    (
        "rank",
        lambda lib: lib.einsum("ijk->i", lib.ones(2, 3)),
        "the number of subscripts in the equation (3) does not match the number of dimensions (2) for operand 0 and no ellipsis was given",
    ),
    (
        "bad_subscript",
        lambda lib: lib.einsum("i1->i", lib.ones(2, 3)),
        "invalid subscript given at index 1 in the equation string, subscripts must be in [a-zA-Z]",
    ),
    (
        "diagonal_sizes",
        lambda lib: lib.einsum("ii->i", lib.ones(2, 3)),
        "subscript i is repeated for operand 0 but the sizes don't match, 3 != 2",
    ),
    (
        "dtypes",
        lambda lib: lib.einsum("i,i", lib.ones(3), lib.ones(3, dtype=lib.float64)),
        "expected scalar type Float but found Double",
    ),
    (
        "sublist_range",
        lambda lib: lib.einsum(lib.ones(2, 3), [0, 52]),
        "subscript in subscript list is not within the valid range [0, 52)",
    ),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_einsum_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)
