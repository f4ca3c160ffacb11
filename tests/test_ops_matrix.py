"""Parts of matrices and scaled products against torch: tril, triu, diagonal (a view), diag, diag_embed, trace,
addmm, addmv, baddbmm, addbmm, outer, kron."""

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

MATRICES = S.shapes(2, 4, 0, 4)


@st.composite
def matrix_case(draw: Any, shapes: st.SearchStrategy = MATRICES) -> tuple:
    """(array of 2 or more dims, an offset, two distinct dims)."""
    x = draw(S.arrays(shapes))
    d1, d2 = draw(st.permutations(range(-x.ndim, 0)))[:2]
    return x, draw(st.integers(-3, 3)), d1, d2


PARTS = [
    ("tril", lambda lib, x, k, d1, d2: (x.tril(), lib.tril(x, k)), matrix_case()),
    ("triu", lambda lib, x, k, d1, d2: (lib.triu(x), x.triu(diagonal=k)), matrix_case()),
    ("inplace_tril_triu", lambda lib, x, k, d1, d2: ((x * 1).tril_(k), (x * 1).triu_(-k)), matrix_case()),
    ("diagonal", lambda lib, x, k, d1, d2: (x.diagonal(), lib.diagonal(x, k, d1, d2)), matrix_case()),
    ("diagonal_then_math", lambda lib, x, k, d1, d2: x.diagonal(k, d1, d2).exp() * 2, matrix_case()),
    ("diag_of_matrix", lambda lib, x, k, d1, d2: (lib.diag(x), x.diag(k)), matrix_case(S.shapes(2, 2, 0, 4))),
    ("diag_of_vector", lambda lib, x, k, d1, d2: (lib.diag(x[0]), x[0].diag(k)), matrix_case(S.shapes(2, 2, 1, 4))),
    (
        "diag_embed",
        lambda lib, x, k, d1, d2: (lib.diag_embed(x), x.diag_embed(k, d1, d2)),
        matrix_case(S.shapes(2, 3, 0, 3)),
    ),
    ("trace", lambda lib, x, k, d1, d2: (lib.trace(x), x.trace()), matrix_case(S.shapes(2, 2, 0, 4))),
]


@pytest.mark.parametrize("name,op,cases", PARTS, ids=[c[0] for c in PARTS])
def test_matrix_part_parity(name: str, op: Callable, cases: st.SearchStrategy) -> None:
    @given(cases)
    def run(c: tuple) -> None:
        x, k, d1, d2 = c
        check_both(lambda lib, t: op(lib, t, k, d1, d2), x, gradcheck=x.size <= 24)

    run()


def test_diagonal_is_a_view_writes_reach_the_base() -> None:
    """Writing through ``diagonal()`` changes the base (and its gradient sees it), as in torch."""

    def fn(lib: Any, a: Any) -> Any:
        y = a * 2
        y.diagonal(1).mul_(3)
        y.diagonal().zero_()
        return y

    check_both(fn, np.random.default_rng(0).uniform(-1, 1, (3, 4)))
    for lib in (torch, minitorch):
        x = lib.zeros(2, 3, 3)
        d = x.diagonal(0, 1, 2)
        d.fill_(1)
        assert d._base is x and float(x.sum()) == 6.0


@st.composite
def product_case(draw: Any, kind: str) -> tuple:
    """(bias, a, b, beta, alpha) for addmm/addmv/baddbmm/addbmm, the bias broadcastable to the result."""
    b, n, k, p = (draw(st.integers(1, 3)) for _ in range(4))
    shapes = {"addmm": ((n, k), (k, p), (n, p)), "addmv": ((n, k), (k,), (n,))}
    shapes.update({"baddbmm": ((b, n, k), (b, k, p), (b, n, p)), "addbmm": ((b, n, k), (b, k, p), (n, p))})
    sa, sb, out = shapes[kind]
    bias = tuple(1 if draw(st.integers(0, 3)) == 0 else s for s in out[draw(st.integers(0, len(out))) :])
    scale = st.sampled_from([1, 0, 0.5, -2.0])
    return draw(S.arrays(bias)), draw(S.arrays(sa)), draw(S.arrays(sb)), draw(scale), draw(scale)


@pytest.mark.parametrize("kind", ["addmm", "addmv", "baddbmm", "addbmm"])
def test_scaled_product_parity(kind: str) -> None:
    @given(product_case(kind))
    def run(c: tuple) -> None:
        bias, a, b, beta, alpha = c

        def fn(lib: Any, c: Any, x: Any, y: Any) -> Any:
            out = getattr(lib, kind)(c, x, y, beta=beta, alpha=alpha)
            return (out, getattr(c.expand(out.shape) * 1, kind)(x, y)) if kind != "addbmm" else out

        check_both(fn, bias, a, b, gradcheck=bias.size + a.size + b.size <= 24)

    run()


def test_beta_zero_ignores_nan_in_input() -> None:
    bias = np.full((2, 3), np.nan)
    check_parity(lambda lib, c, x, y: lib.addmm(c, x, y, beta=0), bias, np.ones((2, 4)), np.ones((4, 3)))


def test_inplace_addmm_family() -> None:
    rng = np.random.default_rng(0)
    check_both(
        lambda lib, c, x, y, z: ((c * 1).addmm_(x, y, alpha=2), (c[:, 0] * 1).addmv_(x, z[:, 0], beta=0.5)),
        rng.uniform(-1, 1, (2, 3)),
        rng.uniform(-1, 1, (2, 4)),
        rng.uniform(-1, 1, (4, 3)),
        rng.uniform(-1, 1, (4, 1)),
        gradcheck=False,
    )


