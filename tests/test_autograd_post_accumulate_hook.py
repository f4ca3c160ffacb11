"""Tensor.register_post_accumulate_grad_hook against torch: when it runs, what it sees, its errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minitorch

LIBS = pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])


@LIBS
def test_runs_once_per_backward_after_accumulation(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append((t is w, t.grad.clone().tolist())))
    (w * w).sum().backward()  # w used twice: one accumulation, one call
    (w * 3).sum().backward()  # accumulates onto the existing .grad
    assert seen == [(True, [2.0, 4.0]), (True, [5.0, 7.0])]


@LIBS
def test_runs_after_tensor_hooks_and_in_registration_order(lib):
    w = lib.tensor([1.0], requires_grad=True)
    order = []
    w.register_post_accumulate_grad_hook(lambda t: order.append(("post1", t.grad.item())))
    w.register_hook(lambda g: order.append(("tensor", g.item())) or g * 2)
    w.register_post_accumulate_grad_hook(lambda t: order.append(("post2", t.grad.item())))
    (w * 5).sum().backward()
    assert order == [("tensor", 5.0), ("post1", 10.0), ("post2", 10.0)]


@LIBS
def test_remove_and_backward_with_inputs(lib):
    a = lib.tensor([1.0], requires_grad=True)
    b = lib.tensor([2.0], requires_grad=True)
    calls = []
    handle = a.register_post_accumulate_grad_hook(lambda t: calls.append("a"))
    b.register_post_accumulate_grad_hook(lambda t: calls.append("b"))
    (a * b).sum().backward(inputs=[a])
    assert calls == ["a"]
    handle.remove()
    (a * b).sum().backward()
    assert calls == ["a", "b"]


@LIBS
def test_not_run_by_autograd_grad(lib):
    a = lib.tensor([1.0], requires_grad=True)
    calls = []
    a.register_post_accumulate_grad_hook(lambda t: calls.append(t))
    (g,) = lib.autograd.grad((a * 4).sum(), [a])
    assert calls == [] and g.item() == 4.0 and a.grad is None


@LIBS
def test_errors(lib):
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        lib.ones(2).register_post_accumulate_grad_hook(lambda t: None)
    x = lib.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf tensors"):
        x.register_post_accumulate_grad_hook(lambda t: None)


def test_hook_may_read_and_change_the_gradient():
    w = minitorch.tensor([1.0, 2.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: t.grad.mul_(0.5))
    (w * 4).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0])
