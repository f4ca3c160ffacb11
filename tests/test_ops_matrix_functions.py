"""Functions of matrices against torch: linalg.matrix_exp (and torch.matrix_exp, Tensor.matrix_exp), cond, lstsq,
multi_dot, vecdot, vander, diagonal, tensorinv, tensorsolve, linalg.matmul.

Values, gradients (float64 and float32) and finite differences over hypothesis-drawn inputs; second derivatives
of the matrix exponential; torch's node names and errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import strategies as S
from tests.parity import check_both, check_parity, raises_like

batches = st.sampled_from([(), (2,), (1, 2)])


def regular(a: np.ndarray) -> np.ndarray:
    """A batch of square matrices made diagonally dominant: invertible and well-conditioned."""
    return a + (a.shape[-1] + 0.5) * np.eye(a.shape[-1])


def separated(a: np.ndarray) -> np.ndarray:
    """0.1 * ``a`` plus 1, 2, ... on the diagonal: distinct singular values (where their ratio is differentiable)."""
    out = 0.1 * a
    out[..., range(a.shape[-1]), range(a.shape[-1])] += np.arange(1, a.shape[-1] + 1)
    return out


@given(data=st.data(), scale=st.sampled_from([0.01, 1.0, 4.0]))
def test_matrix_exp_matches_torch(data: st.DataObject, scale: float) -> None:
    """Small and large norms (no scaling, and several squarings, one count per matrix of a batch)."""
    n = data.draw(st.integers(0, 4), label="n")
    a = data.draw(S.arrays(data.draw(batches, label="batch") + (n, n)), label="A") * scale
    if a.ndim == 3 and a.shape[0] == 2:
        a[1] *= 0.1  # (the two matrices of a batch need different numbers of squarings)

    def fn(lib: Any, x: Any) -> Any:
        return lib.linalg.matrix_exp(x), lib.matrix_exp(x * 0.5), (x * 0.25).matrix_exp()

    check_both(fn, a, gradcheck=a.size <= 18)


@given(a=st.sampled_from([(2, 2), (2, 3, 3)]).flatmap(S.arrays))
def test_matrix_exp_is_twice_differentiable_as_torch(a: np.ndarray) -> None:
    check_parity(lambda lib, x: lib.linalg.matrix_exp(x), a, dtype=np.float64, order=2)
    x = minitorch.tensor(a, requires_grad=True)
    assert minitorch.autograd.gradgradcheck(lambda t: minitorch.linalg.matrix_exp(t), (x,))


@given(
    a=st.integers(1, 4).flatmap(lambda n: S.arrays((n, n))).map(separated),
    p=st.sampled_from([None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf]),
)
def test_cond_matches_torch(a: np.ndarray, p: Any) -> None:
    # torch's own backward fails for the norms through the inverse ('fro', 1, -1, inf, -inf: an in-place change
    # of the inverse it saved), so only their values are compared
    grad = p in (None, 2, -2, "nuc")
    check_both(lambda lib, x: lib.linalg.cond(x, p), a, grad=grad, gradcheck=a.size <= 9)


@given(data=st.data())
def test_lstsq_solution_and_rank_match_torch(data: st.DataObject) -> None:
    m = data.draw(st.integers(1, 5), label="m")
    n = data.draw(st.integers(1, m), label="n")
    a = data.draw(S.arrays((m, n)), label="A") + np.eye(m, n) * (n + 2)  # (diagonally dominant: full column rank)
    b = data.draw(S.arrays((m, 2) if data.draw(st.booleans(), label="matrix") else (m,)), label="B")
    check_both(lambda lib, x, y: lib.linalg.lstsq(x, y).solution, a, b, gradcheck=a.size + b.size <= 20)
    ours = minitorch.linalg.lstsq(minitorch.tensor(a), minitorch.tensor(b))
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b))
    assert int(ours.rank) == int(theirs.rank)
    assert tuple(ours.residuals.shape) == tuple(theirs.residuals.shape) == (0,)
    assert repr(ours).startswith("torch.return_types.linalg_lstsq(\nsolution=")


@given(data=st.data())
def test_multi_dot_matches_torch(data: st.DataObject) -> None:
    count = data.draw(st.integers(2, 5), label="count")
    dims = data.draw(st.lists(st.integers(1, 4), min_size=count + 1, max_size=count + 1), label="dims")
    shapes = [(dims[i], dims[i + 1]) for i in range(count)]
    if data.draw(st.booleans(), label="vector first"):
        shapes[0] = (dims[1],)
    if data.draw(st.booleans(), label="vector last"):
        shapes[-1] = (shapes[-1][0],)
    arrays = [data.draw(S.arrays(s), label=f"x{i}") for i, s in enumerate(shapes)]
    check_both(lambda lib, *xs: lib.linalg.multi_dot(list(xs)), *arrays, gradcheck=sum(a.size for a in arrays) <= 30)


@given(shapes=S.broadcastable_shapes(2, min_dims=1, max_dims=3, max_side=3), dim=st.sampled_from([-1, 0]))
def test_vecdot_matches_torch(shapes: tuple, dim: int) -> None:
    a, b = (np.ones(s) * np.arange(1, int(np.prod(s)) + 1).reshape(s) / 7 for s in shapes)
    if a.ndim == b.ndim == 1 and a.shape != b.shape:  # two vectors: torch's dot, which does not broadcast
        raises_like(lambda lib: lib.linalg.vecdot(lib.tensor(a), lib.tensor(b), dim=dim), exact=True)
        return
    check_both(lambda lib, x, y: lib.linalg.vecdot(x, y, dim=dim), a, b)


def test_vecdot_refuses_mixed_dtypes_as_torch() -> None:
    raises_like(lambda lib: lib.linalg.vecdot(lib.ones(2), lib.ones(2, dtype=lib.float64)), exact=True)
    raises_like(lambda lib: lib.linalg.vecdot(lib.ones(2, 3, dtype=lib.float64), lib.ones(3)), exact=True)
    raises_like(lambda lib: lib.linalg.vecdot(lib.ones(3), lib.ones(2)), exact=True)


@given(x=S.arrays(S.shapes(1, 2, 2, 4)), n=st.sampled_from([None, 2, 5]))
def test_vander_matches_torch(x: np.ndarray, n: Any) -> None:
    check_both(lambda lib, t: lib.linalg.vander(t, N=n), x)


@given(a=S.arrays((2, 3, 3)), offset=st.integers(-2, 2))
def test_linalg_diagonal_and_matmul_match_torch(a: np.ndarray, offset: int) -> None:
    check_both(lambda lib, x: (lib.linalg.diagonal(x, offset=offset), lib.linalg.matmul(x, x)), a)


def test_tensorinv_and_tensorsolve_match_torch() -> None:
    a = regular(np.linspace(-1, 1, 16).reshape(4, 4)).reshape(4, 2, 2)
    check_both(lambda lib, x: lib.linalg.tensorinv(x, ind=1), a)
    b = np.linspace(-1, 1, 4)
    check_both(lambda lib, x, y: lib.linalg.tensorsolve(x, y), a, b)
    check_both(lambda lib, x, y: lib.linalg.tensorsolve(x.permute(1, 2, 0), y, dims=(0, 1)), a, b)


def test_node_names_are_torch_s() -> None:
    a = regular(np.linspace(-1, 1, 9).reshape(3, 3))
    for lib in (minitorch, torch):
        x = lib.tensor(a, requires_grad=True)
        assert type(lib.linalg.matrix_exp(x).grad_fn).__name__ == "LinalgMatrixExpBackward0"


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.linalg.matrix_exp(lib.ones(3)),
        lambda lib: lib.linalg.matrix_exp(lib.ones(2, 3)),
        lambda lib: lib.linalg.matrix_exp(lib.ones(2, 2, dtype=lib.long)),
        lambda lib: lib.linalg.multi_dot([lib.ones(2, 2)]),
        lambda lib: lib.linalg.multi_dot([lib.ones(2, 2), lib.ones(3, 2)]),
        lambda lib: lib.linalg.multi_dot([lib.ones(2, 2, 2), lib.ones(2, 2)]),
        lambda lib: lib.linalg.multi_dot([lib.ones(2, 2), lib.ones(2), lib.ones(2, 2)]),
        lambda lib: lib.linalg.tensorinv(lib.ones(2, 3), ind=1),
        lambda lib: lib.linalg.tensorinv(lib.ones(2, 2), ind=0),
        lambda lib: lib.linalg.lstsq(lib.ones(3, 2), lib.ones(2, 1)),
        lambda lib: lib.linalg.lstsq(lib.ones(3, 2), lib.ones(3, 1), driver="x"),
        lambda lib: lib.linalg.cond(lib.ones(3)),
        lambda lib: lib.linalg.cond(lib.ones(2, 3), "fro"),
        lambda lib: lib.linalg.vander(lib.ones(3), N=1),
        lambda lib: lib.linalg.vander(lib.ones(1)),
    ],
)
def test_bad_arguments_raise_torch_s_errors(call: Any) -> None:
    raises_like(call)


@pytest.mark.parametrize(
    "fn", [lambda lib, x: lib.linalg.matrix_exp(x), lambda lib, x: lib.linalg.cond(x)], ids=["exp", "cond"]
)
def test_on_every_device(fn: Any, device: str) -> None:
    check_parity(fn, regular(np.linspace(-1, 1, 18).reshape(2, 3, 3)) * 0.3, device=device)
