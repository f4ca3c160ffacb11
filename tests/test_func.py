"""minitorch.func against torch.func: values, pytree structures and requires_grad flags of grad, grad_and_value,
vjp, jvp, linearize, jacrev, jacfwd and hessian (alone, nested, with has_aux and argnums tuples), the
meta-learning pattern through functional_call, functional_call's state handling, and torch's errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import assert_close, raises_like

RNG = np.random.default_rng(0)
X = RNG.uniform(-1, 1, (2, 3))
V = RNG.uniform(-1, 1, (3,))
C = RNG.uniform(-1, 1, (4,))
W = RNG.uniform(-1, 1, (4, 3))
S = np.array(0.7)


def t(lib: Any, a: np.ndarray, grad: bool = False) -> Any:
    return lib.tensor(a, dtype=lib.float64, requires_grad=grad)


def tree(x: Any) -> Any:
    """A pytree of tensors as the same pytree of (array, requires_grad); containers keep their type."""
    if isinstance(x, dict):
        return {k: tree(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(tree(v) for v in x)
    if hasattr(x, "detach"):
        return (x.detach().numpy(), x.requires_grad)
    return x


def same(got: Any, want: Any, where: str = "result") -> None:
    """The same containers (types, keys, lengths), values (float64 tight) and requires_grad flags."""
    if isinstance(want, tuple) and len(want) == 2 and isinstance(want[0], np.ndarray):
        assert isinstance(got, tuple) and isinstance(got[0], np.ndarray), f"{where}: {got!r}, torch a tensor"
        assert got[1] == want[1], f"{where}: requires_grad {got[1]}, torch {want[1]}"
        assert_close(got[0], want[0], 1e-10, 1e-12, where)
        return
    assert type(got) is type(want), f"{where}: {type(got).__name__}, torch {type(want).__name__}"
    if isinstance(want, dict):
        assert list(got) == list(want), f"{where}: keys {list(got)}, torch {list(want)}"
        for k in want:
            same(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, (tuple, list)):
        assert len(got) == len(want), f"{where}: {len(got)} entries, torch {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{where}[{i}]")
    else:
        assert got == want, where


def run(case: Callable[[Any], Any]) -> None:
    """``case(lib)`` gives the same pytree of tensors in torch and in minitorch."""
    same(tree(case(minitorch)), tree(case(torch)))


def f_elementwise(x: Any) -> Any:
    return (x.sin() * x.exp()).sum()


def f_matmul(lib: Any) -> Callable:
    return lambda w, v: lib.tanh(w @ v)


def f_dict(d: dict) -> Any:
    return (d["a"] * d["b"].exp()).sum() + (d["a"] ** 3).sum()


def f_two_outputs(lib: Any) -> Callable:
    return lambda w, v: (lib.tanh(w @ v), (w * w).sum() + v.sin())


def dict_in(lib: Any, grad: bool = False) -> dict:
    return {"a": t(lib, X, grad), "b": t(lib, X * 0.5)}


CASES = {
    "grad elementwise": lambda lib: lib.func.grad(f_elementwise)(t(lib, X)),
    "grad of a requires_grad input stays on the graph": lambda lib: lib.func.grad(f_elementwise)(t(lib, X, True)),
    "grad closure over a requires_grad tensor": lambda lib: closure_case(lib, t(lib, V, True)),
    "grad argnums tuple": lambda lib: lib.func.grad(lambda w, v: f_matmul(lib)(w, v).sum(), argnums=(0, 1))(
        t(lib, W), t(lib, V)
    ),
    "grad argnums negative": lambda lib: lib.func.grad(lambda w, v: f_matmul(lib)(w, v).sum(), argnums=-1)(
        t(lib, W), t(lib, V)
    ),
    "grad dict": lambda lib: lib.func.grad(f_dict)(dict_in(lib)),
    "grad has_aux": lambda lib: lib.func.grad(lambda x: (f_elementwise(x), {"y": x * 2, "z": [x.cos()]}), has_aux=True)(
        t(lib, X)
    ),
    "grad kwargs pass through": lambda lib: lib.func.grad(lambda x, scale=1.0: f_elementwise(x) * scale)(
        t(lib, X), scale=3.0
    ),
    "grad_and_value": lambda lib: lib.func.grad_and_value(f_dict)(dict_in(lib)),
    "grad_and_value has_aux": lambda lib: lib.func.grad_and_value(lambda x: (f_elementwise(x), x.sum()), has_aux=True)(
        t(lib, X)
    ),
    "grad of grad": lambda lib: lib.func.grad(lib.func.grad(lambda s: s.sin() * s**3))(t(lib, S)),
    "grad of a sum of grad": lambda lib: lib.func.grad(lambda x: lib.func.grad(f_elementwise)(x).pow(2).sum())(
        t(lib, X)
    ),
    "no perturbation confusion": lambda lib: lib.func.grad(lambda x: x * lib.func.grad(lambda y: x * y)(x))(t(lib, S)),
    "grad under no_grad": lambda lib: no_grad_call(lib, lambda: lib.func.grad(f_elementwise)(t(lib, X, True))),
    "grad of an output not using the input": lambda lib: lib.func.grad(lambda x: t(lib, S))(t(lib, X)),
    "vjp": lambda lib: vjp_case(lib, f_two_outputs(lib), (t(lib, W), t(lib, V)), lambda lib, o: (t(lib, C), t(lib, V))),
    "vjp requires_grad primal": lambda lib: vjp_case(
        lib, lambda x: x.exp(), (t(lib, X, True),), lambda lib, o: t(lib, X)
    ),
    "vjp requires_grad cotangent": lambda lib: vjp_case(
        lib, lambda x: x.exp(), (t(lib, X),), lambda lib, o: t(lib, X, True)
    ),
    "vjp dict output": lambda lib: vjp_case(
        lib, lambda x: {"p": x.exp(), "q": [x * 3]}, (t(lib, X),), lambda lib, o: {"p": o["p"] * 2, "q": [t(lib, X)]}
    ),
    "vjp has_aux": lambda lib: lib.func.vjp(lambda x: (x.exp(), [x.sum()]), t(lib, X), has_aux=True)[::2],
    "jvp": lambda lib: lib.func.jvp(f_two_outputs(lib), (t(lib, W), t(lib, V)), (t(lib, W * 2), t(lib, V))),
    "jvp dict primal": lambda lib: lib.func.jvp(f_dict, (dict_in(lib),), (dict_in(lib),)),
    "jvp has_aux": lambda lib: lib.func.jvp(lambda x: (x.sin(), {"k": x}), (t(lib, X),), (t(lib, X),), has_aux=True),
    "jvp requires_grad tangent": lambda lib: lib.func.jvp(lambda x: x.exp(), (t(lib, X),), (t(lib, X, True),)),
    "jvp constant output": lambda lib: lib.func.jvp(lambda x: t(lib, V), (t(lib, X),), (t(lib, X),)),
    "linearize": lambda lib: linearize_case(lib),
    "jacrev": lambda lib: lib.func.jacrev(f_matmul(lib))(t(lib, W), t(lib, V)),
    "jacrev argnums tuple, two outputs": lambda lib: lib.func.jacrev(f_two_outputs(lib), argnums=(0, 1))(
        t(lib, W), t(lib, V)
    ),
    "jacrev dict in, list out": lambda lib: lib.func.jacrev(lambda d: [d["a"].exp(), d["b"].sum()])(dict_in(lib)),
    "jacrev has_aux": lambda lib: lib.func.jacrev(lambda x: (x.sin(), x.cos()), has_aux=True)(t(lib, V)),
    "jacrev chunk_size": lambda lib: lib.func.jacrev(lambda x: x.sin() * x.sum(), chunk_size=2)(t(lib, V)),
    "jacrev 0-dim": lambda lib: lib.func.jacrev(lambda s: s.exp())(t(lib, S)),
    "jacrev empty": lambda lib: lib.func.jacrev(lambda x: x * 2)(t(lib, V[:0])),
    "jacrev constant output": lambda lib: lib.func.jacrev(lambda x: t(lib, V))(t(lib, X)),
    "jacfwd": lambda lib: lib.func.jacfwd(f_matmul(lib))(t(lib, W), t(lib, V)),
    "jacfwd argnums tuple, two outputs": lambda lib: lib.func.jacfwd(f_two_outputs(lib), argnums=(1, 0))(
        t(lib, W), t(lib, V)
    ),
    "jacfwd dict in": lambda lib: lib.func.jacfwd(lambda d: [d["a"].exp(), d["b"].sum()])(dict_in(lib)),
    "jacfwd has_aux": lambda lib: lib.func.jacfwd(lambda x: (x.sin(), x.cos()), has_aux=True)(t(lib, V)),
    "jacfwd requires_grad input": lambda lib: lib.func.jacfwd(lambda x: x.sin() * x)(t(lib, V, True)),
    "hessian": lambda lib: lib.func.hessian(f_elementwise)(t(lib, X)),
    "hessian argnums tuple": lambda lib: lib.func.hessian(lambda w, v: f_matmul(lib)(w, v).sum(), argnums=(0, 1))(
        t(lib, W), t(lib, V)
    ),
    "jacrev of jacrev": lambda lib: lib.func.jacrev(lib.func.jacrev(f_matmul(lib), argnums=1), argnums=1)(
        t(lib, W), t(lib, V)
    ),
    "jacfwd of jacrev": lambda lib: lib.func.jacfwd(lib.func.jacrev(lambda v: v.sin() * v.sum()))(t(lib, V)),
    "jacrev of jacfwd": lambda lib: lib.func.jacrev(lib.func.jacfwd(lambda v: v.sin() * v.sum()))(t(lib, V)),
    "jacfwd of jacfwd": lambda lib: lib.func.jacfwd(lib.func.jacfwd(lambda v: v.exp() * v.sum()))(t(lib, V)),
    "grad of jvp": lambda lib: lib.func.grad(lambda x: lib.func.jvp(lambda y: y.sin() * y, (x,), (x,))[1].sum())(
        t(lib, V)
    ),
    "hessian of a requires_grad input": lambda lib: lib.func.hessian(lambda v: (v**4).sum())(t(lib, V, True)),
}


def closure_case(lib: Any, w: Any) -> Any:
    """The gradient is ``w``, made outside the transform: it stays on the caller's graph."""
    return lib.func.grad(lambda v: (w * v.sin()).sum())(t(lib, V))


