"""The autograd engine against torch: graph recording, backward, grad, grad modes, hooks, Functions, errors."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from minitorch.autograd.gradcheck import GradcheckError

LIBS = pytest.mark.parametrize("lib", [torch, minitorch], ids=["torch", "minitorch"])

# ---------------------------------------------------------------- requires_grad


@LIBS
def test_requires_grad_propagates(lib):
    x = lib.ones(2, 3, requires_grad=True)
    w = lib.ones(2, 3)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    assert not w.requires_grad
    y = x * w
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    z = w * 2
    assert not z.requires_grad and z.grad_fn is None and z.is_leaf


def test_requires_grad_results_match_torch():
    for lib in (torch, minitorch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0])
        flags = [
            (a + b).requires_grad,
            (b + b).requires_grad,
            (a > b).requires_grad,
            a.argmax().requires_grad,
            a.detach().requires_grad,
            (a * 1).is_leaf,
        ]
        if lib is torch:
            want = flags
        else:
            assert flags == want


@LIBS
def test_leaf_grad_accumulates_across_backward_calls(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0, 12.0])
    x.grad.zero_()
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0, 3.0])


@LIBS
def test_non_leaf_grad_is_none_after_backward(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning) if lib is torch else _nothing():
        y.sum().backward()
        assert y.grad is None


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@LIBS
def test_backward_with_gradient_argument(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(gradient=lib.tensor([1.0, 0.1, 0.01]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.4, 0.06], rtol=1e-6)


@LIBS
def test_retain_graph_allows_second_backward(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first.numpy(), rtol=1e-6)


@LIBS
def test_shared_subexpression_gets_summed_gradient(lib):
    x = lib.tensor([0.5, -1.5], requires_grad=True)
    h = x.sin()
    y = (h * h + h * 3 + x).sum()
    y.backward()
    want = (2 * np.sin([0.5, -1.5]) + 3) * np.cos([0.5, -1.5]) + 1
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-5)


def test_broadcast_gradients_reduce_to_input_shape():
    grads = {}
    for lib in (torch, minitorch):
        a = lib.tensor([[1.0], [2.0]], requires_grad=True)
        b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        c = lib.tensor(2.0, requires_grad=True)
        ((a * b + c) ** 2).sum().backward()
        grads[lib] = [t.grad.numpy() for t in (a, b, c)]
    for g, w in zip(grads[minitorch], grads[torch]):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-6)


# ---------------------------------------------------------------- grad_fn names

GRAD_FN_EXPRESSIONS = [
    "a + b",
    "a + 1",
    "1 + a",
    "a - b",
    "a - 1",
    "1 - a",
    "a * b",
    "a * 2",
    "a / b",
    "a / 2",
    "a ** 2",
    "a ** b",
    "2 ** a",
    "-a",
    "a.sum()",
    "a.sum(0)",
    "a.sum(dim=1, keepdim=True)",
    "a.mean()",
    "a.mean(1)",
    "a.exp()",
    "a.log()",
    "a.sin()",
    "a.cos()",
    "a.tanh()",
    "a.sigmoid()",
    "a.relu()",
    "a.abs()",
    "a.sqrt()",
    "a.square()",
    "a.pow(3)",
    "lib.pow(a, b)",
    "a @ b.T",
    "a.mm(b.T)",
    "a @ v",
    "v @ v",
    "lib.dot(v, v)",
    "lib.mv(a, v)",
    "a3.bmm(a3.transpose(1, 2))",
    "a3 @ a3.transpose(1, 2)",
    "a.view(6)",
    "a.reshape(3, 2)",
    "a.flatten()",
    "a.view_as(b)",
    "a.t()",
    "a.T",
    "a.transpose(0, 1)",
    "a.permute(1, 0)",
    "a[0]",
    "a[:, 1:]",
    "a[0, 1]",
    "a[[0, 1]]",
    "a[a > 0]",
    "a.unsqueeze(0)",
    "a.unsqueeze(0).squeeze(0)",
    "a.unsqueeze(0).squeeze()",
    "lib.cat([a, b])",
    "lib.stack([a, b])",
    "lib.hstack([a, b])",
    "a.amax(0)",
    "a.max()",
    "a.min()",
    "a.max(0)[0]",
    "a.min(dim=1).values",
    "a.clamp(-0.5, 0.5)",
    "a.clone()",
    "a.contiguous()",
    "a.T.contiguous()",
    "a.expand(4, 2, 3)",
    "lib.where(a > 0, a, b)",
    "a.maximum(b)",
    "a.minimum(b)",
    "a.var()",
    "a.std()",
    "a.var(0)",
    "a.prod()",
    "a.double()",
    "a.to(lib.float64)",
    "a.split(1)[0]",
    "a.chunk(3, 1)[1]",
    "a.narrow(1, 0, 2)",
    "a.flip(0)",
    "a.gather(1, lib.tensor([[0], [1]]))",
    "a.add(b, alpha=2)",
    "a.sub(b, alpha=2)",
    "a.exp().mean()",
    "(a * b).sum()",
    "a.log().sum(1)",
    "2 / a",
    "a.reciprocal()",
    "a.prod(1)",
    "a.prod(0, keepdim=True)",
    "a.masked_fill(a > 0.5, 0.0)",
    "a.index_select(1, lib.tensor([2, 0]))",
    "a.repeat(2, 1)",
    "a.repeat(3, 1, 2)",
    "a.t().reshape(6)",
    "a.t().flatten()",
    "a.unbind(1)[2]",
]


def _grad_fn_name(lib, expr):
    rng = np.random.default_rng(0)
    env = {"lib": lib}
    for name, shape in (("a", (2, 3)), ("b", (2, 3)), ("v", (3,)), ("a3", (4, 2, 3))):
        env[name] = lib.tensor(rng.uniform(0.1, 1.0, shape), dtype=lib.float32, requires_grad=True)
    out = eval(expr, env)
    return type(out.grad_fn).__name__


@pytest.mark.parametrize("expr", GRAD_FN_EXPRESSIONS)
def test_grad_fn_name_matches_torch(expr):
    assert _grad_fn_name(minitorch, expr) == _grad_fn_name(torch, expr)


@pytest.mark.parametrize(
    "expr",
    [
        "a.t().reshape(6)",
        "a.prod()",
        "a.prod(1)",
        "a.masked_fill(a > 0.5, 0.0)",
        "a.repeat(2, 1)",
        "a.index_select(0, lib.tensor([1, 1]))",
        "2 / a",
    ],
)
def test_graph_edges_match_torch(expr):
    """Where the node leads: straight to the leaf, as torch's graph does (no view or where node in between)."""

    def edges(lib):
        rng = np.random.default_rng(0)
        a = lib.tensor(rng.uniform(0.1, 1.0, (2, 3)), requires_grad=True)
        out = eval(expr, {"lib": lib, "a": a})
        return [type(n).__name__ for n, _ in out.grad_fn.next_functions if n is not None]

    assert edges(minitorch) == edges(torch)


