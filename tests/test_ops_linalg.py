"""Matrix products against torch: matmul in every rank combination, mm, bmm, dot, mv, ``@``, and their errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import strategies as S
from tests.parity import check_both, check_parity, raises_like

side = st.integers(0, 3)


@st.composite
def matmul_operands(draw: Any, rank_a: str, rank_b: str) -> tuple:
    """Two arrays torch.matmul accepts, each a vector, a matrix or a batch (batch dims broadcasting, sizes 0 and 1 too)."""
    n, k, m = draw(side), draw(side), draw(side)
    batch_a, batch_b = draw(S.broadcastable_shapes(2, max_dims=2, min_side=0, max_side=3))
    shape_a = {"vec": (k,), "mat": (n, k), "batch": tuple(batch_a) + (n, k)}[rank_a]
    shape_b = {"vec": (k,), "mat": (k, m), "batch": tuple(batch_b) + (k, m)}[rank_b]
    return draw(S.arrays(shape_a)), draw(S.arrays(shape_b))


RANKS = [(ra, rb) for ra in ("vec", "mat", "batch") for rb in ("vec", "mat", "batch")]


@pytest.mark.parametrize("rank_a,rank_b", RANKS, ids=[f"{a}@{b}" for a, b in RANKS])
def test_matmul_parity(rank_a: str, rank_b: str, device: str) -> None:
    @given(matmul_operands(rank_a, rank_b))
    def run(ab: tuple) -> None:
        a, b = ab
        check_both(lambda lib, x, y: (lib.matmul(x, y), x @ y), a, b, gradcheck=a.size + b.size <= 40, device=device)

    run()


@pytest.mark.parametrize("rank_a,rank_b", RANKS, ids=[f"{a}@{b}" for a, b in RANKS])
def test_matmul_of_views(rank_a: str, rank_b: str) -> None:
    """Non-contiguous operands made inside the graph: a transposed and a strided view."""

    @given(matmul_operands(rank_a, rank_b))
    def run(ab: tuple) -> None:
        a, b = ab
        a_t = np.ascontiguousarray(np.swapaxes(a, -1, -2)) if a.ndim >= 2 else a

        def fn(lib: Any, x: Any, y: Any) -> Any:
            return (x.transpose(-1, -2) if x.ndim >= 2 else x) @ y[..., ::2]

        check_both(fn, a_t, np.repeat(b, 2, axis=-1), gradcheck=False)

    run()


dims = st.integers(0, 4)
# (name, op(lib, x, y), shapes of x and y from (b, n, k, m))
PRODUCTS = [
    ("mm", lambda lib, x, y: lib.mm(x, y), lambda b, n, k, m: ((n, k), (k, m))),
    ("mm_method", lambda lib, x, y: x.mm(y), lambda b, n, k, m: ((n, k), (k, m))),
    ("bmm", lambda lib, x, y: lib.bmm(x, y), lambda b, n, k, m: ((b, n, k), (b, k, m))),
    ("bmm_method", lambda lib, x, y: x.bmm(y), lambda b, n, k, m: ((b, n, k), (b, k, m))),
    ("dot", lambda lib, x, y: lib.dot(x, y), lambda b, n, k, m: ((k,), (k,))),
    ("dot_method", lambda lib, x, y: x.dot(y), lambda b, n, k, m: ((k,), (k,))),
    ("mv", lambda lib, x, y: lib.mv(x, y), lambda b, n, k, m: ((n, k), (k,))),
    ("mv_method", lambda lib, x, y: x.mv(y), lambda b, n, k, m: ((n, k), (k,))),
    ("matmul_method", lambda lib, x, y: x.matmul(y), lambda b, n, k, m: ((b, 1, n, k), (k, m))),
]


@pytest.mark.parametrize("name,op,shapes", PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_product_parity(name: str, op: Callable, shapes: Callable, device: str) -> None:
    @given(st.tuples(dims, dims, dims, dims).flatmap(lambda d: st.tuples(*(S.arrays(s) for s in shapes(*d)))))
    def run(xy: tuple) -> None:
        x, y = xy
        check_both(op, x, y, gradcheck=x.size + y.size <= 40, device=device)

    run()


def test_matmul_grad_only_for_inputs_that_need_it() -> None:
    a = minitorch.tensor(np.ones((2, 3)), requires_grad=True)
    b = minitorch.tensor(np.full((3, 4), 2.0))
    (a @ b).sum().backward()
    assert b.grad is None
    np.testing.assert_allclose(a.grad.numpy(), np.full((2, 3), 8.0))


def test_integer_matmul_matches_torch() -> None:
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.arange(12, dtype=np.int64).reshape(3, 4) - 5
    check_parity(lambda lib, x, y: (x @ y, x.mm(y), x[0] @ y, x @ y[:, 0], x[0].dot(x[1])), a, b, grad=False)


ERRORS = [
    (
        "mm_shapes",
        lambda lib: lib.ones(2, 3) @ lib.ones(4, 5),
        "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",
    ),
    (
        "mm_method_shapes",
        lambda lib: lib.ones(2, 3).mm(lib.ones(4, 5)),
        "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",
    ),
    (
        "vec_mat_shapes",
        lambda lib: lib.ones(3) @ lib.ones(4, 5),
        "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)",
    ),
    (
        "batch_mat_shapes",
        lambda lib: lib.ones(2, 2, 3) @ lib.ones(4, 5),
        "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)",
    ),
    ("mat_vec_shapes", lambda lib: lib.ones(2, 3) @ lib.ones(4), "size mismatch, got input (2), mat (2x3), vec (4)"),
    ("mv_shapes", lambda lib: lib.mv(lib.ones(2, 3), lib.ones(2)), "size mismatch, got input (2), mat (2x3), vec (2)"),
    (
        "vec_vec_shapes",
        lambda lib: lib.ones(3) @ lib.ones(4),
        "inconsistent tensor size, expected tensor [3] and src [4]",
    ),
    (
        "dot_shapes",
        lambda lib: lib.dot(lib.ones(2), lib.ones(3)),
        "inconsistent tensor size, expected tensor [2] and src [3] to have the same number of elements, "
        "but got 2 and 3 elements respectively",
    ),
    ("dot_2d", lambda lib: lib.dot(lib.ones(2, 1), lib.ones(2)), "1D tensors expected, but got 2D and 1D tensors"),
    (
        "batch_shapes",
        lambda lib: lib.ones(2, 2, 3) @ lib.ones(2, 4, 5),
        "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].",
    ),
    (
        "batch_broadcast",
        lambda lib: lib.ones(2, 2, 3) @ lib.ones(3, 3, 5),
        "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
    ),
    (
        "bmm_shapes",
        lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(3, 3, 5)),
        "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3].",
    ),
    (
        "bmm_inner",
        lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 4, 5)),
        "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].",
    ),
    ("bmm_2d_first", lambda lib: lib.bmm(lib.ones(2, 3), lib.ones(3, 3, 5)), "batch1 must be a 3D tensor"),
    ("bmm_2d_second", lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(3, 5)), "batch2 must be a 3D tensor"),
    ("mm_vector", lambda lib: lib.mm(lib.ones(2, 3), lib.ones(3)), "mat2 must be a matrix"),
    ("mm_vector_first", lambda lib: lib.mm(lib.ones(3), lib.ones(3, 2)), "self must be a matrix"),
    ("mv_matrix", lambda lib: lib.mv(lib.ones(2, 3), lib.ones(3, 1)), "vector + matrix @ vector expected, got 1, 2, 2"),
    (
        "scalar_operand",
        lambda lib: lib.tensor(1.0) @ lib.ones(3),
        "both arguments to matmul need to be at least 1D, but they are 0D and 1D",
    ),
    (
        "mm_dtypes",
        lambda lib: lib.ones(2, 3) @ lib.ones(3, 2, dtype=lib.float64),
        "expected m1 and m2 to have the same dtype, but got: float != double",
    ),
    (
        "mm_method_dtypes",
        lambda lib: lib.ones(2, 3).mm(lib.ones(3, 2, dtype=lib.float64)),
        "expected m1 and m2 to have the same dtype, but got: float != double",
    ),
    (
        "dot_dtypes",
        lambda lib: lib.ones(3) @ lib.ones(3, dtype=lib.float64),
        "dot : expected both vectors to have same dtype, but found Float and Double",
    ),
    (
        "bmm_dtypes",
        lambda lib: lib.bmm(lib.ones(2, 2, 3), lib.ones(2, 3, 2, dtype=lib.float64)),
        "expected scalar type Float but found Double",
    ),
    ("mv_dtypes", lambda lib: lib.mv(lib.ones(2, 3), lib.ones(3, dtype=lib.float64)), "must have the same dtype"),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[e[0] for e in ERRORS])
def test_product_errors(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)