def no_grad_call(lib: Any, fn: Callable) -> Any:
    with lib.no_grad():
        return fn()


def vjp_case(lib: Any, fn: Callable, primals: tuple, cotangents: Callable) -> Any:
    """The output and the vjp for ``cotangents(lib, output)``."""
    out, vjp_fn = lib.func.vjp(fn, *primals)
    return out, vjp_fn(cotangents(lib, out))


def linearize_case(lib: Any) -> Any:
    out, jvp_fn = lib.func.linearize(f_two_outputs(lib), t(lib, W), t(lib, V))
    return out, jvp_fn(t(lib, W), t(lib, V * 3)), jvp_fn(t(lib, W * 0), t(lib, V))


@pytest.mark.parametrize("name", list(CASES))
def test_transform_matches_torch(name: str) -> None:
    run(CASES[name])


def test_results_compose_with_backward() -> None:
    """A gradient of a tensor that requires grad is differentiable by plain autograd (second order)."""

    def case(lib: Any) -> Any:
        x = t(lib, X, True)
        lib.func.grad(f_elementwise)(x).pow(2).sum().backward()
        return x.grad

    run(case)


# ---------------------------------------------------------------- functional_call and meta-learning


def mlp(lib: Any) -> Any:
    """The same small MLP (with a BatchNorm's buffers) in both libraries: torch's weights copied over."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.BatchNorm1d(5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    net = net.double()
    if lib is torch:
        return net
    twin = minitorch.nn.Sequential(
        minitorch.nn.Linear(3, 5), minitorch.nn.BatchNorm1d(5), minitorch.nn.Tanh(), minitorch.nn.Linear(5, 2)
    ).double()
    twin.load_state_dict({k: minitorch.tensor(v.detach().numpy()) for k, v in net.state_dict().items()})
    return twin


def params_of(lib: Any, net: Any, detach: bool) -> dict:
    return {k: (v.detach() if detach else v) for k, v in net.named_parameters()}


def loss_fn(lib: Any, net: Any) -> Callable:
    def loss(params: dict, x: Any, y: Any) -> Any:
        return ((lib.func.functional_call(net, params, (x,)) - y) ** 2).mean()

    return loss


XB, YB = RNG.uniform(-1, 1, (6, 3)), RNG.uniform(-1, 1, (6, 2))


@pytest.mark.parametrize("detach", [True, False])
def test_grad_through_functional_call(detach: bool) -> None:
    def case(lib: Any) -> Any:
        net = mlp(lib).eval()
        grads = lib.func.grad(loss_fn(lib, net))(params_of(lib, net, detach), t(lib, XB), t(lib, YB))
        assert all(p.grad is None for p in net.parameters())
        return grads

    run(case)


def test_grad_through_functional_call_with_buffers() -> None:
    """In training mode BatchNorm updates its buffers: passed as an argument, they are the function's own to
    change (torch refuses an in-place update of a captured tensor), and the updates land in the dict."""

    def case(lib: Any) -> Any:
        net = mlp(lib)
        buffers = {k: v.clone() for k, v in net.named_buffers()}

        def loss(params: dict, buffers: dict, x: Any, y: Any) -> Any:
            return ((lib.func.functional_call(net, (params, buffers), (x,)) - y) ** 2).mean()

        grads = lib.func.grad(loss)(params_of(lib, net, True), buffers, t(lib, XB), t(lib, YB))
        return grads, buffers, dict(net.named_buffers())

    run(case)


def test_jacrev_and_hessian_through_functional_call() -> None:
    def case(lib: Any) -> Any:
        net = mlp(lib).eval()
        params = params_of(lib, net, True)
        jac = lib.func.jacrev(lambda p: lib.func.functional_call(net, p, t(lib, XB[:2])))(params)
        hess = lib.func.hessian(lambda b: loss_fn(lib, net)({**params, "3.bias": b}, t(lib, XB), t(lib, YB)))(
            params["3.bias"]
        )
        return jac, hess

    run(case)


def test_maml_inner_loop() -> None:
    """Two inner SGD steps by ``grad`` on the support set, the outer loss on the query set, backward to the
    model's parameters: second-order terms included, as in torch."""

    def case(lib: Any) -> Any:
        net = mlp(lib).eval()
        loss = loss_fn(lib, net)
        params = dict(net.named_parameters())
        for _ in range(2):
            grads = lib.func.grad(loss)(params, t(lib, XB[:3]), t(lib, YB[:3]))
            params = {k: p - 0.1 * grads[k] for k, p in params.items()}
        outer = loss(params, t(lib, XB[3:]), t(lib, YB[3:]))
        outer.backward()
        return outer, {k: p.grad for k, p in net.named_parameters()}

    run(case)


