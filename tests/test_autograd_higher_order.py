"""Higher-order gradients: create_graph in backward() and autograd.grad, against torch.

The engine's side of it: the graph the backward records (node names, leaves' ``.grad``), retain_graph's
default, hooks, version counters on the graph of the backward, reference cycles, custom Functions
(twice differentiable, ``once_differentiable``) and ``gradgradcheck``. Every op's double backward is
checked in ``test_ops_double_backward.py``.
"""

from __future__ import annotations

import gc
import warnings
import weakref
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from minitorch.autograd import accumulate
from minitorch.autograd.function import once_differentiable
from minitorch.testing import GradcheckError, gradgradcheck
from tests.parity import assert_close, raises_like

X = np.array([[0.3, -1.2, 0.7], [1.5, 0.2, -0.4]])
Y = np.array([[0.9, 0.1, -0.6], [0.4, -0.8, 1.1]])


def leaf(lib: Any, a: np.ndarray) -> Any:
    return lib.tensor(a, dtype=lib.float64, requires_grad=True)


def names(node: Any) -> list:
    """Names of ``node`` and its next functions (None for an edge to nowhere), as their reprs show them."""
    return [type(node).__name__] + [None if n is None else type(n).__name__ for n, _ in node.next_functions]


def test_backward_create_graph_leaves_a_grad_on_the_graph_named_as_torch() -> None:
    got = {}
    for lib in (torch, minitorch):
        x = leaf(lib, X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (x**3).sum().backward(create_graph=True)
            first = names(x.grad.grad_fn)
            (x**3).sum().backward(create_graph=True)
        got[lib.__name__] = (first, names(x.grad.grad_fn), x.grad.detach().numpy())
    assert got["minitorch"][:2] == got["torch"][:2]
    assert got["torch"][0][:2] == ["CopyBackwards", None] and got["torch"][1][:2] == ["AddBackward0", "CopyBackwards"]
    assert_close(got["minitorch"][2], got["torch"][2], 1e-12, 0, "x.grad")


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: x.exp(),
        lambda lib, x: x * x,
        lambda lib, x: lib.tanh(x),
        lambda lib, x: lib.sigmoid(x),
        lambda lib, x: lib.relu(x),
        lambda lib, x: lib.softmax(x, 1),
        lambda lib, x: lib.log_softmax(x, 0),
        lambda lib, x: lib.nn.functional.max_pool2d(x.reshape(1, 1, 2, 3), 2, ceil_mode=True),
        lambda lib, x: lib.nn.functional.conv2d(x.reshape(1, 1, 2, 3), x.reshape(1, 1, 2, 3)[..., :2]),
        lambda lib, x: lib.nn.functional.avg_pool2d(x.reshape(1, 1, 2, 3), 2, 1),
    ],
    ids=["exp", "mul", "tanh", "sigmoid", "relu", "softmax", "log_softmax", "max_pool2d", "conv2d", "avg_pool2d"],
)
def test_grad_create_graph_returns_gradients_on_the_graph_named_as_torch(fn: Any) -> None:
    found = []
    for lib in (torch, minitorch):
        x = leaf(lib, X)
        out = fn(lib, x)
        v = lib.ones(*out.shape, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(out, x, v, create_graph=True)
        assert g.requires_grad and not g.is_leaf
        found.append(type(g.grad_fn).__name__)
    assert found[1] == found[0]


def test_a_gradient_that_does_not_depend_on_the_inputs_is_a_constant_as_in_torch() -> None:
    for lib in (torch, minitorch):
        x = leaf(lib, X)
        (g,) = lib.autograd.grad(x.sum(), x, create_graph=True)
        assert not g.requires_grad and g.grad_fn is None
        v = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(x, x, v, create_graph=True)  # the output gradient itself: on the graph
        assert g.requires_grad


def hessian_rows(lib: Any, fn: Any, a: np.ndarray) -> np.ndarray:
    x = leaf(lib, a)
    (g,) = lib.autograd.grad(fn(lib, x), x, create_graph=True)
    rows = []
    for i in range(g.numel()):
        (h,) = lib.autograd.grad(g.reshape(-1)[i], x, retain_graph=True)
        rows.append(h.detach().numpy().reshape(-1))
    return np.stack(rows)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: (lib.tanh(x) * x.exp()).sum(),
        lambda lib, x: (x @ x.t()).pow(2).sum() / (1 + (x * x).sum()),
        lambda lib, x: lib.log_softmax(x, 1)[:, 0].sum() + lib.sigmoid(x).prod(),
    ],
    ids=["tanh_exp", "gram", "log_softmax_prod"],
)
def test_full_hessians_match_torch(fn: Any) -> None:
    assert_close(hessian_rows(minitorch, fn, X), hessian_rows(torch, fn, X), 1e-10, 1e-12, "hessian")


