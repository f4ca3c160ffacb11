"""Norms against torch: torch.norm / Tensor.norm and torch.linalg's vector_norm, matrix_norm and norm.

Values, gradients (float64 and float32) and finite differences over hypothesis-drawn shapes, orders, dims
and keepdim; the points where a norm is not differentiable (a zero vector, ties of the inf-norm) exactly;
torch's node names; and torch's errors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import parity
from tests import strategies as S

ORDERS = [2, 1, math.inf, -math.inf, 3, 1.5, 0.5, -1.0, -2.5]


def _away_from_zero(a: np.ndarray) -> np.ndarray:
    """|values| >= 0.1, and no two of the same magnitude (the inf-norms' ties and p < 1's kink at 0 are
    checked on fixed inputs below)."""
    flat = np.asarray(a, dtype=np.float64).reshape(-1)
    magnitudes = 0.1 + 0.9 * (np.argsort(np.argsort(np.abs(flat) + np.arange(flat.size) * 1e-9)) + 1) / (flat.size + 1)
    return (np.where(flat < 0, -1.0, 1.0) * magnitudes).reshape(np.shape(a))


@given(data=st.data())
def test_vector_norm_matches_torch(data: st.DataObject) -> None:
    shape = data.draw(S.shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
    x = _away_from_zero(data.draw(S.arrays(shape), label="x"))
    ord = data.draw(st.sampled_from(ORDERS), label="ord")
    dims = data.draw(
        st.none()
        | st.lists(
            st.integers(-len(shape), len(shape) - 1),
            min_size=1,
            max_size=len(shape),
            unique_by=lambda d: d % len(shape),
        ),
        label="dims",
    )
    keepdim = data.draw(st.booleans(), label="keepdim")
    parity.check_both(lambda lib, t: lib.linalg.vector_norm(t, ord, dims, keepdim), x)


@given(data=st.data())
def test_torch_norm_and_the_method_match_torch(data: st.DataObject) -> None:
    shape = data.draw(S.shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
    x = _away_from_zero(data.draw(S.arrays(shape), label="x"))
    p = data.draw(st.sampled_from(["fro", 2, 1, math.inf, 3]), label="p")
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    parity.check_both(lambda lib, t: lib.norm(t, p, dim, keepdim) + t.norm(p=p, dim=dim, keepdim=keepdim), x)


@pytest.mark.parametrize("ord", ["fro", 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim", [(-2, -1), (-1, -2), (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_matrix_norm_matches_torch(ord: Any, dim: tuple, keepdim: bool) -> None:
    x = _away_from_zero(np.random.default_rng(7).uniform(-1, 1, (2, 3, 4)))
    parity.check_both(lambda lib, t: lib.linalg.matrix_norm(t, ord, dim, keepdim), x)


@pytest.mark.parametrize(
    "expr",
    [
        "lib.linalg.norm(t)",
        "lib.linalg.norm(t, dim=1)",
        "lib.linalg.norm(t, ord=1)",
        "lib.linalg.norm(t, ord='fro', keepdim=True)",
        "lib.linalg.norm(t, ord=math.inf)",
        "lib.linalg.norm(t[0], ord=3)",
        "lib.linalg.norm(t, ord=-1, dim=(1, 0))",
        "lib.linalg.norm(t, ord=0.5, dim=(1,))",
    ],
)
def test_linalg_norm_picks_torch_s_norm(expr: str) -> None:
    x = _away_from_zero(np.random.default_rng(3).uniform(-1, 1, (3, 4)))
    parity.check_both(lambda lib, t: eval(expr, {"lib": lib, "t": t, "math": math}), x)


@pytest.mark.parametrize(
    "expr",
    [
        "lib.norm(t)",
        "t.norm(1, dim=0)",
        "lib.linalg.vector_norm(t, ord=math.inf, dim=1)",
        "lib.linalg.vector_norm(t, ord=-math.inf)",
        "lib.linalg.vector_norm(t, ord=0)",
        "lib.linalg.vector_norm(t, ord=0.5, dim=1)",
        "lib.linalg.vector_norm(t, ord=1.5, dim=1)",
        "lib.linalg.vector_norm(t, ord=3, dim=1)",
        "lib.linalg.matrix_norm(t, ord=1)",
        "lib.linalg.matrix_norm(t, ord=-math.inf)",
    ],
)
def test_at_zeros_and_ties_as_torch(expr: str) -> None:
    """A zero row (its norm 0: torch's 0 gradient, not NaN), zero entries (p < 1), ties of largest and smallest
    magnitude (the gradient shared evenly, with the signs), and torch's node names."""
    x = np.array([[0.0, 0.0, 0.0], [0.5, -0.5, 0.25], [2.0, 0.0, -2.0]])
    parity.check_parity(lambda lib, t: eval(expr, {"lib": lib, "t": t, "math": math}), x)
    names = []
    for lib in (minitorch, torch):
        t = lib.tensor(x, requires_grad=True)
        names.append(type(eval(expr, {"lib": lib, "t": t, "math": math}).grad_fn).__name__)
    assert names[0] == names[1]


def test_the_zero_norm_leaves_grad_none_as_torch() -> None:
    for lib in (torch, minitorch):
        t = lib.tensor([[1.0, 0.0], [2.0, -3.0]], requires_grad=True)
        out = lib.linalg.vector_norm(t, ord=0)
        out.backward()
        assert out.item() == 3.0 and t.grad is None


@pytest.mark.parametrize(
    "expr",
    [
        "lib.norm(lib.tensor([1, 2]))",
        "lib.linalg.vector_norm(lib.tensor([1, 2]))",
        "lib.linalg.vector_norm(lib.ones(2, dtype=lib.float64), dtype=lib.float32)",
        "lib.linalg.vector_norm(lib.ones(0), ord=math.inf)",
        "lib.linalg.vector_norm(lib.ones(2, 0), ord=-1, dim=1)",
        "lib.linalg.matrix_norm(lib.ones(3))",
        "lib.linalg.matrix_norm(lib.ones(3, 3), ord=3)",
        "lib.linalg.norm(lib.ones(2, 2, 2), ord=1)",
        "lib.linalg.vector_norm(lib.ones(3), dim=1)",
    ],
)
def test_bad_input_raises_as_torch(expr: str) -> None:
    parity.raises_like(lambda lib: eval(expr, {"lib": lib, "math": math}))


@given(data=st.data())
def test_norms_of_singular_values_match_torch(data: st.DataObject) -> None:
    """The nuclear, 2 and -2 norms (sum, largest, smallest singular value) over any two dims, keepdim or not, and
    torch.norm's 'nuc'; inputs with distinct singular values (where the largest and smallest are differentiable)."""
    shape = data.draw(S.shapes(min_dims=2, max_dims=3, max_side=3), label="shape")
    dims = data.draw(st.permutations(range(len(shape))), label="dims")[:2]
    x = data.draw(S.arrays(shape), label="x") * 0.1
    moved = np.moveaxis(x, dims, (-2, -1))
    k = min(moved.shape[-2:])
    moved[..., range(k), range(k)] += np.arange(1, k + 1)  # (a view: writes through into x)
    ord = data.draw(st.sampled_from(["nuc", 2, -2]), label="ord")
    keepdim = data.draw(st.booleans(), label="keepdim")

    def fn(lib: Any, t: Any) -> Any:
        out = lib.linalg.matrix_norm(t, ord=ord, dim=tuple(dims), keepdim=keepdim)
        return (out, lib.norm(t, p="nuc", dim=tuple(dims))) if ord == "nuc" else out

    parity.check_both(fn, x, gradcheck=x.size <= 18)


def test_the_tutorial_loop_runs() -> None:
    """PyTorch's autograd tutorial: ``while y.data.norm() < 1000: y = y * 2``."""
    outs = []
    for lib in (torch, minitorch):
        lib.manual_seed(0)
        x = lib.tensor([0.3, -1.2, 0.5], requires_grad=True)
        y = x * 2
        while y.data.norm() < 1000:
            y = y * 2
        y.backward(lib.tensor([0.1, 1.0, 0.0001]))
        outs.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-6)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-6)
