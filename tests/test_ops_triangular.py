"""QR and triangular solves against torch: linalg.qr (every mode, tall, square and wide), torch.qr, Tensor.qr and
linalg.solve_triangular (upper or lower, left or right, unitriangular).

Values, gradients (float64 and float32) and finite differences over hypothesis-drawn batches; second derivatives;
torch's node names, errors, and its inf and NaN where a triangle's diagonal holds a zero.
"""

from __future__ import annotations

import warnings
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


def full_rank(a: np.ndarray) -> np.ndarray:
    """0.1 * ``a`` plus 1, 2, ... on the diagonal and a dense pattern of small values: full rank, R's diagonal far
    from zero, and no column exactly zero below its diagonal (where Householder's QR jumps: a reflection of zero
    size there, one of size 2 beside it, so no finite difference can follow it, in torch either)."""
    out = 0.1 * np.asarray(a, dtype=np.float64)
    rows, cols = np.indices(out.shape[-2:])
    out = out + 0.05 / (1 + rows + 2 * cols)
    k = min(out.shape[-2:])
    out[..., range(k), range(k)] += np.arange(1, k + 1)
    return out


@given(data=st.data())
def test_qr_matches_torch(data: st.DataObject) -> None:
    m, n = data.draw(st.integers(1, 4), label="m"), data.draw(st.integers(1, 4), label="n")
    a = full_rank(data.draw(S.arrays(data.draw(batches, label="batch") + (m, n)), label="A"))
    mode = data.draw(st.sampled_from(["reduced", "complete"] if m <= n else ["reduced"]), label="mode")
    check_both(lambda lib, x: tuple(lib.linalg.qr(x, mode=mode)), a, gradcheck=a.size <= 16)


@given(a=st.integers(1, 4).flatmap(lambda m: S.arrays((m, 3))).map(full_rank), some=st.booleans())
def test_the_older_spellings_match_torch(a: np.ndarray, some: bool) -> None:
    if not some and a.shape[0] > a.shape[1]:
        some = True  # (a complete QR of a tall matrix has no gradient, in torch either)

    def fn(lib: Any, x: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # (torch's, once a process: torch.qr is deprecated)
            q, r = lib.qr(x, some=some)
            return q, r, x.qr()[1]

    check_both(fn, a, gradcheck=False)


def test_r_alone_has_no_gradient_and_a_tall_complete_qr_none_either_as_in_torch() -> None:
    a = full_rank(np.linspace(-1, 1, 12).reshape(4, 3))
    check_parity(lambda lib, x: lib.linalg.qr(x, mode="r")[1].detach(), a, grad=False)
    for lib in (minitorch, torch):
        q, r = lib.linalg.qr(lib.tensor(a, requires_grad=True), mode="r")
        assert tuple(q.shape) == (0,)
    raises_like(lambda lib: lib.linalg.qr(lib.tensor(a, requires_grad=True), mode="r")[1].sum().backward(), exact=True)
    raises_like(
        lambda lib: lib.linalg.qr(lib.tensor(a, requires_grad=True), mode="complete")[0].sum().backward(), exact=True
    )


@given(data=st.data())
def test_solve_triangular_matches_torch(data: st.DataObject) -> None:
    batch_a, batch_b = data.draw(S.broadcastable_shapes(2, max_dims=2, max_side=3), label="batches")
    n, k = data.draw(st.integers(1, 4), label="n"), data.draw(st.integers(1, 3), label="k")
    a = data.draw(S.arrays(tuple(batch_a) + (n, n)), label="A") + 2 * np.eye(n)
    upper, left, unit = (data.draw(st.booleans(), label=name) for name in ("upper", "left", "unitriangular"))
    b = data.draw(S.arrays(tuple(batch_b) + ((n, k) if left else (k, n))), label="B")

    def fn(lib: Any, x: Any, y: Any) -> Any:
        return lib.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit)

    check_both(fn, a, b, gradcheck=a.size + b.size <= 40)


def test_b_is_solved_in_a_s_dtype_as_in_torch() -> None:
    for a_dtype, b_dtype in (("float32", "float64"), ("float64", "float32"), ("float32", "int64")):

        def fn(lib: Any, x: Any) -> Any:
            b = (x[..., :1] * 2 + 1).to(getattr(lib, b_dtype)) if b_dtype != "int64" else lib.ones(3, 1, dtype=lib.long)
            out = lib.linalg.solve_triangular(x.to(getattr(lib, a_dtype)), b, upper=False)
            assert out.dtype == getattr(lib, a_dtype)
            return out

        check_parity(
            fn, np.tril(full_rank(np.zeros((3, 3)))), dtype=np.float64, rtol=1e-5, atol=1e-6
        )  # (float32 inside)


def test_a_zero_on_the_diagonal_gives_torch_s_inf_and_nan() -> None:
    a = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 1.0], [0.0, 0.0, 2.0]])
    b = np.array([[1.0, 0.0], [1.0, 0.0], [2.0, 1.0]])
    for upper in (True, False):
        t = a if upper else a.T.copy()
        ours = minitorch.linalg.solve_triangular(minitorch.tensor(t), minitorch.tensor(b), upper=upper).numpy()
        theirs = torch.linalg.solve_triangular(torch.tensor(t), torch.tensor(b), upper=upper).numpy()
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        np.testing.assert_array_equal(ours[~np.isnan(ours)], theirs[~np.isnan(theirs)])


