"""Spectral factorisations against torch: linalg.eigh, eigvalsh, svd, svdvals, pinv, matrix_rank, torch.svd, pinverse.

Eigenvectors and singular vectors are defined up to sign (numpy's LAPACK and torch's may pick either), so the
parity checks compare what does not depend on the signs: values, squared vectors, products such as U @ Vh and
V diag(L) V^T; their gradients are then torch's whatever the signs. Inputs have well-separated eigenvalues and
singular values (a diagonal 1, 2, ... plus a small drawn perturbation), where those gradients are finite; the
repeated-value cases torch keeps finite (eigvalsh, svdvals) are tested on fixed matrices.
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


def separated(a: np.ndarray) -> np.ndarray:
    """0.1 * ``a`` (values in [-1, 1]) plus 1, 2, ..., k on the diagonal: distinct singular values (and, made
    symmetric, eigenvalues), none near zero."""
    out = 0.1 * np.asarray(a, dtype=np.float64)
    k = min(out.shape[-2:])
    out[..., range(k), range(k)] += np.arange(1, k + 1)
    return out


@st.composite
def rectangular(draw: Any, square: bool = False) -> np.ndarray:
    m = draw(st.integers(1, 4), label="m")
    n = m if square else draw(st.integers(1, 4), label="n")
    return separated(draw(S.arrays(draw(batches, label="batch") + (m, n)), label="A"))


def _eigh_parts(lib: Any, x: Any, uplo: str = "L") -> tuple:
    values, vectors = lib.linalg.eigh(x + x.mT, UPLO=uplo)
    return values, vectors**2, (vectors * values[..., None, :]) @ vectors.mT


def _svd_parts(lib: Any, x: Any, full: bool) -> tuple:
    u, s, vh = lib.linalg.svd(x, full_matrices=full)
    k = s.shape[-1]
    return s, u[..., :k] ** 2, vh[..., :k, :] ** 2, u[..., :k] @ vh[..., :k, :]


@given(a=rectangular(square=True), uplo=st.sampled_from(["L", "U"]))
def test_eigh_and_eigvalsh_match_torch(a: np.ndarray, uplo: str) -> None:
    def fn(lib: Any, x: Any) -> Any:
        return _eigh_parts(lib, x, uplo) + (lib.linalg.eigvalsh(x + x.mT, UPLO=uplo),)

    check_both(fn, a, gradcheck=a.size <= 16)


@given(a=rectangular(), full=st.booleans())
def test_svd_and_svdvals_match_torch(a: np.ndarray, full: bool) -> None:
    def fn(lib: Any, x: Any) -> Any:
        return _svd_parts(lib, x, full) + (lib.linalg.svdvals(x),)

    check_both(fn, a, gradcheck=a.size <= 16)


@given(a=rectangular(), some=st.booleans())
def test_legacy_svd_returns_v_as_torch_s(a: np.ndarray, some: bool) -> None:
    def fn(lib: Any, x: Any) -> Any:
        u, s, v = lib.svd(x, some=some)
        k = s.shape[-1]
        _, s_method, v_method = x.svd()
        return s, u[..., :k] ** 2, v[..., :k] ** 2, u[..., :k] @ v[..., :k].mT, s_method, v_method[..., :k] ** 2

    check_both(fn, a, gradcheck=False)


@given(a=rectangular())
def test_pinv_matches_torch(a: np.ndarray) -> None:
    def fn(lib: Any, x: Any) -> Any:
        return lib.linalg.pinv(x), lib.pinverse(x) + x.pinverse(rcond=1e-10)

    check_both(fn, a, gradcheck=a.size <= 16)


@given(a=rectangular(square=True))
def test_hermitian_pinv_matches_torch(a: np.ndarray) -> None:
    check_both(lambda lib, x: lib.linalg.pinv(x + x.mT, hermitian=True), a, gradcheck=a.size <= 16)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"atol": 1.5}, {"rtol": 0.3}, {"atol": 0.0}, {"atol": 0.5, "rtol": 0.5}, {"hermitian": True}],
    ids=["default", "atol", "rtol", "atol_zero", "both", "hermitian"],
)
def test_cut_offs_and_ranks_follow_torch(kwargs: dict) -> None:
    a = np.diag([3.0, 1.0, 0.4, 1e-20]) + np.triu(np.full((4, 4), 1e-3), 1)
    a = a + a.T if kwargs.get("hermitian") else a
    check_parity(lambda lib, x: lib.linalg.pinv(x, **kwargs), a)
    for shape in [(4, 4), (2, 4, 4), (3, 0), (0, 2)]:
        x = np.broadcast_to(a, shape).copy() if shape[-1] == 4 else np.zeros(shape)
        ours = minitorch.linalg.matrix_rank(minitorch.tensor(x), **kwargs)
        theirs = torch.linalg.matrix_rank(torch.tensor(x), **kwargs)
        assert ours.dtype == minitorch.int64 and ours.tolist() == theirs.tolist()


def test_tolerances_may_be_tensors_per_matrix() -> None:
    a = np.stack([np.diag([3.0, 1.0, 0.4]), np.diag([2.0, 0.2, 0.1])])
    for kwargs in ({"atol": [0.5, 0.15]}, {"rtol": [0.2, 0.06]}):
        check_parity(lambda lib, x: lib.linalg.pinv(x, **{k: lib.tensor(v) for k, v in kwargs.items()}), a)
        ours = minitorch.linalg.matrix_rank(minitorch.tensor(a), **{k: minitorch.tensor(v) for k, v in kwargs.items()})
        theirs = torch.linalg.matrix_rank(torch.tensor(a), **{k: torch.tensor(v) for k, v in kwargs.items()})
        assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    "name,fn",
    [
        ("eigh", lambda lib, x: _eigh_parts(lib, x)),
        ("eigvalsh", lambda lib, x: lib.linalg.eigvalsh(x + x.mT)),
        ("svd", lambda lib, x: _svd_parts(lib, x, False)),
        ("svdvals", lambda lib, x: lib.linalg.svdvals(x)),
        ("pinv", lambda lib, x: lib.linalg.pinv(x)),
    ],
)
@given(a=rectangular())
def test_second_derivatives_match_torch(name: str, fn: Any, a: np.ndarray) -> None:
    if name.startswith("eig"):
        a = separated(np.zeros(a.shape[:-1] + (a.shape[-2],)) + a[..., :1])
    check_parity(fn, a, dtype=np.float64, order=2)
    x = minitorch.tensor(a, requires_grad=True)
    assert minitorch.autograd.gradgradcheck(lambda t: fn(minitorch, t), (x,))


@pytest.mark.parametrize("matrix", [np.eye(3), np.diag([2.0, 2.0, 1.0]), np.zeros((2, 3))], ids=["eye", "pair", "zero"])
def test_values_alone_have_finite_gradients_where_they_repeat_as_in_torch(matrix: np.ndarray) -> None:
    check_parity(lambda lib, x: lib.linalg.svdvals(x), matrix)
    if matrix.shape[0] == matrix.shape[1]:
        check_parity(lambda lib, x: lib.linalg.eigvalsh(x), matrix)


def test_node_names_and_result_types_are_torch_s() -> None:
    a = separated(np.zeros((3, 3)))
    for lib in (minitorch, torch):
        x = lib.tensor(a, requires_grad=True)
        outs = [lib.linalg.eigh(x)[1], lib.linalg.eigvalsh(x), lib.linalg.svd(x)[0], lib.linalg.svdvals(x)]
        outs += [lib.linalg.pinv(x), lib.pinverse(x), lib.svd(x).V]
        assert [type(o.grad_fn).__name__ for o in outs] == [
            "LinalgEighBackward0",
            "LinalgEighBackward0",
            "LinalgSvdBackward0",
            "LinalgSvdBackward0",
            "LinalgPinvBackward0",
            "LinalgPinvBackward0",
            "TransposeBackward0",
        ], lib.__name__
    for make in (lambda lib: lib.linalg.eigh, lambda lib: lib.linalg.svd, lambda lib: lib.svd):
        ours, theirs = make(minitorch)(minitorch.tensor(a)), make(torch)(torch.tensor(a))
        assert repr(ours).split("(")[0] == repr(theirs).split("(")[0]
        assert ours._fields == tuple(theirs._fields) if hasattr(theirs, "_fields") else len(ours) == len(theirs)


def test_svd_without_vectors_gives_zeros_as_torch() -> None:
    a = separated(np.zeros((4, 3)))
    ours, theirs = minitorch.svd(minitorch.tensor(a), compute_uv=False), torch.svd(torch.tensor(a), compute_uv=False)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
    np.testing.assert_allclose(ours.S.numpy(), theirs.S.numpy())
    assert not ours.U.numpy().any() and not ours.V.numpy().any()


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.linalg.eigh(lib.ones(2, 3)),
        lambda lib: lib.linalg.eigh(lib.ones(3)),
        lambda lib: lib.linalg.eigh(lib.ones(3, 3), UPLO="X"),
        lambda lib: lib.linalg.eigh(lib.ones(3, 3, dtype=lib.long)),
        lambda lib: lib.linalg.eigvalsh(lib.ones(2, 3)),
        lambda lib: lib.linalg.svd(lib.ones(3)),
        lambda lib: lib.linalg.svd(lib.ones(3, 3, dtype=lib.long)),
        lambda lib: lib.linalg.svdvals(lib.ones(3, 3, dtype=lib.float16)),
        lambda lib: lib.linalg.pinv(lib.ones(3, dtype=lib.float64)),
        lambda lib: lib.linalg.pinv(lib.ones(3, 3, dtype=lib.long)),
        lambda lib: lib.linalg.pinv(lib.ones(2, 3), hermitian=True),
        lambda lib: lib.linalg.matrix_rank(lib.ones(3)),
        lambda lib: lib.linalg.matrix_rank(lib.ones(3, 3, dtype=lib.long)),
    ],
)
def test_bad_arguments_raise_torch_s_errors(call: Any) -> None:
    raises_like(call, exact=True)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: _eigh_parts(lib, x) + (lib.linalg.eigvalsh(x),),
        lambda lib, x: _svd_parts(lib, x, True) + (lib.linalg.svdvals(x),),
        lambda lib, x: lib.linalg.pinv(x),
    ],
    ids=["eigh", "svd", "pinv"],
)
def test_on_every_device(fn: Any, device: str) -> None:
    check_parity(fn, separated(np.linspace(-1, 1, 18).reshape(2, 3, 3)), device=device)