def test_functional_call_gradients_flow_to_the_given_tensors() -> None:
    def case(lib: Any) -> Any:
        net = mlp(lib)
        given = {k: v.detach().clone().requires_grad_() for k, v in net.named_parameters()}
        buffers = {k: v.clone() for k, v in net.named_buffers()}
        lib.func.functional_call(net, (given, buffers), t(lib, XB)).pow(2).sum().backward()
        assert all(p.grad is None for p in net.parameters())
        return {k: v.grad for k, v in given.items()}, buffers  # buffers: the BatchNorm's updates land here

    run(case)


@pytest.mark.parametrize("deprecated", [False, True])
def test_functional_call_restores_the_module(deprecated: bool) -> None:
    net = mlp(minitorch)
    before = {k: (v, v.detach().numpy().copy()) for k, v in net.state_dict(keep_vars=True).items()}
    zeros = {k: minitorch.zeros_like(v) for k, v in net.named_parameters()}
    if deprecated:
        with pytest.warns(FutureWarning, match="torch.nn.utils.stateless.functional_call` is deprecated"):
            out = minitorch.nn.utils.stateless.functional_call(net, zeros, t(minitorch, XB))
    else:
        out = minitorch.func.functional_call(net, zeros, t(minitorch, XB))
    assert np.allclose(out.detach().numpy(), 0)
    with pytest.raises(RuntimeError, match="mat1 and mat2"):
        minitorch.func.functional_call(net, zeros, t(minitorch, XB[:, :2]))  # raises inside forward
    with pytest.raises(AttributeError):
        minitorch.func.functional_call(net, {"0.weight": zeros["0.weight"], "9.weight": zeros["0.weight"]}, ())
    after = net.state_dict(keep_vars=True)
    for k, (tensor, values) in before.items():
        assert after[k] is tensor, k
        if "running" not in k and "num_batches" not in k:
            assert np.array_equal(after[k].detach().numpy(), values), k