def test_third_and_fourth_derivatives_of_a_scalar_function() -> None:
    got = {}
    for lib in (torch, minitorch):
        x = lib.tensor(np.array(0.7), requires_grad=True)
        y = lib.sin(x) * lib.exp(x * x)
        out = []
        for _ in range(4):
            (y,) = lib.autograd.grad(y, x, create_graph=True)
            out.append(y.item())
        got[lib.__name__] = out
    np.testing.assert_allclose(got["minitorch"], got["torch"], rtol=1e-12)


def test_retain_graph_defaults_to_create_graph() -> None:
    x = leaf(minitorch, X)
    y = (x.exp() * x).sum()
    minitorch.autograd.grad(y, x, create_graph=True)
    minitorch.autograd.grad(y, x)  # the graph was kept: a second backward works
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        minitorch.autograd.grad(y, x)


def test_backward_inputs_with_create_graph() -> None:
    got = {}
    for lib in (torch, minitorch):
        x, w = leaf(lib, X), leaf(lib, Y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (x * x * w).sum().backward(inputs=[x], create_graph=True)
        assert w.grad is None and x.grad.requires_grad
        (gg,) = lib.autograd.grad(x.grad.sum(), w)
        got[lib.__name__] = gg.detach().numpy()
    assert_close(got["minitorch"], got["torch"], 1e-12, 0, "d(x.grad)/dw")


def test_backward_create_graph_warns_once_about_the_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accumulate, "_warned_cycle", False)
    x = leaf(minitorch, X)
    with pytest.warns(UserWarning, match="reference cycle between the parameter and its gradient"):
        (x**3).sum().backward(create_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x**3).sum().backward(create_graph=True)  # once per process, as torch


def test_hooks_see_tensors_on_the_graph_and_may_replace_them() -> None:
    got = {}
    for lib in (torch, minitorch):
        x = leaf(lib, X)
        y = x * x
        seen = []
        y.register_hook(lambda g: seen.append(g.requires_grad) or g * 3)
        (g,) = lib.autograd.grad(y.sin().sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        got[lib.__name__] = (seen, gg.detach().numpy())
    assert got["minitorch"][0] == got["torch"][0] == [True, False]  # on the graph, then a plain backward
    assert_close(got["minitorch"][1], got["torch"][1], 1e-12, 1e-14, "second derivative through a hook")


def test_an_inplace_change_after_create_graph_is_caught_on_the_graph_of_the_backward() -> None:
    def fn(lib: Any) -> None:
        x = leaf(lib, X)
        y = x * 1
        (g,) = lib.autograd.grad(y.sin().sum(), x, create_graph=True)  # cos(y) saves y again
        with lib.no_grad():
            y.mul_(2)
        g.sum().backward()

    raises_like(fn, "modified by an inplace operation: [torch.DoubleTensor [2, 3]], which is output 0 of Mul, is at")


def test_an_inplace_change_to_a_saved_output_is_caught_at_second_order() -> None:
    def fn(lib: Any) -> None:
        x = leaf(lib, X)
        y = x.exp()
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)  # g = grad * y: y saved again
        with lib.no_grad():
            y.add_(1)
        g.sum().backward()

    raises_like(fn, "modified by an inplace operation")


def test_saving_outputs_makes_no_reference_cycle_at_any_order() -> None:
    gc.collect()
    gc.disable()
    try:
        x = leaf(minitorch, X)
        y = x.exp().tanh()
        node = weakref.ref(y.grad_fn)
        (g,) = minitorch.autograd.grad(y.sum(), x, create_graph=True)
        second = weakref.ref(g.grad_fn)
        (gg,) = minitorch.autograd.grad(g.sum(), x, create_graph=True)
        del y, g, gg
        assert node() is None and second() is None, "the graph outlived its tensors: a reference cycle"
    finally:
        gc.enable()


def test_detect_anomaly_names_the_node_of_the_backward_graph() -> None:
    x = minitorch.tensor(np.array([0.0, 1.0]), requires_grad=True)
    with minitorch.autograd.detect_anomaly():
        (g,) = minitorch.autograd.grad((x**1.5).sum(), x, create_graph=True)  # 1.5 x ** 0.5: finite at 0
        with pytest.raises(RuntimeError, match=r"Function 'PowBackward0' returned inf values(.|\n)*autograd.grad"):
            g.sum().backward()  # 0.75 x ** -0.5: infinite at 0