def test_grad_fn_repr_and_name():
    x = minitorch.tensor([1.0], requires_grad=True)
    fn = (x * 2).grad_fn
    assert fn.name() == "MulBackward0"
    assert repr(fn).startswith("<MulBackward0 object at 0x")


def _structure(fn):
    """next_functions as nested (name, output_nr) pairs, leaves as AccumulateGrad."""
    if fn is None:
        return None
    return (type(fn).__name__, tuple((_structure(f), n) for f, n in fn.next_functions))


def test_next_functions_structure_matches_torch():
    def build(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        c = lib.tensor([5.0, 6.0])
        return (x * w + c).sum() * x.exp().mean(), x, w

    got, x, w = build(minitorch)
    want, _, _ = build(torch)
    assert _structure(got.grad_fn) == _structure(want.grad_fn)
    # AddBackward0's second input (c) does not require grad: None in the edge list.
    add = got.grad_fn.next_functions[0][0].next_functions[0][0]
    assert type(add).__name__ == "AddBackward0"
    assert add.next_functions[1][0] is None
    mul = add.next_functions[0][0]
    assert mul.next_functions[0][0].variable is x
    assert mul.next_functions[1][0].variable is w


@pytest.mark.parametrize(
    "expr",
    [
        "a * 2",
        "2 * a",
        "a + 2",
        "2 + a",
        "a - 2",
        "2 - a",
        "a / 2",
        "2 / a",
        "a ** 2",
        "2 ** a",
        "a.add(2, alpha=3)",
        "(a * 1).mul_(2).add_(1).sub_(3).div_(2)",
        "a * 1.5 + a",
    ],
)
def test_python_numbers_get_the_edges_torch_gives_them(expr: str) -> None:
    """torch wraps a number in a tensor for add/sub/mul/div (a (None, 0) edge), but not for rsub or pow."""

    def name(fn: Any) -> Any:
        return None if fn is None else type(fn).__name__.replace("torch::autograd::", "")

    def shape(fn: Any) -> Any:
        if fn is None or name(fn) == "AccumulateGrad":
            return name(fn)
        return (fn.name(), tuple((shape(f), n) for f, n in fn.next_functions))

    graphs = []
    for lib in (minitorch, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        graphs.append(shape(eval(expr, {"a": a}).grad_fn))
    assert graphs[0] == graphs[1]


def test_leaf_accumulator_is_shared_between_uses():
    x = minitorch.tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 2, x + 1
    assert a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0]


# ---------------------------------------------------------------- autograd.grad


@LIBS
def test_autograd_grad_returns_without_touching_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (gx,) = lib.autograd.grad((x**3).sum(), x)
    np.testing.assert_allclose(gx.numpy(), [3.0, 12.0])
    assert x.grad is None


@LIBS
def test_autograd_grad_outputs_and_multiple_inputs(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, -1.0], requires_grad=True)
    y = x * w
    gx, gw = lib.autograd.grad(y, [x, w], grad_outputs=lib.tensor([1.0, 10.0]))
    np.testing.assert_allclose(gx.numpy(), [3.0, -10.0])
    np.testing.assert_allclose(gw.numpy(), [1.0, 20.0])