def tied(lib: Any) -> Any:
    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = lib.nn.Linear(2, 2, bias=False)
            self.b = lib.nn.Linear(2, 2, bias=False)
            self.a.weight = self.b.weight = lib.nn.Parameter(t(lib, W[:2, :2]))
            self.register_buffer("count", lib.zeros(1, dtype=lib.float64))

        def forward(self, x: Any) -> Any:
            self.count = self.count + 1  # a new tensor: written back into the dict given
            return self.b(self.a(x))

    return Net()


@pytest.mark.parametrize("tie_weights", [True, False])
def test_functional_call_tied_weights(tie_weights: bool) -> None:
    def case(lib: Any) -> Any:
        net = tied(lib)
        given = {"a.weight": t(lib, X[:, :2]), "count": lib.zeros(1, dtype=lib.float64)}
        out = lib.func.functional_call(net, given, t(lib, X[:, :2]), tie_weights=tie_weights)
        return out, given, (net.a.weight * 0 + net.count,)

    run(case)


FC_ERRORS = [
    (lambda lib: lib.func.functional_call(tied(lib), ({"count": lib.ones(1)}, {"count": lib.ones(1)}), ()), "multiple"),
    (lambda lib: lib.func.functional_call(tied(lib), [{"count": lib.ones(1)}, 3], ()), "to be dictionaries"),
    (lambda lib: lib.func.functional_call(tied(lib), 3, ()), "to be a dict, or a list/tuple of dicts"),
    (
        lambda lib: lib.func.functional_call(tied(lib), {"zz": lib.ones(1)}, lib.ones(1, 2), strict=True),
        "Error(s) in reparametrizing for Net:\n\tUnexpected key(s): 'zz'.\n\tMissing key(s): 'a.weight', 'b.weight', "
        "'count'.",
    ),
    (
        lambda lib: lib.func.functional_call(tied(lib), {"a.weight": lib.ones(2, 2), "b.weight": lib.zeros(2, 2)}, ()),
        "functional_call got multiple values for keys ['a.weight', 'b.weight'], which are tied",
    ),
    (lambda lib: lib.func.functional_call(tied(lib), {"c.weight": lib.ones(1)}, ()), "Net has no attribute `c`"),
    (lambda lib: lib.func.functional_call(tied(lib), {"a.weight": 3}, ()), "3 is not an instance of torch.Tensor"),
    (lambda lib: lib.func.functional_call(tied(lib), {"": lib.ones(1)}, ()), "be empty string"),
    (lambda lib: lib.func.functional_call(tied(lib), {"a.weight.x": lib.ones(1)}, ()), "is not an instance of"),
]