# ------------------------------------------------------------------ custom Functions
def cube(lib: Any, twice: bool = True) -> Any:
    """x ** 3 as a custom Function whose backward uses tensor ops (``twice``), or detaches (a wrong second order)."""

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            return grad * 3 * (x * x if twice else (x * x).detach())

    return Cube


def test_a_custom_function_with_a_tensor_backward_is_twice_differentiable_like_torch() -> None:
    got = {}
    for lib in (torch, minitorch):
        x = leaf(lib, X)
        (g,) = lib.autograd.grad(cube(lib).apply(x.sin()).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        got[lib.__name__] = gg.detach().numpy()
    assert_close(got["minitorch"], got["torch"], 1e-12, 1e-14, "second derivative of a custom Function")
    x = leaf(minitorch, X)
    assert gradgradcheck(lambda t: cube(minitorch).apply(t), (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda t: cube(minitorch, twice=False).apply(t), (x,))


def test_a_custom_function_saving_its_output_is_twice_differentiable() -> None:
    def make(lib: Any) -> Any:
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                out = x.exp()
                ctx.save_for_backward(out)
                return out

            @staticmethod
            def backward(ctx: Any, grad: Any) -> Any:
                (out,) = ctx.saved_tensors
                return grad * out

        return Exp

    got = {}
    for lib in (torch, minitorch):
        x = leaf(lib, X)
        (g,) = lib.autograd.grad(make(lib).apply(x).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        got[lib.__name__] = gg.detach().numpy()
    assert_close(got["minitorch"], got["torch"], 1e-12, 1e-14, "second derivative through a saved output")


def test_once_differentiable_raises_when_differentiated_twice_like_torch() -> None:
    def make(lib: Any) -> Any:
        decorate = lib.autograd.function.once_differentiable

        class Square(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @decorate
            def backward(ctx: Any, grad: Any) -> Any:
                (x,) = ctx.saved_tensors
                return 2 * grad * x

        return Square

    def fn(lib: Any) -> None:
        x = leaf(lib, X)
        v = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(make(lib).apply(x), x, v, create_graph=True)
        assert type(g.grad_fn).__name__ == "Error"
        g.sum().backward()

    raises_like(fn, "trying to differentiate twice a function that was marked with @once_differentiable", exact=True)
    x = leaf(minitorch, X)
    (g,) = minitorch.autograd.grad(make(minitorch).apply(x).sum(), x)  # first order: as before
    assert_close(g.numpy(), 2 * X, 0, 0, "first-order gradient")
    assert once_differentiable is minitorch.autograd.function.once_differentiable


# ------------------------------------------------------------------ the op contract under create_graph
def test_an_intermediate_saved_by_an_op_reads_as_none_under_create_graph() -> None:
    from minitorch.ops.base import Op

    seen = []

    class Doubled(Op):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            twice = x * 2
            mask = x > 0
            ctx.save_for_backward(x, twice, mask)
            return twice + 0  # a new array: ``twice`` is an intermediate, not the output

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            seen.append(ctx.saved_tensors)
            return grad * 2

    x = leaf(minitorch, X)
    minitorch.autograd.grad(Doubled.apply(x).sum(), x, retain_graph=True)
    minitorch.autograd.grad(Doubled.apply(x).sum(), x, create_graph=True)
    (raw_x, raw_twice, raw_mask), (t_x, t_twice, t_mask) = seen
    assert isinstance(raw_twice, np.ndarray) and t_twice is None  # recompute it from the inputs
    assert t_x is x  # the leaf itself
    assert isinstance(t_mask, np.ndarray) and t_mask.dtype == bool  # masks and indices stay as they are


# ------------------------------------------------------------------ gradgradcheck
def test_gradgradcheck_passes_for_smooth_ops_and_with_given_or_strided_output_gradients() -> None:
    x = leaf(minitorch, X)
    y = leaf(minitorch, Y)
    assert gradgradcheck(lambda a, b: (a * b.exp()).tanh(), (x, y))
    assert gradgradcheck(lambda a: (a.sin(), a * a), (x,), gen_non_contig_grad_outputs=True)
    v = minitorch.tensor(Y, dtype=minitorch.float64, requires_grad=True)
    assert gradgradcheck(lambda a: a.exp(), (x,), (v,))
    assert minitorch.autograd.gradgradcheck is gradgradcheck


def test_gradgradcheck_reports_a_wrong_second_derivative() -> None:
    x = leaf(minitorch, X)
    assert not gradgradcheck(lambda t: cube(minitorch, twice=False).apply(t), (x,), raise_exception=False)
