"""tensor_split and hsplit/vsplit/dsplit, dstack, column_stack, cartesian_prod, rot90, diagflat, block_diag, vdot,
addr, matrix_power, trapezoid, cumulative_trapezoid, logspace and tril/triu_indices against torch: values and
gradients (float64 and float32, plus finite differences), node names where torch records one op, and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch
from tests import parity

RNG = np.random.default_rng(5)
A, B = RNG.uniform(-1, 1, (4, 6)), RNG.uniform(-1, 1, (4, 6, 3))
V, W = RNG.uniform(-1, 1, 4), RNG.uniform(-1, 1, 3)
M = RNG.uniform(-0.6, 0.6, (2, 3, 3))


def _all(out):
    """One tensor from a function's result (a tuple of pieces weighted apart), for the parity checks."""
    if isinstance(out, tuple):
        return sum(((i + 1) * p.sum() for i, p in enumerate(out)), out[0].sum() * 0)
    return out


@pytest.mark.parametrize(
    "expr",
    [
        "lib.tensor_split(a, 4, dim=1)",
        "a.tensor_split([1, 5, 3, 9])",
        "lib.tensor_split(a, [-2], dim=-1)",
        "lib.tensor_split(a, lib.tensor(3), 1)",
        "lib.tensor_split(a, lib.tensor([2, 3]), 1)",
        "lib.hsplit(a, 3)",
        "a.hsplit([1, 4])",
        "lib.vsplit(a, 2)",
        "b.dsplit(3)",
        "lib.hsplit(a[0], 2)",
        "lib.dstack([a, a * 2])",
        "lib.dstack([a[0], a[1]])",
        "lib.dstack([a[0, 0], a[1, 0]])",
        "lib.column_stack([a[0], a[1, :6], a.t()[:, :2]])",
        "lib.column_stack([a[0, 0], a[1, 0]])",
        "lib.cartesian_prod(a[0, :3], a[1, :2], a[2, :2])",
        "lib.cartesian_prod(a[0])",
        "lib.combinations(a[0])",
        "lib.combinations(a[1, :5], 3)",
        "lib.combinations(a[2, :4], 2, with_replacement=True)",
        "lib.combinations(a[0, :3], 1)",
        "lib.combinations(a[0, :2], 3)",
        "lib.rot90(a)",
        "a.rot90(2)",
        "lib.rot90(b, -1, [2, 0])",
        "lib.rot90(b, 7, (1, 2))",
        "lib.diagflat(a[:2, :2])",
        "a[0].diagflat(-2)",
        "lib.block_diag(a[:2, :3], a[2], a[3, 0], a[:1, :1])",
        "lib.block_diag(a)",
        "lib.vdot(a[0], a[1])",
        "a[0, :4].vdot(v)",
        "lib.addr(a[:, :3], v, w)",
        "lib.addr(a[0, :3], v, w, beta=0.5, alpha=-2)",
        "a[:, :3].addr(v, w, beta=0)",
        "lib.matrix_power(m, 0) + m",
        "lib.matrix_power(m[0], 1)",
        "lib.matrix_power(m, 2)",
        "m.matrix_power(3)",
        "lib.matrix_power(m[1], 6)",
        "lib.matrix_power(m, 7)",
        "lib.trapezoid(a)",
        "lib.trapezoid(b, dx=0.25, dim=1)",
        "lib.trapezoid(a, a[0].abs().cumsum(0))",
        "lib.trapezoid(a, a.abs().cumsum(0), dim=0)",
        "lib.cumulative_trapezoid(a)",
        "lib.cumulative_trapezoid(b, dx=2.0, dim=0)",
        "lib.cumulative_trapezoid(a, a[0].abs().cumsum(0))",
    ],
)
def test_matches_torch(expr):
    env = lambda lib, a, b, v, w, m: {"lib": lib, "a": a, "b": b, "v": v, "w": w, "m": m}  # noqa: E731
    parity.check_both(lambda lib, *xs: _all(eval(expr, env(lib, *xs))), A, B, V, W, M)


@pytest.mark.parametrize(
    "expr,node",
    [
        ("lib.tensor_split(a, 2, 1)[1]", "SliceBackward0"),
        ("lib.hsplit(a, 2)[0]", "SliceBackward0"),
        ("lib.dstack([a, a])", "CatBackward0"),
        ("lib.column_stack([a[0], a[1]])", "CatBackward0"),
        ("lib.cartesian_prod(a[0], a[1])", "StackBackward0"),
        ("lib.combinations(a[0], 2)", "StackBackward0"),
        ("lib.rot90(a)", "Rot90Backward0"),
        ("lib.diagflat(a)", "DiagEmbedBackward0"),
        ("lib.block_diag(a, a)", "BlockDiagBackward0"),
        ("lib.vdot(a[0], a[1])", "VdotBackward0"),
        ("lib.addr(a[:, :3], a[:, 0], a[0, :3])", "AddrBackward0"),
        ("lib.matrix_power(a[:, :4], 2)", "MmBackward0"),
        ("lib.trapezoid(a)", "MulBackward1"),
        ("lib.trapezoid(a, a[0])", "DivBackward1"),
        ("lib.cumulative_trapezoid(a)", "CumsumBackward0"),
    ],
)
def test_records_torch_s_node(expr, node):
    for lib in (torch, minitorch):
        out = eval(expr, {"lib": lib, "a": lib.tensor(A, requires_grad=True)})
        assert type(out.grad_fn).__name__ == node, (lib.__name__, out.grad_fn)