@pytest.mark.parametrize("case", range(len(FC_ERRORS)))
def test_functional_call_errors(case: int) -> None:
    fn, gist = FC_ERRORS[case]
    raises_like(fn, gist)


def test_stateless_warning_is_torchs() -> None:
    def message(lib: Any) -> str:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.utils.stateless.functional_call(tied(lib), {}, lib.ones(1, 2, dtype=lib.float64))
        assert [w.category for w in caught] == [FutureWarning]
        assert caught[0].filename == __file__  # attributed to the caller
        return str(caught[0].message)

    assert message(minitorch) == message(torch)


# ---------------------------------------------------------------- errors


def scalar(lib: Any) -> Any:
    return t(lib, V)


ERRORS = [
    (
        lambda lib: lib.func.grad(lambda x: x * 2)(scalar(lib)),
        "Expected f(*args) to return a scalar Tensor, got tensor",
    ),
    (
        lambda lib: lib.func.grad(lambda x: 3.0)(scalar(lib)),
        "Expected f(*args) to return a Tensor, got <class 'float'>",
    ),
    (lambda lib: lib.func.grad(f_elementwise, argnums=2)(scalar(lib)), "Got argnum=2, but only 1 positional inputs"),
    (lambda lib: lib.func.grad(f_elementwise, argnums=())(scalar(lib)), "argnums must be non-empty"),
    (lambda lib: lib.func.grad(f_elementwise, argnums=(0, -1))(scalar(lib)), "argnums elements must be unique"),
    (lambda lib: lib.func.grad(f_elementwise, argnums=1.0)(scalar(lib)), "argnums must be int or Tuple[int, ...]"),
    (lambda lib: lib.func.grad(f_elementwise, argnums=(0, "1"))(scalar(lib), 1), "argnum must be int"),
    (lambda lib: lib.func.grad(f_elementwise)(3.0), "Thing passed to transform API must be Tensor"),
    (lambda lib: lib.func.grad(f_elementwise, has_aux=True)(scalar(lib)), "should be a tuple: (output, aux)"),
    (lambda lib: lib.func.grad(lambda x: (x.sum(), 1), has_aux=True)(scalar(lib)), "Expected tensors, got unsupported"),
    (lambda lib: lib.func.vjp(lambda x: 1.0, scalar(lib)), "expected f(*primals) to return only tensors"),
    (lambda lib: lib.func.vjp(lambda x: x > 0, scalar(lib)), "All outputs of f must be floating-point"),
    (lambda lib: lib.func.vjp(lambda x: x, scalar(lib), has_aux=True), "vjp(f, *primals): output of function f"),
    (lambda lib: lib.func.vjp(lambda x: x, scalar(lib))[1]((scalar(lib),)), "Expected pytree structure of cotangents"),
    (lambda lib: lib.func.vjp(lambda x: x, scalar(lib))[1](lib.ones(2)), "Mismatch in shape: grad_output[0]"),
    (lambda lib: lib.func.jvp(f_elementwise, scalar(lib), scalar(lib)), "Expected primals to be a tuple"),
    (lambda lib: lib.func.jvp(f_elementwise, (scalar(lib),), ()), "Expected primals and tangents to have the same"),
    (lambda lib: lib.func.jvp(f_elementwise, (), ()), "Expected primals to contain at least one Tensor"),
    (lambda lib: lib.func.jvp(f_elementwise, (scalar(lib),), (1.0,)), "Expected tangents to only contain Tensors"),
    (lambda lib: lib.func.jvp(lambda x: x, (scalar(lib),), (lib.ones(2),)), "different size than that of the original"),
    (lambda lib: lib.func.jvp(lambda x: [1.0], (scalar(lib),), (scalar(lib),)), "return only tensors"),
    (
        lambda lib: lib.func.jvp(lambda x: lib.ones(1), (scalar(lib),), (scalar(lib),), strict=True),
        "The output of f is independent of the inputs. This is not allowed with strict=True.",
    ),
    (lambda lib: lib.func.jacrev(f_elementwise, chunk_size=0), "jacrev: `chunk_size` should be greater than 0."),
    (lambda lib: lib.func.jacrev(lambda x: x, argnums=1)(scalar(lib)), "Got argnum=1, but only 1 positional inputs"),
    (lambda lib: lib.func.jacrev(lambda x: x.long())(scalar(lib)), "All outputs of f must be floating-point"),
    (lambda lib: lib.func.jacrev(lambda x: x, has_aux=True)(scalar(lib)), "vjp(f, *primals): output of function f"),
    (lambda lib: lib.func.jacfwd(lambda x: x, has_aux=True)(scalar(lib)), "jvp(f, primals, tangents): output of"),
    (lambda lib: lib.func.jacfwd(lambda x: 2)(scalar(lib)), "return only tensors"),
    (lambda lib: lib.func.jacfwd(lambda x: x, randomness="x")(scalar(lib)), "Only allowed values for randomness"),
    (lambda lib: lib.func.linearize(lambda x: x, scalar(lib))[1]((scalar(lib),)), "to have the same argspec"),
    (lambda lib: lib.func.linearize(lambda x: x, scalar(lib))[1](lib.ones(2)), "tangent:0 with shape"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_match_torch(case: int) -> None:
    fn, gist = ERRORS[case]
    raises_like(fn, gist)


def test_no_vmap() -> None:
    assert not hasattr(minitorch.func, "vmap")
    assert "vmap" in (minitorch.func.__doc__ or "")


def test_transforms_stay_on_the_device(device: str) -> None:
    """Bases, seeds and zero blocks are made on the inputs' device; values as on the CPU."""

    def results(where: str) -> list:
        x = minitorch.tensor(V, dtype=minitorch.float64, device=where)
        w = minitorch.tensor(W, dtype=minitorch.float64, device=where)
        fn = minitorch.func
        net = minitorch.nn.Linear(3, 4).double().to(where)
        params = {"weight": w, "bias": x.new_zeros(4)}
        return [
            fn.grad(lambda v: (v.sin() * v).sum())(x),
            fn.jacrev(lambda w, v: minitorch.tanh(w @ v), argnums=(0, 1))(w, x)[0],
            fn.jacfwd(lambda v: v.exp() * v.sum())(x),
            fn.hessian(lambda v: (v**3).sum())(x),
            fn.jvp(lambda v: v.cos(), (x,), (x,))[1],
            fn.jacrev(lambda v: x.sum())(x),  # a constant output: zeros
            fn.grad(lambda p: fn.functional_call(net, p, (x,)).sum())(params)["weight"],
        ]

    for got, want in zip(results(device), results("cpu")):
        assert got.device.type == minitorch.device(device).type
        assert_close(got.cpu().numpy(), want.numpy(), 1e-12, 1e-14, "result")