@pytest.mark.parametrize(
    "name,fn",
    [
        ("qr_tall", lambda lib, x: tuple(lib.linalg.qr(x))),
        ("qr_wide", lambda lib, x: tuple(lib.linalg.qr(x.mT[..., :2, :]))),
        ("solve_triangular", lambda lib, x: lib.linalg.solve_triangular(x + 3, x[..., :2], upper=True)),
        ("solve_triangular_right", lambda lib, x: lib.linalg.solve_triangular(x + 3, x, upper=False, left=False)),
    ],
)
@given(a=st.sampled_from([(3, 3), (2, 3, 3)]).flatmap(S.arrays).map(full_rank))
def test_second_derivatives_match_torch(name: str, fn: Any, a: np.ndarray) -> None:
    check_parity(fn, a, dtype=np.float64, order=2)
    x = minitorch.tensor(a, requires_grad=True)
    assert minitorch.autograd.gradgradcheck(lambda t: fn(minitorch, t), (x,))


def test_node_names_and_result_types_are_torch_s() -> None:
    a = full_rank(np.zeros((3, 3)))
    for lib in (minitorch, torch):
        x = lib.tensor(a, requires_grad=True)
        outs = [lib.linalg.qr(x).Q, lib.linalg.qr(x).R, lib.linalg.solve_triangular(x, x, upper=True)]
        assert [type(o.grad_fn).__name__ for o in outs] == [
            "LinalgQrBackward0",
            "LinalgQrBackward0",
            "LinalgSolveTriangularBackward0",
        ]
    assert repr(minitorch.linalg.qr(minitorch.tensor(a))).startswith("torch.return_types.linalg_qr(\nQ=")
    assert repr(minitorch.qr(minitorch.tensor(a))).startswith("torch.return_types.qr(\nQ=")


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.linalg.qr(lib.ones(3)),
        lambda lib: lib.linalg.qr(lib.ones(3, 3), mode="x"),
        lambda lib: lib.linalg.qr(lib.ones(3, 3, dtype=lib.long)),
        lambda lib: lib.linalg.solve_triangular(lib.ones(3), lib.ones(3, 1), upper=True),
        lambda lib: lib.linalg.solve_triangular(lib.eye(3), lib.ones(3), upper=True),
        lambda lib: lib.linalg.solve_triangular(lib.ones(2, 3), lib.ones(2, 1), upper=True),
        lambda lib: lib.linalg.solve_triangular(lib.eye(3), lib.ones(2, 1), upper=True),
        lambda lib: lib.linalg.solve_triangular(lib.eye(3), lib.ones(2, 2), upper=True, left=False),
        lambda lib: lib.linalg.solve_triangular(lib.eye(3).long(), lib.ones(3, 1).long(), upper=True),
        lambda lib: lib.linalg.solve_triangular(lib.eye(3).half(), lib.ones(3, 1).half(), upper=True),
    ],
)
def test_bad_arguments_raise_torch_s_errors(call: Any) -> None:
    raises_like(call, exact=True)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: tuple(lib.linalg.qr(x)),
        lambda lib, x: lib.linalg.solve_triangular(x, x[..., :1] + 1, upper=False, unitriangular=True),
    ],
    ids=["qr", "solve_triangular"],
)
def test_on_every_device(fn: Any, device: str) -> None:
    check_parity(fn, full_rank(np.linspace(-1, 1, 18).reshape(2, 3, 3)), device=device)


@given(data=st.data())
def test_cholesky_solve_and_inverse_match_torch(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 4), label="n")
    a = full_rank(data.draw(S.arrays(data.draw(batches, label="batch") + (n, n)), label="A"))
    b = data.draw(S.arrays((n, 2)), label="B")
    upper = data.draw(st.booleans(), label="upper")

    def fn(lib: Any, x: Any, y: Any) -> Any:
        factor = x.triu() if upper else x.tril()  # (a factor with a positive diagonal: full_rank's)
        return (
            lib.cholesky_solve(y, factor, upper=upper),
            factor.cholesky_inverse(upper),
            y.cholesky_solve(factor, upper),
        )

    check_both(fn, a, b, gradcheck=a.size + b.size <= 24)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse_give_torch_s_dense_factor_gradients(upper: bool) -> None:
    """The factor's triangle is read, but torch's gradient for it is the dense formula (A = F F^T with the whole
    F): junk in the other triangle changes no value and shows in the gradients, first and second order."""
    rng = np.random.default_rng(3)
    a = full_rank(rng.standard_normal((2, 3, 3)))
    factor = np.triu(a) if upper else np.tril(a)
    junk = factor + (np.tril(rng.standard_normal((3, 3)), -1) if upper else np.triu(rng.standard_normal((3, 3)), 1))
    b = rng.standard_normal((3, 2))

    def fn(lib: Any, f: Any, y: Any) -> Any:
        return lib.cholesky_solve(y, f, upper=upper) ** 3, lib.cholesky_inverse(f[0], upper) ** 2

    check_parity(fn, junk, b)
    check_parity(fn, junk, b, order=2)


def test_the_deprecated_cholesky_warns_and_is_linalg_s() -> None:
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated in favor of torch.linalg.cholesky"):
        minitorch.cholesky(minitorch.tensor(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_parity(
            lambda lib, x: (lib.cholesky(x @ x.mT), (x @ x.mT).cholesky(upper=True)), full_rank(np.zeros((3, 3))) + 0.1
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.cholesky_solve(lib.ones(3), lib.eye(3)),
        lambda lib: lib.cholesky_solve(lib.ones(2, 2), lib.eye(3)),
        lambda lib: lib.cholesky_inverse(lib.ones(3)),
        lambda lib: lib.cholesky_inverse(lib.ones(2, 3)),
    ],
)
def test_bad_factors_raise_torch_s_errors(call: Any) -> None:
    raises_like(call, exact=True)
