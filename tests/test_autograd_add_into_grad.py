"""An op's backward adding a leaf's gradient straight into its ``.grad`` (``Context.grad_into``), against torch.

The engine offers a leaf's ``.grad`` to an op whose forward said it can add (``ctx.adds_into_grad``), and
only where nothing can tell the difference from accumulating afterwards: the leaf fed by this node
alone, no hook on the way, no anomaly check, no ``autograd.grad``, no ``create_graph``. The matrix
product (``MmThreads``) takes the offer where its GEMM can add. Each case here runs minitorch and torch
side by side and checks what a user can observe: the values, the identity and version of ``.grad``, and
which hooks see what.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from minitorch.backend import blas, jit
from minitorch.ops import linalg_numba

LIBS = pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])
RNG = np.random.default_rng(0)
X = RNG.standard_normal((64, 300)).astype(np.float64)  # 64x300 @ 300x100: cut into blocks (2M multiply-adds)
W = RNG.standard_normal((300, 100)).astype(np.float64)


@pytest.fixture
def added(monkeypatch: pytest.MonkeyPatch) -> list:
    """The targets ``add_product`` added into (shapes), once per successful offer."""
    found: list = []
    real = linalg_numba.add_product

    def spy(a: Any, b: Any, into: Any) -> bool:
        done = real(a, b, into)
        if done:
            found.append(into.shape)
        return done

    monkeypatch.setattr(linalg_numba, "add_product", spy)
    return found


NEEDS_GEMM = pytest.mark.skipif(not jit.enabled() or blas.routines() is None, reason="needs numba and the GEMM")


def _loss(lib: Any, x: Any, w: Any) -> Any:
    return (lib.mm(x, w) ** 2).sum()


@NEEDS_GEMM
def test_the_weight_gradient_of_a_product_is_added_into_grad_in_place(added: list) -> None:
    """Same values and version as torch's in-place accumulation; a reference held to .grad sees the sum."""
    results = {}
    for lib in (torch, minitorch):
        x, w = lib.tensor(X), lib.tensor(W, requires_grad=True)
        _loss(lib, x, w).backward()
        held = w.grad
        versions = [held._version]
        for _ in range(2):
            _loss(lib, x, w).backward()
            versions.append(w.grad._version)
        assert w.grad is held
        results[lib] = (held.numpy().copy(), versions)
    np.testing.assert_allclose(results[minitorch][0], results[torch][0], rtol=1e-12, atol=1e-9)
    assert results[minitorch][1] == results[torch][1] == [0, 1, 2]
    assert added == [W.shape, W.shape]  # the second and third backward passes added in the GEMM


@NEEDS_GEMM
def test_a_zeroed_grad_receives_the_same_bits_as_a_fresh_one(added: list) -> None:
    x, w = minitorch.tensor(X.astype(np.float32)), minitorch.tensor(W.astype(np.float32), requires_grad=True)
    _loss(minitorch, x, w).backward()
    fresh = w.grad.clone()
    w.grad.zero_()
    _loss(minitorch, x, w).backward()
    assert added == [W.shape]
    np.testing.assert_array_equal(w.grad.numpy(), fresh.numpy())


@NEEDS_GEMM
@LIBS
def test_post_accumulate_hooks_see_the_sum(lib: Any, added: list) -> None:
    x, w = lib.tensor(X), lib.tensor(W, requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append((t is w, float(t.grad.sum()))))
    _loss(lib, x, w).backward()
    _loss(lib, x, w).backward()
    one = float((2 * X.T @ (X @ W)).sum())
    assert [s[0] for s in seen] == [True, True]
    np.testing.assert_allclose([s[1] for s in seen], [one, 2 * one], rtol=1e-10)
    assert added == ([W.shape] if lib is minitorch else [])


@NEEDS_GEMM
@LIBS
def test_a_tensor_hook_on_the_leaf_sees_the_gradient_first(lib: Any, added: list) -> None:
    """A hook may change the gradient before it is accumulated: no offer then."""
    x, w = lib.tensor(X), lib.tensor(W, requires_grad=True)
    sums = []
    w.register_hook(lambda g: sums.append(float(g.sum())) or g * 2)
    _loss(lib, x, w).backward()
    _loss(lib, x, w).backward()
    one = float((2 * X.T @ (X @ W)).sum())
    np.testing.assert_allclose(sums, [one, one], rtol=1e-10)
    np.testing.assert_allclose(float(w.grad.sum()), 4 * one, rtol=1e-10)
    assert added == []


@NEEDS_GEMM
@LIBS
def test_a_hook_on_the_product_s_node_sees_real_gradients(lib: Any, added: list) -> None:
    x, w = lib.tensor(X), lib.tensor(W, requires_grad=True)
    _loss(lib, x, w).backward()
    out = lib.mm(x, w)
    shapes = []
    out.grad_fn.register_hook(lambda inputs, _: shapes.append([None if g is None else tuple(g.shape) for g in inputs]))
    (out**2).sum().backward()
    assert shapes == [[None, W.shape]]
    assert added == []


@NEEDS_GEMM
@LIBS
def test_a_leaf_fed_by_two_nodes_sums_both(lib: Any, added: list) -> None:
    x, w = lib.tensor(X), lib.tensor(W, requires_grad=True)
    w.grad = lib.ones(W.shape, dtype=lib.float64)
    (lib.mm(x, w).sum() + (lib.mm(x * 2, w) ** 2).sum()).backward()
    expected = 1 + X.sum(0)[:, None] + 8 * X.T @ (X @ W)
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12, atol=1e-9)
    assert added == []  # each node feeds the leaf a part: the engine sums them before .grad


@NEEDS_GEMM
def test_no_offer_where_gradients_are_inspected_or_recorded(added: list) -> None:
    x, w = minitorch.tensor(X), minitorch.tensor(W, requires_grad=True)
    w.grad = minitorch.zeros(W.shape, dtype=minitorch.float64)
    with minitorch.autograd.detect_anomaly():
        _loss(minitorch, x, w).backward()
    (g,) = minitorch.autograd.grad(_loss(minitorch, x, w), [w])
    with pytest.warns(UserWarning, match="reference cycle"):
        _loss(minitorch, x, w).backward(create_graph=True)
    assert added == []
    one = 2 * X.T @ (X @ W)
    np.testing.assert_allclose(g.numpy(), one, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(w.grad.detach().numpy(), 2 * one, rtol=1e-12, atol=1e-9)


@NEEDS_GEMM
def test_a_small_product_is_not_offered_the_grad(added: list) -> None:
    """Below the blocked products' size the offer would cost more than the addition it saves."""
    x, w = minitorch.tensor(X[:4, :10]), minitorch.tensor(W[:10, :5], requires_grad=True)
    out = minitorch.mm(x, w)
    assert not out.grad_fn._ctx.adds_into_grad
    out.sum().backward()
    minitorch.mm(x, w).sum().backward()
    assert added == []
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.repeat(X[:4, :10].sum(0)[:, None], 5, axis=1), rtol=1e-12)


@NEEDS_GEMM
def test_a_grad_laid_out_otherwise_is_added_to_as_before(added: list) -> None:
    """A .grad the GEMM cannot write (transposed, read-only) gets the product added by the engine instead."""
    x, w = minitorch.tensor(X), minitorch.tensor(W, requires_grad=True)
    w.grad = minitorch.zeros(W.shape[::-1], dtype=minitorch.float64).t()
    _loss(minitorch, x, w).backward()
    assert added == []
    np.testing.assert_allclose(w.grad.numpy(), 2 * X.T @ (X @ W), rtol=1e-12, atol=1e-9)