@LIBS
def test_autograd_grad_non_leaf_input(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (gh,) = lib.autograd.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])


@LIBS
def test_autograd_grad_allow_unused(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    z = lib.tensor([1.0, 2.0], requires_grad=True)
    gx, gz = lib.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, 2.0])
    assert gz is None
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        lib.autograd.grad((x * 2).sum(), [x, z])


@LIBS
def test_autograd_grad_retain_graph(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp()).sum()
    lib.autograd.grad(y, x, retain_graph=True)
    (g,) = lib.autograd.grad(y, x)
    np.testing.assert_allclose(g.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        lib.autograd.grad(y, x)


# ---------------------------------------------------------------- grad modes


@LIBS
def test_no_grad_and_enable_grad_context_managers(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.no_grad():
        assert not lib.is_grad_enabled()
        y = x * 2
        with lib.enable_grad():
            assert lib.is_grad_enabled()
            z = x * 2
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


@LIBS
def test_grad_mode_restored_after_exception(lib):
    with pytest.raises(ValueError):
        with lib.no_grad():
            raise ValueError
    assert lib.is_grad_enabled()


@LIBS
def test_grad_modes_as_decorators(lib):
    x = lib.ones(2, requires_grad=True)

    @lib.no_grad()
    def off():
        return x * 2

    @lib.no_grad
    def off_bare():
        return x * 2

    @lib.enable_grad()
    def on():
        return x * 2

    @lib.set_grad_enabled(False)
    def off_again():
        return x * 2

    assert lib.is_grad_enabled()  # decorating switches nothing
    assert not off().requires_grad
    assert not off_bare().requires_grad
    assert not off_again().requires_grad
    with lib.no_grad():
        assert on().requires_grad
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()
    assert off.__name__ == "off"


@LIBS
def test_set_grad_enabled_as_context_and_function(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert lib.is_grad_enabled()
    with lib.set_grad_enabled(True):
        assert (x * 2).requires_grad
    lib.set_grad_enabled(False)
    try:
        assert not lib.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        lib.set_grad_enabled(True)
    assert lib.is_grad_enabled() and (x * 2).requires_grad


# ---------------------------------------------------------------- detach, hooks, retain_grad


@LIBS
def test_detach_shares_memory_and_cuts_graph(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d[0] = 100.0
    assert y[0].item() == 100.0


@LIBS
def test_requires_grad_(lib):
    x = lib.ones(2)
    assert x.requires_grad_() is x
    assert x.requires_grad and x.is_leaf
    x.requires_grad_(False)
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        (lib.ones(2, requires_grad=True) * 2).requires_grad_(False)


@LIBS
def test_hook_on_leaf_replaces_gradient(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])
    handle.remove()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [33.0, 33.0])


@LIBS
def test_hook_on_non_leaf_sees_and_replaces_gradient(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    y.register_hook(lambda g: g * 0.5)
    (y * y).sum().backward()
    np.testing.assert_allclose(seen[0].numpy(), [6.0, 12.0])
    np.testing.assert_allclose(x.grad.numpy(), [9.0, 18.0])  # 3 * 0.5 * 2y


@LIBS
def test_register_hook_needs_requires_grad(lib):
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        lib.ones(2).register_hook(lambda g: g)


@LIBS
def test_retain_grad(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(x.grad.numpy(), [18.0, 36.0])


# ---------------------------------------------------------------- user Functions


def _my_relu(lib):
    class MyReLU(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    return MyReLU


def _legendre(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    return LegendrePolynomial3


@pytest.mark.parametrize("make", [_my_relu, _legendre])
def test_custom_function_matches_torch(make):
    values = np.array([-1.0, -0.3, 0.2, 0.7, 1.5])
    seed = np.array([1.0, 2.0, -1.0, 0.5, 3.0])
    results = {}
    for lib in (torch, minitorch):
        x = lib.tensor(values, requires_grad=True)
        y = make(lib).apply(x)
        (y * lib.tensor(seed)).sum().backward()
        results[lib] = (y.detach().numpy(), x.grad.numpy(), type(y.grad_fn).__name__, y.requires_grad)
    got, want = results[minitorch], results[torch]
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])
    assert got[2:] == want[2:]


def test_custom_function_in_tutorial_training_loop():
    # The polynomial-fit tutorial: y = a + b * P3(c + d * x), fitted by hand-written SGD; same numbers as torch.
    def fit(lib):
        P3 = _legendre(lib).apply
        x = lib.linspace(-np.pi, np.pi, 2000, dtype=lib.float64)
        y = lib.sin(x)
        a, b, c, d = (lib.full((), v, dtype=lib.float64, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
        losses = []
        for _ in range(100):
            loss = (a + b * P3(c + d * x) - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with lib.no_grad():
                for p in (a, b, c, d):
                    p -= 5e-6 * p.grad
                    p.grad = None
        return losses, [p.item() for p in (a, b, c, d)]

    got, want = fit(minitorch), fit(torch)
    assert got[0][-1] < 0.5 * got[0][0]
    np.testing.assert_allclose(got[0], want[0], rtol=1e-9)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-9, atol=1e-12)


def test_custom_function_needs_input_grad_and_non_tensor_args():
    class Scale(minitorch.autograd.Function):
        @staticmethod
        def forward(ctx, x, factor, w):
            ctx.factor = factor
            ctx.flags = ctx.needs_input_grad
            return x * factor * w

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor, None, None

    x = minitorch.ones(3, requires_grad=True)
    w = minitorch.ones(3)
    y = Scale.apply(x, 4.0, w)
    y.sum().backward()
    assert y.grad_fn.next_functions[1][0] is None
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0, 4.0])


def test_custom_function_wrong_number_of_gradients():
    class Bad(minitorch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    x = minitorch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


# ---------------------------------------------------------------- deep graphs, gradcheck


def test_backward_through_10000_op_chain_is_iterative():
    x = minitorch.tensor(1.0, dtype=minitorch.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000, rel=1e-9)


def test_gradcheck_passes_on_correct_function():
    Legendre = _legendre(minitorch)
    x = minitorch.tensor([-0.9, -0.2, 0.4, 0.8], dtype=minitorch.float64, requires_grad=True)
    assert minitorch.autograd.gradcheck(Legendre.apply, (x,))
    w = minitorch.tensor([[0.3, -0.5], [1.2, 0.1]], dtype=minitorch.float64, requires_grad=True)
    assert minitorch.autograd.gradcheck(lambda a, b: (a @ b).tanh() * a, (w, w.detach().clone().requires_grad_()))


def test_gradcheck_fails_on_wrong_backward():
    class WrongSquare(minitorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * g  # should be 2 * x * g

    x = minitorch.tensor([0.5, 1.5, -2.0], dtype=minitorch.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        minitorch.autograd.gradcheck(WrongSquare.apply, (x,))
    assert minitorch.autograd.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False
    assert issubclass(GradcheckError, RuntimeError)


# ---------------------------------------------------------------- errors, same type and gist as torch


def _raises_like_torch(code, match):
    """``code`` raises in torch and in minitorch, the same exception type, both messages matching."""
    types = []
    for lib in (torch, minitorch):
        with pytest.raises(Exception, match=match) as info:
            exec(code, {"lib": lib})
        types.append(type(info.value))
    assert types[1] is types[0] or issubclass(types[1], types[0]), types


def test_error_non_scalar_backward_without_gradient():
    _raises_like_torch(
        "x = lib.ones(2, requires_grad=True); (x * 2).backward()",
        "grad can be implicitly created only for scalar outputs",
    )


def test_error_gradient_of_wrong_shape():
    _raises_like_torch("x = lib.ones(2, requires_grad=True); (x * 2).backward(lib.ones(3))", "Mismatch in shape")


def test_error_second_backward_through_freed_graph():
    _raises_like_torch(
        "x = lib.ones(2, requires_grad=True); y = (x * x).sum(); y.backward(); y.backward()",
        "Trying to backward through the graph a second time",
    )


# Graphs that saved nothing for backward: torch walks them again without retain_graph.
_NOTHING_SAVED = [
    "x + 1",
    "1 - x",
    "-x",
    "x.sum()",
    "x.mean(1)",
    "x.view(4)",
    "x.t()",
    "x[0]",
    "x.expand(3, 2, 2)",
    "x.permute(1, 0)",
    "x.double()",
    "lib.cat([x, x])",
    "x.split(1)[0]",
    "x.flip(0)",
    "x.repeat(2, 1)",
    "x.add(x, alpha=2)",
    "x.round()",
    "x.sum(dtype=lib.float64)",
    "lib.zeros(2, 2).copy_(x)",
    "x.clone().add_(1)",
    "x.clone().zero_()",
    "x.clone().fill_(3.)",
]


@pytest.mark.parametrize("expr", _NOTHING_SAVED)
def test_second_backward_through_a_graph_that_saved_nothing(expr):
    grads = []
    for lib in (torch, minitorch):
        x = lib.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
        y = eval(expr, {"x": x, "lib": lib}).sum()
        y.backward()
        y.backward()  # only a freed saved value may stop a second walk
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


def test_second_backward_still_refused_where_values_were_saved():
    for expr in ["x * x", "x.exp()", "x.sigmoid()", "x @ x", "x.clone().mul_(2)"]:
        _raises_like_torch(
            f"x = lib.ones(2, 2, requires_grad=True); y = ({expr}).sum(); y.backward(); y.backward()",
            "Trying to backward through the graph a second time",
        )


@pytest.mark.parametrize(
    "value, gist",
    [
        ("lib.zeros(3)", "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'"),
        ("lib.zeros(1, 2)", "attempting to assign a gradient of size '[1, 2]' to a tensor of size '[2]'"),
        (
            "lib.zeros(2, dtype=lib.float64)",
            "attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'",
        ),
        ("lib.zeros(3, dtype=lib.float64)", "with dtype 'double'"),
        ("lib.zeros(2, dtype=lib.int64)", "with dtype 'long int'"),
        ("lib.zeros(2, dtype=lib.float16)", "with dtype 'c10::Half'"),
        ("[1., 2.]", "assigned grad expected to be a Tensor or None but got grad of type list"),
        ("lib.zeros(2).numpy()", "but got grad of type numpy.ndarray"),
        ("x", "can't assign Variable as its own grad"),
    ],
)
def test_grad_assignment_is_refused_as_in_torch(value, gist):
    """A gradient backward could not accumulate into is refused when assigned, not inside the next backward."""
    _raises_like_torch(f"x = lib.ones(2, requires_grad=True); x.grad = {value}", re.escape(gist))


def test_grad_assignment_accepted_as_in_torch():
    for lib in (torch, minitorch):
        x = lib.ones(2, requires_grad=True)
        x.grad = lib.zeros(4)[::2]
        (x * 2).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]
        x.grad = None
        assert x.grad is None
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got numpy.ndarray"):
        minitorch.ones(2).data = np.zeros(2)


def test_error_backward_on_tensor_not_requiring_grad():
    _raises_like_torch("lib.ones(2).sum().backward()", "does not require grad")


@pytest.mark.parametrize(
    "code",
    [
        "lib.tensor([1, 2], requires_grad=True)",
        "lib.ones(2, dtype=lib.int64, requires_grad=True)",
        "lib.tensor([1, 2]).requires_grad_()",
    ],
)
def test_error_int_tensor_requiring_grad(code):
    _raises_like_torch(code, "(?i)only Tensors of floating point")


def test_error_inplace_change_of_saved_tensor():
    _raises_like_torch(
        "x = lib.ones(2, requires_grad=True); y = x * 1; z = y * y; y.add_(1); z.sum().backward()",
        r"modified by an inplace operation: \[torch.FloatTensor \[2\]\], which is output 0 of Add",
    )
    _raises_like_torch(
        "x = lib.ones(2, requires_grad=True); y = x.sigmoid(); y.mul_(2); y.sum().backward()",
        "modified by an inplace operation",
    )


def test_error_inplace_change_of_saved_output_through_view():
    _raises_like_torch(
        "x = lib.tensor([1., 2.], requires_grad=True); y = x.exp(); y.add_(1); y.sum().backward()",
        r"\[torch.FloatTensor \[2\]\], which is output 0 of Exp, is at version 1; expected version 0",
    )
    _raises_like_torch(
        "x = lib.tensor([1., 2.], requires_grad=True); y = x.exp(); y[0].mul_(2); y.sum().backward()",
        "which is output 0 of Exp, is at version 1",
    )


def test_inplace_through_view_of_non_leaf_is_differentiable():
    grads = {}
    for lib in (torch, minitorch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        y[0].mul_(3)
        y[1:].add_(x[1:] * x[1:])
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        grads[lib] = (y.detach().numpy(), x.grad.numpy())
    np.testing.assert_allclose(grads[minitorch][0], grads[torch][0])
    np.testing.assert_allclose(grads[minitorch][1], grads[torch][1])


def test_error_inplace_change_of_saved_leaf():
    _raises_like_torch(
        "x = lib.ones(2, 3, requires_grad=True); y = x * x\nwith lib.no_grad(): x.add_(1)\ny.sum().backward()",
        r"inplace operation: \[torch.FloatTensor \[2, 3\]\] is at version 1",
    )


def test_inplace_on_tensor_not_saved_is_fine():
    grads = {}
    for lib in (torch, minitorch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2  # MulBackward0 by a constant saves nothing of y
        y.add_(1)
        (y * 3).sum().backward()
        grads[lib] = x.grad.numpy()
    np.testing.assert_allclose(grads[minitorch], grads[torch])


def test_error_inplace_on_leaf_requiring_grad():
    _raises_like_torch(
        "x = lib.ones(2, requires_grad=True); x.add_(1)",
        "a leaf Variable that requires grad is being used in an in-place operation",
    )
    _raises_like_torch("x = lib.ones(2, requires_grad=True); x += 1", "a leaf Variable that requires grad")
    _raises_like_torch("x = lib.ones(2, requires_grad=True); x[0] = 5.0", "a leaf Variable that requires grad")


@LIBS
def test_inplace_on_leaf_allowed_inside_no_grad(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.no_grad():
        x.add_(1)
        x *= 3
        x[0] = 0.5
    assert x.tolist() == [0.5, 6.0]
    assert x.requires_grad and x.is_leaf and x.grad_fn is None


def test_leaf_gradients_never_share_memory_with_other_arrays() -> None:
    """A leaf may take a fresh gradient as its .grad without a copy, but never one that something else holds."""
    a, b = minitorch.ones(3, requires_grad=True), minitorch.ones(3, requires_grad=True)
    (a + b).sum().backward()  # one gradient array flows to both leaves
    a.grad.add_(1)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]
    g = minitorch.full((3,), 2.0)
    d = minitorch.ones(3, requires_grad=True)
    d.backward(g)  # the caller's gradient reaches the leaf directly
    d.grad.add_(1)
    assert g.tolist() == [2.0, 2.0, 2.0]
    e = minitorch.ones(3, requires_grad=True)
    f = e * 2
    f.retain_grad()
    (f + 0).sum().backward()
    e.grad.add_(1)
    assert f.grad.tolist() == [1.0, 1.0, 1.0]
    w, gw = minitorch.ones(3, 2, requires_grad=True), minitorch.full((2, 3), 3.0)
    w.t().backward(gw)  # w's gradient is a transposed view of the caller's tensor
    w.grad.add_(1)
    assert gw.tolist() == [[3.0] * 3] * 2
    lin = minitorch.nn.Linear(3, 2)
    lin(minitorch.ones(4, 3)).sum().backward()
    first = lin.bias.grad.clone()
    lin(minitorch.ones(4, 3)).sum().backward()  # a second backward adds into the (possibly taken) first
    assert lin.bias.grad.tolist() == (2 * first).tolist()
    assert lin.weight.grad.is_contiguous()


@pytest.mark.filterwarnings("error")  # numpy's overflow warnings must not reach the user: torch is silent
def test_float16_gradients_past_their_range_are_inf_silently_like_torch() -> None:
    """A gradient cast to a float16 input's dtype, or summed back over a broadcast, overflows to inf, as torch's."""

    def grads(lib: Any) -> list:
        x = lib.tensor([2.0, 1.0], dtype=lib.float16, requires_grad=True)
        (x.to(lib.float32) * 1e6).sum().backward()
        b = lib.tensor([1.0], dtype=lib.float16, requires_grad=True)
        (b + lib.full((3,), 4.0, dtype=lib.float16)).backward(lib.full((3,), 30000.0, dtype=lib.float16))
        return [x.grad.tolist(), b.grad.tolist()]

    assert grads(minitorch) == grads(torch) == [[float("inf")] * 2, [float("inf")]]