@given(S.arrays(S.shapes(1, 1, 0, 4)), S.arrays(S.shapes(1, 1, 0, 4)))
def test_outer_parity(a: np.ndarray, b: np.ndarray) -> None:
    check_both(lambda lib, x, y: (lib.outer(x, y), x.outer(y), lib.ger(x, y)), a, b)


@given(S.arrays(S.shapes(0, 3, 1, 3)), S.arrays(S.shapes(0, 3, 1, 3)))
def test_kron_parity(a: np.ndarray, b: np.ndarray) -> None:
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)  # torch's kron fails on some strided inputs (a view)
    check_both(lambda lib, x, y: (lib.kron(x, y), x.kron(y)), a, b, gradcheck=a.size * b.size <= 24)


def test_integer_matrices() -> None:
    x = np.arange(12).reshape(3, 4)
    check_parity(
        lambda lib, t: (
            t.tril(),
            t.triu(1),
            t.diagonal(),
            t.diag(),
            t[0].diag(),
            t.trace(),
            lib.outer(t[0], t[1]),
            lib.kron(t, t[:2, :2]),
        ),
        x,
        grad=False,
    )


def z(lib: Any, *shape: int, dtype: Any = None) -> Any:
    return lib.zeros(*shape, dtype=dtype)


ERRORS = [
    ("tril_rank", lambda lib: z(lib, 3).tril(), "tril: input tensor must have at least 2 dimensions"),
    ("diagonal_same_dims", lambda lib: z(lib, 3, 3).diagonal(0, 1, 1), "diagonal dimensions cannot be identical 1, 1"),
    ("diagonal_dim", lambda lib: z(lib, 3).diagonal(0), "Dimension out of range"),
    ("diag_rank", lambda lib: z(lib, 2, 2, 2).diag(), "diag(): Supports 1D or 2D tensors. Got 3D"),
    ("diag_embed_dims", lambda lib: z(lib, 2).diag_embed(0, 0, 0), "diagonal dimensions cannot be identical 0, 0"),
    ("trace_rank", lambda lib: z(lib, 3).trace(), "trace: expected a matrix, but got tensor with dim 1"),
    (
        "addmm_shapes",
        lambda lib: lib.addmm(z(lib, 2, 4), z(lib, 2, 3), z(lib, 4, 4)),
        "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x4)",
    ),
    (
        "addmm_rank",
        lambda lib: lib.addmm(z(lib, 2, 4), z(lib, 2, 3, 1), z(lib, 3, 4)),
        "mat1 must be a matrix, got 3-D tensor",
    ),
    (
        "addmm_bias",
        lambda lib: lib.addmm(z(lib, 3, 4), z(lib, 2, 3), z(lib, 3, 4)),
        "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 0",
    ),
    (
        "addmm_dtype",
        lambda lib: lib.addmm(z(lib, 2, 4, dtype=lib.float64), z(lib, 2, 3), z(lib, 3, 4)),
        "self and mat2 must have the same dtype, but got Double and Float",
    ),
    (
        "addmm_mat_dtype",
        lambda lib: lib.addmm(z(lib, 2, 4), z(lib, 2, 3, dtype=lib.float64), z(lib, 3, 4)),
        "mat1 and mat2 must have the same dtype, but got Double and Float",
    ),
    (
        "addmv_sizes",
        lambda lib: lib.addmv(z(lib, 2), z(lib, 2, 3), z(lib, 4)),
        "size mismatch, got input (2), mat (2x3), vec (4)",
    ),
    (
        "addmv_ranks",
        lambda lib: lib.addmv(z(lib, 2), z(lib, 2, 3), z(lib, 3, 1)),
        "vector + matrix @ vector expected, got 1, 2, 2",
    ),
    (
        "addmv_dtype",
        lambda lib: lib.addmv(z(lib, 2, dtype=lib.float64), z(lib, 2, 3), z(lib, 3)),
        "addmv input tensors must have the same dtype, but got Double, Float, and Float",
    ),
    (
        "baddbmm_sizes",
        lambda lib: lib.baddbmm(z(lib, 2, 3, 5), z(lib, 2, 3, 4), z(lib, 2, 5, 5)),
        "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5].",
    ),
    ("baddbmm_rank", lambda lib: lib.baddbmm(z(lib, 1), z(lib, 3, 4), z(lib, 2, 4, 5)), "batch1 must be a 3D tensor"),
    (
        "baddbmm_dtype",
        lambda lib: lib.baddbmm(z(lib, 2, 3, 5, dtype=lib.float64), z(lib, 2, 3, 4), z(lib, 2, 4, 5)),
        "Input dtypes must be the same, got: input double, batch1: float, batch2: float",
    ),
    (
        "addbmm_sizes",
        lambda lib: lib.addbmm(z(lib, 3, 5), z(lib, 2, 3, 4), z(lib, 2, 5, 5)),
        "Incompatible matrix sizes for bmm (3x4 and 5x5)",
    ),
    ("outer_rank", lambda lib: lib.outer(z(lib, 2, 2), z(lib, 3)), "outer: Expected 1-D argument self, but got 2-D"),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_matrix_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


def test_matrix_node_names_are_torchs() -> None:
    def names(lib: Any) -> list:
        x, v = lib.ones(3, 3, requires_grad=True), lib.ones(3, requires_grad=True)
        outs = [x.tril(), x.triu(), x.diagonal(), x.diag(), v.diag(), lib.diag_embed(x), x.trace(), lib.outer(v, v)]
        outs += [
            lib.addmm(x, x, x),
            lib.addmv(v, x, v),
            lib.baddbmm(x[None], x[None], x[None]),
            lib.addbmm(x, x[None], x[None]),
        ]
        return [y.grad_fn.name() for y in outs]

    assert names(minitorch) == names(torch)
