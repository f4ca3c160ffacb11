"""Factorising linear algebra against torch: linalg.inv, det, slogdet, logdet, solve, cholesky, negative matrix powers.

Values, gradients (float64 and float32) and finite differences over hypothesis-drawn batches of well-conditioned
matrices (sizes 0 to 4, batch dimensions broadcasting); second derivatives (torch's, and gradgradcheck); torch's
node names, its gradients at singular matrices, and its errors (LinAlgError where a factorisation fails, with
torch's pivot, leading minor and batch element).
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

batches = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)


def _regular(a: np.ndarray) -> np.ndarray:
    """``a`` (values in [-1, 1]) plus n + 0.5 on its diagonals: strictly diagonally dominant, so invertible and
    well-conditioned (the singular cases are tested on fixed matrices below)."""
    n = a.shape[-1]
    return a + (n + 0.5) * np.eye(n)


@st.composite
def matrices(draw: Any, min_n: int = 0, batch: Any = batches) -> np.ndarray:
    n = draw(st.integers(min_n, 4), label="n")
    return _regular(draw(S.arrays(draw(batch, label="batch") + (n, n)), label="A"))


def _spd(lib: Any, a: Any) -> Any:
    """A symmetric positive-definite matrix made of ``a`` inside the graph (as torch's own tests make them: a
    gradient with respect to a Cholesky factor's input is symmetric, which finite differences of a raw input
    that the factorisation reads half of cannot show)."""
    return a @ a.mT + lib.eye(a.shape[-1], dtype=a.dtype, device=a.device)


@given(a=matrices())
def test_inv_matches_torch(a: np.ndarray) -> None:
    check_both(lambda lib, x: (lib.linalg.inv(x), lib.inverse(x) * 2, x.inverse()), a, gradcheck=a.size <= 36)


@given(a=matrices(), sign=st.sampled_from([1.0, -1.0]))
def test_det_slogdet_and_logdet_match_torch(a: np.ndarray, sign: float) -> None:
    a = a.copy()
    if a.shape[-1]:
        a[..., 0, :] *= sign  # negative determinants too (logdet: NaN)

    def fn(lib: Any, x: Any) -> Any:
        s, logabs = lib.linalg.slogdet(x)
        return lib.linalg.det(x), lib.det(x) * 2, x.det(), s, logabs, lib.logdet(x), x.logdet(), lib.slogdet(x)[1] * 3

    check_both(fn, a, gradcheck=a.size <= 36 and sign > 0)


@given(data=st.data())
def test_solve_matches_torch(data: st.DataObject) -> None:
    batch_a, batch_b = data.draw(S.broadcastable_shapes(2, max_dims=2, max_side=3), label="batches")
    n = data.draw(st.integers(0, 4), label="n")
    a = _regular(data.draw(S.arrays(tuple(batch_a) + (n, n)), label="A"))
    k = data.draw(st.integers(1, 3), label="k")
    kind = data.draw(st.sampled_from(["matrix", "right", "vector", "batched vector"]), label="kind")
    shape = {
        "matrix": tuple(batch_b) + (n, k),
        "right": tuple(batch_b) + (k, n),
        "vector": (n,),
        "batched vector": tuple(batch_a) + (n,),
    }[kind]
    b = data.draw(S.arrays(shape), label="B")
    left = kind != "right"
    if not left and shape == tuple(batch_a) + (n,):  # read as a batch of vectors, which torch solves on the left only
        raises_like(lambda lib: lib.linalg.solve(lib.tensor(a), lib.tensor(b), left=False), exact=True)
        return
    check_both(lambda lib, x, y: lib.linalg.solve(x, y, left=left), a, b, gradcheck=a.size + b.size <= 40)


@given(a=matrices(), upper=st.booleans())
def test_cholesky_matches_torch(a: np.ndarray, upper: bool) -> None:
    a = a / a.shape[-1] if a.shape[-1] else a
    check_both(lambda lib, x: lib.linalg.cholesky(_spd(lib, x), upper=upper), a, gradcheck=a.size <= 36)


@given(a=matrices(), n=st.integers(-4, -1))
def test_negative_matrix_powers_are_powers_of_the_inverse_as_in_torch(a: np.ndarray, n: int) -> None:
    check_both(lambda lib, x: (lib.linalg.matrix_power(x, n), x.matrix_power(n)), a, gradcheck=a.size <= 36)


@pytest.mark.parametrize(
    "name,fn",
    [
        ("inv", lambda lib, x: lib.linalg.inv(x)),
        ("det", lambda lib, x: lib.linalg.det(x)),
        (
            "method_and_top_level_spellings",
            # (a sum, not det * det: a product's size, ~1e5 here, leaves finite differences at their rounding limit)
            lambda lib, x: (x.inverse() * 2 + lib.inverse(x), x.det() + lib.det(x) + x.logdet() + x.slogdet()[1]),
        ),
        ("top_level_slogdet", lambda lib, x: lib.slogdet(x)[1]),
        ("slogdet", lambda lib, x: lib.linalg.slogdet(x)[1]),
        ("logdet", lambda lib, x: lib.logdet(x)),
        ("solve", lambda lib, x: lib.linalg.solve(x, x[..., :1] * x[..., :1])),
        ("solve_right", lambda lib, x: lib.linalg.solve(x, x[..., :1, :] + 1, left=False)),
        ("solve_vector", lambda lib, x: lib.linalg.solve(x, x[..., 0] * x[..., -1])),
        ("cholesky", lambda lib, x: lib.linalg.cholesky(_spd(lib, x))),
        ("cholesky_upper", lambda lib, x: lib.linalg.cholesky(_spd(lib, x), upper=True)),
    ],
)
@given(a=matrices(min_n=1, batch=st.sampled_from([(), (2,)])))
def test_second_derivatives_match_torch(name: str, fn: Any, a: np.ndarray) -> None:
    check_parity(fn, a, dtype=np.float64, order=2)
    x = minitorch.tensor(a, requires_grad=True)
    assert minitorch.autograd.gradgradcheck(lambda t: fn(minitorch, t), (x,))


def test_node_names_are_torch_s() -> None:
    a = _regular(np.linspace(-1, 1, 9).reshape(3, 3))
    for lib in (minitorch, torch):
        x = lib.tensor(a, requires_grad=True)
        names = [
            type(y.grad_fn).__name__
            for y in (
                lib.linalg.inv(x),
                lib.linalg.det(x),
                lib.linalg.slogdet(x)[1],
                lib.logdet(x),
                lib.linalg.solve(x, x),
                lib.linalg.cholesky(x @ x.mT),
                lib.linalg.matrix_power(x, -2),
            )
        ]
        assert names == [
            "LinalgInvExBackward0",
            "LinalgDetBackward0",
            "LinalgSlogdetBackward0",
            "WhereBackward0",
            "LinalgSolveExBackward0",
            "LinalgCholeskyExBackward0",
            "MmBackward0",
        ], lib.__name__


def test_results_are_named_and_printed_as_torch_s() -> None:
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    ours, theirs = minitorch.linalg.slogdet(minitorch.tensor(a)), torch.linalg.slogdet(torch.tensor(a))
    assert repr(ours).split("(")[0] == repr(theirs).split("(")[0] == "torch.return_types.linalg_slogdet"
    assert repr(minitorch.slogdet(minitorch.tensor(a))).split("(")[0] == "torch.return_types.slogdet"
    assert float(ours.sign) == float(theirs.sign) and np.isclose(float(ours.logabsdet), float(theirs.logabsdet))


@pytest.mark.parametrize(
    "matrix",
    [
        np.zeros((3, 3)),
        np.array([[1.0, 2.0], [2.0, 4.0]]),
        np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]]),
    ],
    ids=["zeros", "rank_one", "batch_with_a_singular_matrix"],
)
def test_gradients_at_singular_matrices_are_torch_s(matrix: np.ndarray) -> None:
    """det's gradient is torch's ``det * A^-T`` with the zero determinant in front: zero (even where the adjugate
    is not); slogdet's and logdet's, NaN; an invertible neighbour in the batch keeps its own."""
    grads = {}
    for lib in (minitorch, torch):
        got = []
        for fn in (lambda x: lib.linalg.det(x), lambda x: lib.linalg.slogdet(x)[1], lambda x: lib.logdet(x)):
            x = lib.tensor(matrix, requires_grad=True)
            fn(x).sum().backward()
            got.append(x.grad.numpy())
        grads[lib.__name__] = got
    ours, theirs = grads["minitorch"], grads["torch"]
    np.testing.assert_array_equal(ours[0], theirs[0])
    for o, t in zip(ours[1:], theirs[1:]):
        singular = np.abs(np.linalg.det(matrix)) == 0
        assert np.isnan(o[singular]).all() and not np.isfinite(t[singular]).all()
        np.testing.assert_allclose(o[~singular], t[~singular])


def fails_like(call: Any) -> None:
    """``call(lib)`` raises each library's LinAlgError (a RuntimeError in both), with torch's very words."""
    with pytest.raises(torch.linalg.LinAlgError) as want:
        call(torch)
    with pytest.raises(minitorch.linalg.LinAlgError) as got:
        call(minitorch)
    assert str(got.value) == str(want.value)


def test_linalg_error_is_a_runtime_error_as_torch_s() -> None:
    assert issubclass(minitorch.linalg.LinAlgError, RuntimeError) and issubclass(torch.linalg.LinAlgError, RuntimeError)


def test_inverse_of_a_singular_matrix_raises_torch_s_error_naming_the_pivot() -> None:
    fails_like(lambda lib: lib.linalg.inv(lib.tensor([[1.0, 2.0], [2.0, 4.0]])))
    fails_like(lambda lib: lib.linalg.inv(lib.zeros(3, 3)))
    fails_like(lambda lib: lib.linalg.inv(lib.stack([lib.eye(2), lib.zeros(2, 2)])))
    fails_like(lambda lib: lib.inverse(lib.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 4.0]])))
    fails_like(lambda lib: lib.linalg.inv(lib.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])))
    fails_like(lambda lib: lib.linalg.matrix_power(lib.zeros(2, 2), -1))


def test_solve_with_a_singular_matrix_raises_torch_s_error() -> None:
    fails_like(lambda lib: lib.linalg.solve(lib.zeros(3, 3), lib.ones(3)))
    fails_like(lambda lib: lib.linalg.solve(lib.stack([lib.eye(2), lib.zeros(2, 2)]), lib.ones(2, 2)))


def test_cholesky_of_a_matrix_not_positive_definite_names_the_leading_minor() -> None:
    fails_like(lambda lib: lib.linalg.cholesky(-lib.eye(3)))
    fails_like(lambda lib: lib.linalg.cholesky(lib.tensor([[1.0, 2.0], [2.0, 1.0]])))
    fails_like(lambda lib: lib.linalg.cholesky(lib.diag(lib.tensor([1.0, 2.0, 3.0, -1.0]))))
    fails_like(lambda lib: lib.linalg.cholesky(lib.stack([lib.eye(2), -lib.eye(2)])))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.linalg.inv(lib.zeros(2, 3)),
        lambda lib: lib.linalg.inv(lib.zeros(3)),
        lambda lib: lib.linalg.inv(lib.ones(3, 3, dtype=lib.long)),
        lambda lib: lib.linalg.inv(lib.ones(3, 3, dtype=lib.float16)),
        lambda lib: lib.linalg.det(lib.zeros(2, 3)),
        lambda lib: lib.linalg.det(lib.zeros(3)),
        lambda lib: lib.linalg.det(lib.ones(3, 3, dtype=lib.long)),
        lambda lib: lib.linalg.det(lib.ones(3, 3, dtype=lib.float16)),
        lambda lib: lib.linalg.slogdet(lib.ones(2, 3)),
        lambda lib: lib.logdet(lib.ones(2, 3)),
        lambda lib: lib.linalg.cholesky(lib.ones(2, 3)),
        lambda lib: lib.linalg.cholesky(lib.ones(3)),
        lambda lib: lib.linalg.solve(lib.ones(3), lib.ones(3)),
        lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(())),
        lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(2)),
        lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(2, 4)),
        lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(3, 2), left=False),
        lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(3), left=False),
        lambda lib: lib.linalg.solve(lib.eye(1), lib.ones(1), left=False),
        lambda lib: lib.linalg.solve(lib.eye(3, dtype=lib.long), lib.ones(3, dtype=lib.long)),
        lambda lib: lib.linalg.solve(lib.eye(3, dtype=lib.float64), lib.ones(3)),
        lambda lib: lib.linalg.solve(lib.ones(2, 3, 3), lib.ones(4, 3, 1)),
        lambda lib: lib.linalg.solve(lib.ones(2, 1, 3, 3), lib.ones(3, 1, 3, 1)),
    ],
)
def test_bad_arguments_raise_torch_s_errors(call: Any) -> None:
    raises_like(call, exact=True)


def test_a_batch_of_empty_matrices_and_empty_batches_follow_torch() -> None:
    for shape in [(0, 0), (2, 0, 0), (0, 3, 3)]:
        a = np.zeros(shape) + (np.eye(shape[-1]) if shape[-1] else 0)
        check_parity(lambda lib, x: (lib.linalg.inv(x), lib.linalg.det(x), lib.linalg.slogdet(x)[1]), a)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: lib.linalg.inv(x),
        lambda lib, x: lib.linalg.det(x) + lib.linalg.slogdet(x)[1],
        lambda lib, x: lib.linalg.solve(x, x[..., :1] + 1),
        lambda lib, x: lib.linalg.cholesky(_spd(lib, x), upper=True),
    ],
    ids=["inv", "det_slogdet", "solve", "cholesky"],
)
def test_on_every_device(fn: Any, device: str) -> None:
    check_parity(fn, _regular(np.linspace(-1, 1, 18).reshape(2, 3, 3)), device=device)


@given(a=matrices(min_n=1))
def test_ex_variants_of_invertible_matrices_are_the_plain_ops_with_zero_info(a: np.ndarray) -> None:
    def fn(lib: Any, x: Any) -> Any:
        inv, info = lib.linalg.inv_ex(x)
        low, info2 = lib.linalg.cholesky_ex(_spd(lib, x), upper=True)
        sol, info3 = lib.linalg.solve_ex(x, x[..., 0] * 2)
        assert not info.numpy().any() and info.dtype == lib.int32 and tuple(info.shape) == a.shape[:-2]
        assert not info2.numpy().any() and not info3.numpy().any()
        return inv, low, sol

    check_both(fn, a, gradcheck=a.size <= 18)


def test_ex_variants_report_lapack_s_info_where_a_factorisation_fails() -> None:
    """torch's info per matrix; the failed matrices' results are NaN here (torch leaves LAPACK's partial work), the
    others' values and gradients are the plain ops'."""
    singular = np.stack([np.eye(2) * 2, np.zeros((2, 2)), np.array([[1.0, 2.0], [2.0, 4.0]])])
    indefinite = np.stack([np.eye(3), -np.eye(3), np.diag([1.0, 2.0, -1.0])])
    for lib in (minitorch, torch):
        assert lib.linalg.inv_ex(lib.tensor(singular)).info.tolist() == [0, 1, 2]
        assert lib.linalg.cholesky_ex(lib.tensor(indefinite)).info.tolist() == [0, 1, 3]
        assert lib.linalg.solve_ex(lib.tensor(singular), lib.ones(3, 2, dtype=lib.float64)).info.tolist() == [0, 1, 2]
    for fn, a in (
        (lambda lib, x: lib.linalg.inv_ex(x).inverse, singular),
        (lambda lib, x: lib.linalg.solve_ex(x, x[..., 0] + 1).result, singular),
        (lambda lib, x: lib.linalg.cholesky_ex(x).L, indefinite),
    ):
        got = {}
        for lib in (minitorch, torch):
            x = lib.tensor(a, requires_grad=True)
            out = fn(lib, x)
            out[0].sum().backward()
            got[lib.__name__] = out.detach().numpy(), x.grad.numpy()
        (ours, our_grad), (theirs, their_grad) = got["minitorch"], got["torch"]
        np.testing.assert_allclose(ours[0], theirs[0])
        np.testing.assert_allclose(our_grad[0], their_grad[0])
        assert np.isnan(ours[1:]).all() and not our_grad[1:].any()  # (torch: LAPACK's leftovers, NaN gradients)
    assert repr(minitorch.linalg.inv_ex(minitorch.eye(2))).startswith("torch.return_types.linalg_inv_ex(\ninverse=")


def test_ex_variants_raise_torch_s_errors_when_asked_to_check() -> None:
    fails_like(lambda lib: lib.linalg.inv_ex(lib.stack([lib.eye(2), lib.zeros(2, 2)]), check_errors=True))
    fails_like(lambda lib: lib.linalg.cholesky_ex(-lib.eye(2), check_errors=True))
    fails_like(lambda lib: lib.linalg.solve_ex(lib.zeros(2, 2), lib.ones(2), check_errors=True))
