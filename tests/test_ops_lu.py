"""The LU family against torch: linalg.lu_factor, lu_factor_ex, lu, lu_solve; torch.lu, lu_unpack, lu_solve and the
Tensor methods.

Factors and pivots (LAPACK's getrf convention) on square, wide and tall batches whose pivots are well separated (no
ties), gradients in float64 and float32 and finite differences; lu_solve with every ``left`` / ``adjoint`` and
broadcast batches; singular matrices (info, errors), deprecation warnings and torch's errors.
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
from tests.parity import check_both, raises_like

batches = st.sampled_from([(), (2,), (1, 2)])


def pivoted(a: np.ndarray) -> np.ndarray:
    """A full-rank matrix whose pivots are far apart, its rows rolled so that the factorisation has to swap."""
    out = 0.1 * np.asarray(a, dtype=np.float64)
    k = min(out.shape[-2:])
    out[..., range(k), range(k)] += np.arange(1, k + 1) / k
    return np.roll(out, 1, axis=-2)


def _draw(data: st.DataObject, square: bool = False) -> np.ndarray:
    m = data.draw(st.integers(1, 4), label="m")
    n = m if square else data.draw(st.integers(1, 4), label="n")
    return pivoted(data.draw(S.arrays(data.draw(batches, label="batch") + (m, n)), label="a"))


@given(data=st.data())
def test_lu_factor_matches_torch(data: st.DataObject) -> None:
    a = _draw(data)
    check_both(lambda lib, x: lib.linalg.lu_factor(x).LU, a, gradcheck=a.size <= 16)
    want, got = torch.linalg.lu_factor_ex(torch.tensor(a)), minitorch.linalg.lu_factor_ex(minitorch.tensor(a))
    assert got.pivots.dtype is minitorch.int32 and np.array_equal(got.pivots.numpy(), want.pivots.numpy())
    assert np.array_equal(got.info.numpy(), want.info.numpy()) and got.info.shape == want.info.shape


@given(data=st.data())
def test_linalg_lu_and_lu_unpack_match_torch(data: st.DataObject) -> None:
    a = _draw(data)
    check_both(lambda lib, x: tuple(lib.linalg.lu(x)), a, gradcheck=a.size <= 16)
    check_both(lambda lib, x: tuple(lib.lu_unpack(*lib.linalg.lu_factor(x))), a, gradcheck=a.size <= 16)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
@pytest.mark.parametrize(("batch_a", "batch_b"), [((), ()), ((2,), (3, 1)), ((3, 2), (2,))])
def test_lu_solve_matches_torch(left: bool, adjoint: bool, batch_a: tuple, batch_b: tuple) -> None:
    rng = np.random.default_rng(0)
    a = pivoted(rng.uniform(-1, 1, batch_a + (3, 3)))
    b = rng.uniform(-1, 1, batch_b + ((3, 2) if left else (2, 3)))

    def fn(lib: Any, x: Any, y: Any) -> Any:
        return lib.linalg.lu_solve(*lib.linalg.lu_factor(x), y, left=left, adjoint=adjoint)

    check_both(fn, a, b, gradcheck=batch_a == ())


def test_legacy_lu_lu_solve_and_methods() -> None:
    a = pivoted(np.random.default_rng(1).uniform(-1, 1, (2, 3, 3)))
    b = np.random.default_rng(2).uniform(-1, 1, (2, 3, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_both(lambda lib, x, y: lib.lu_solve(y, *lib.lu(x)), a, b)
        check_both(lambda lib, x, y: y.lu_solve(*x.lu()), a, b)
        check_both(lambda lib, x: x.lu(get_infos=True)[0], a)
    # (torch warns once a process, so only minitorch's warning is checked here; its text is torch's)
    with pytest.warns(UserWarning, match="torch.lu is deprecated in favor of torch.linalg.lu_factor"):
        minitorch.lu(minitorch.tensor(a))
    with pytest.warns(UserWarning, match="torch.lu_solve is deprecated in favor of torch.linalg.lu_solve"):
        minitorch.lu_solve(minitorch.tensor(b), *minitorch.linalg.lu_factor(minitorch.tensor(a)))


def test_node_names() -> None:
    x = minitorch.tensor(pivoted(np.eye(3)), requires_grad=True)
    lu, piv = minitorch.linalg.lu_factor(x)
    assert type(lu.grad_fn).__name__ == "LinalgLuFactorExBackward0" and not piv.requires_grad
    assert type(minitorch.linalg.lu(x).L.grad_fn).__name__ == "LinalgLuBackward0"
    assert type(minitorch.lu_unpack(lu, piv).U.grad_fn).__name__ == "LuUnpackBackward0"
    assert type(minitorch.linalg.lu_solve(lu, piv, x).grad_fn).__name__ == "LinalgLuSolveBackward0"


def test_unpack_parts() -> None:
    a = pivoted(np.random.default_rng(3).uniform(-1, 1, (3, 3)))
    for kw in ({"unpack_data": False}, {"unpack_pivots": False}):
        want = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor(a)), **kw)
        got = minitorch.lu_unpack(*minitorch.linalg.lu_factor(minitorch.tensor(a)), **kw)
        for w, g in zip(want, got):
            assert tuple(g.shape) == tuple(w.shape)
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "a",
    [
        [[1.0, 2.0], [2.0, 4.0]],
        [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]],
        [[[0.0, 1.0, 2.0], [0.0, 3.0, 4.0], [0.0, 5.0, 7.0]]],
        [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]],
    ],
)
def test_singular_matrices(a: list) -> None:
    want = torch.linalg.lu_factor_ex(torch.tensor(a))
    got = minitorch.linalg.lu_factor_ex(minitorch.tensor(a))
    for w, g in zip(want, got):
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6)
    raises_like(lambda lib: lib.linalg.lu_factor(lib.tensor(a)), "is zero and using it on lu_solve", exact=True)
    raises_like(lambda lib: lib.linalg.lu_factor_ex(lib.tensor(a), check_errors=True), "is zero", exact=True)
    with pytest.raises(minitorch.linalg.LinAlgError):
        minitorch.linalg.lu_factor(minitorch.tensor(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.array_equal(minitorch.lu(minitorch.tensor(a))[1].numpy(), want.pivots.numpy())  # no check either
    p, low, up = minitorch.linalg.lu(minitorch.tensor(a))  # linalg.lu does not check
    np.testing.assert_allclose((p @ low @ up).numpy(), np.asarray(a), atol=1e-6)


def test_errors() -> None:
    a = pivoted(np.random.default_rng(4).uniform(-1, 1, (3, 3)))

    def factors(lib: Any) -> Any:
        return lib.linalg.lu_factor(lib.tensor(a))

    raises_like(lambda lib: lib.linalg.lu_factor(lib.ones(3)), "Expected tensor with 2 or more dimensions")
    raises_like(lambda lib: lib.linalg.lu(lib.ones(3)), "linalg.lu: Expected tensor with 2 or more dimensions")
    raises_like(lambda lib: lib.linalg.lu_factor(lib.ones(3, 3, dtype=lib.int64)), "not implemented for 'Long'")
    raises_like(lambda lib: lib.linalg.lu_factor(lib.ones(3, 3, dtype=lib.float16)), "not implemented for 'Half'")
    raises_like(lambda lib: lib.linalg.lu_factor(lib.eye(3), pivot=False), "LU without pivoting is not implemented")
    raises_like(lambda lib: lib.linalg.lu(lib.eye(3), pivot=False), "LU without pivoting is not implemented")
    raises_like(lambda lib: lib.linalg.lu_solve(*factors(lib), lib.ones(4, 2, dtype=lib.float64)), exact=True)
    raises_like(lambda lib: lib.linalg.lu_solve(*factors(lib), lib.ones(3, 2, dtype=lib.float64), left=False))
    raises_like(lambda lib: lib.linalg.lu_solve(*factors(lib), lib.ones(3, dtype=lib.float64)), exact=True)
    raises_like(lambda lib: lib.linalg.lu_solve(*factors(lib), lib.ones(3, 2)), "same dtype", exact=True)
    raises_like(
        lambda lib: lib.linalg.lu_solve(factors(lib)[0], factors(lib)[1].long(), lib.ones(3, 2, dtype=lib.float64)),
        "int32",
    )
    raises_like(
        lambda lib: lib.linalg.lu_solve(factors(lib)[0][:2], factors(lib)[1][:2], lib.ones(2, 2, dtype=lib.float64)),
        "square",
    )
    raises_like(
        lambda lib: lib.linalg.lu_solve(factors(lib)[0], factors(lib)[1][:2], lib.ones(3, 2, dtype=lib.float64)),
        exact=True,
    )
    raises_like(lambda lib: lib.lu_unpack(factors(lib)[0], factors(lib)[1].long()), exact=True)
    raises_like(lambda lib: lib.lu_unpack(factors(lib)[0][0], factors(lib)[1]), exact=True)
    raises_like(lambda lib: lib.lu_unpack(factors(lib)[0], lib.tensor([4, 1, 3], dtype=lib.int32)), exact=True)