@pytest.mark.parametrize(
    "expr",
    [
        "lib.hsplit(lib.ones(3, 5), 2)",
        "lib.vsplit(lib.ones(5), 2)",
        "lib.vsplit(lib.ones(3, 5), 2)",
        "lib.dsplit(lib.ones(3, 5), 2)",
        "lib.hsplit(lib.tensor(1.0), 2)",
        "lib.tensor_split(lib.ones(3, 5), 0)",
        "lib.tensor_split(lib.tensor(1.0), 2)",
        "lib.tensor_split(lib.ones(3, 5), lib.tensor([[1]]))",
        "lib.tensor_split(lib.ones(3, 5), lib.tensor([1.0]))",
        "lib.rot90(lib.ones(3, 5), 1, [0])",
        "lib.rot90(lib.ones(3, 5), 1, [1, 1])",
        "lib.rot90(lib.ones(3, 5), 1, [0, 3])",
        "lib.rot90(lib.ones(5))",
        "lib.dstack([])",
        "lib.block_diag(lib.ones(2, 2, 2))",
        "lib.vdot(lib.ones(5), lib.ones(2))",
        "lib.vdot(lib.ones(2, 2), lib.ones(2, 2))",
        "lib.vdot(lib.ones(2), lib.ones(2, dtype=lib.float64))",
        "lib.addr(lib.ones(3, 2), lib.ones(3, 2), lib.ones(2))",
        "lib.addr(lib.ones(4, 2), lib.ones(3), lib.ones(2))",
        "lib.matrix_power(lib.ones(3, 5), 2)",
        "lib.cartesian_prod(lib.ones(3, 5))",
        "lib.combinations(lib.ones(2, 2))",
        "lib.combinations(lib.ones(3), -1)",
        "lib.trapezoid(lib.ones(3), lib.ones(2))",
        "lib.tril_indices(-1, 2)",
        "lib.triu_indices(2, -1)",
        "lib.tril_indices(2, 2, dtype=lib.float32)",
        "lib.logspace(0, 1, -1)",
    ],
)
def test_refuses_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib}))


@pytest.mark.parametrize(
    "expr",
    [
        "lib.logspace(0, 3, 4)",
        "lib.logspace(-1, 2, 7, base=2, dtype=lib.float64)",
        "lib.logspace(0, 2, 3, dtype=lib.int64)",
        "lib.logspace(1, 0, 1)",
        "lib.tril_indices(3, 4, 1)",
        "lib.tril_indices(4, 3, -1, dtype=lib.int32)",
        "lib.triu_indices(3, 3)",
        "lib.triu_indices(2, 5, 2)",
        "lib.tril_indices(0, 0)",
        "lib.block_diag()",
        "lib.block_diag(lib.tensor(1), lib.ones(2, 3))",
    ],
)
def test_creations_match_torch(expr):
    want, got = (eval(expr, {"lib": lib}) for lib in (torch, minitorch))
    assert str(got.dtype) == str(want.dtype) and tuple(got.shape) == tuple(want.shape), expr
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_matrix_power_zero_is_the_identity_with_a_zero_gradient():
    for lib in (torch, minitorch):
        m = lib.tensor(M, requires_grad=True)
        out = lib.matrix_power(m, 0)
        out.sum().backward()
        assert out.requires_grad and np.array_equal(m.grad.numpy(), np.zeros_like(M))
        np.testing.assert_array_equal(out.detach().numpy(), np.broadcast_to(np.eye(3), M.shape))


def test_pieces_are_views_of_the_input():
    x = minitorch.arange(12.0).reshape(3, 4)
    for piece in minitorch.tensor_split(x, [1, 3], dim=1):
        piece.mul_(10)
    np.testing.assert_array_equal(x.numpy(), np.arange(12.0).reshape(3, 4) * 10)


@pytest.mark.parametrize(
    "expr",
    [
        "a.unfold(1, 2, 1)",
        "a.unfold(1, 3, 2)",
        "a.unfold(0, 4, 1) * 2",
        "b.unfold(-1, 2, 1).unfold(1, 3, 3)",
        "b.transpose(0, 2).unfold(1, 2, 2)",
        "a.unfold(1, 6, 5)",
        "a.unfold(1, 0, 2)",
        "a[0, 0].unfold(0, 1, 1)",
    ],
)
def test_unfold_matches_torch(expr):
    parity.check_both(lambda lib, a, b: eval(expr, {"lib": lib, "a": a, "b": b}), A, B)


def test_unfold_is_a_view_recorded_as_torch_s():
    for lib in (torch, minitorch):
        x = lib.tensor(A, requires_grad=True)
        u = x.unfold(1, 2, 2)
        assert type(u.grad_fn).__name__ == "UnfoldBackward0" and u._base is x
        (g,) = lib.autograd.grad((u * u).sum(), x, create_graph=True)
        assert type(g.grad_fn).__name__ in ("UnfoldBackwardBackward0", "MulBackward0")
    base = minitorch.arange(12.0).reshape(3, 4)
    base.unfold(1, 2, 2).mul_(10)  # windows that do not overlap write through to the base, as torch's
    np.testing.assert_array_equal(base.numpy(), np.arange(12.0).reshape(3, 4) * 10)


@pytest.mark.parametrize(
    "expr",
    [
        "x.unfold(1, 5, 1)",
        "x.unfold(1, 2, 0)",
        "x.unfold(2, 2, 1)",
        "x.unfold(1, -1, 1)",
        "lib.tensor(1.0).unfold(0, 2, 1)",
    ],
)
def test_unfold_refuses_as_torch(expr):
    parity.raises_like(lambda lib: eval(expr, {"lib": lib, "x": lib.ones(3, 4)}))
