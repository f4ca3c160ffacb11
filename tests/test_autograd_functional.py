"""minitorch.autograd.functional against torch.autograd.functional: values, result structure, create_graph,
strict mode and errors, for jacobian, hessian, vjp, jvp, vhp and hvp."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import assert_close, raises_like

RNG = np.random.default_rng(0)
A = RNG.uniform(-1, 1, (2, 3))
B = RNG.uniform(-1, 1, (3,))


def functional(lib: Any) -> Any:
    return lib.autograd.functional


def inputs(lib: Any, *arrays: np.ndarray, grad: bool = False) -> tuple:
    return tuple(lib.tensor(a, requires_grad=grad) for a in arrays)


def to_numpy(x: Any) -> Any:
    """Nested tuples of tensors as nested tuples of arrays, with their requires_grad flags."""
    if isinstance(x, tuple):
        return tuple(to_numpy(y) for y in x)
    return (x.detach().cpu().numpy() if hasattr(x, "cpu") else x.detach().numpy(), x.requires_grad)


def same(got: Any, want: Any, where: str = "result") -> None:
    assert isinstance(got, tuple) == isinstance(want, tuple), f"{where}: a tuple in one library only"
    if isinstance(want, tuple) and not (len(want) == 2 and isinstance(want[1], bool)):
        assert len(got) == len(want), f"{where}: {len(got)} entries, torch {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{where}[{i}]")
        return
    assert got[1] == want[1], f"{where}: requires_grad {got[1]}, torch {want[1]}"
    assert_close(got[0], want[0], 1e-12, 1e-14, where)


def run(fn: Any, *args: Any, **kw: Any) -> None:
    """``fn(lib, *tensors)`` in both libraries: the same values, nesting and requires_grad flags."""
    results = [to_numpy(fn(lib, *args, **kw)) for lib in (torch, minitorch)]
    same(results[1], results[0])


def exp_reducer(lib: Any) -> Any:
    return lambda x: (x.exp() * x).sum(dim=1)


def two_outputs(lib: Any) -> Any:
    return lambda x, y: (lib.tanh(x) @ y, (x * x).sum() + y.sin())


def scalar_of_two(lib: Any) -> Any:
    return lambda x, y: (lib.sigmoid(x) @ (y * y)).prod()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize(
    "case",
    [
        lambda lib, cg: functional(lib).jacobian(exp_reducer(lib), inputs(lib, A)[0], create_graph=cg),
        lambda lib, cg: functional(lib).jacobian(two_outputs(lib), inputs(lib, A, B), create_graph=cg),
        lambda lib, cg: functional(lib).jacobian(lambda x: x * 2, inputs(lib, A), create_graph=cg),
        lambda lib, cg: functional(lib).hessian(lambda x: (x.exp() * x).sum(), inputs(lib, A)[0], create_graph=cg),
        lambda lib, cg: functional(lib).hessian(scalar_of_two(lib), inputs(lib, A, B), create_graph=cg),
        lambda lib, cg: functional(lib).vjp(exp_reducer(lib), inputs(lib, A)[0], lib.tensor(B[:2]), create_graph=cg),
        lambda lib, cg: functional(lib).vjp(lambda x: x.pow(3).sum(), inputs(lib, A)[0], create_graph=cg),
        lambda lib, cg: functional(lib).jvp(exp_reducer(lib), inputs(lib, A)[0], lib.tensor(A), create_graph=cg),
        lambda lib, cg: functional(lib).jvp(two_outputs(lib), inputs(lib, A, B), inputs(lib, A, B), create_graph=cg),
        lambda lib, cg: functional(lib).vhp(scalar_of_two(lib), inputs(lib, A, B), inputs(lib, A, B), create_graph=cg),
        lambda lib, cg: functional(lib).hvp(scalar_of_two(lib), inputs(lib, A, B), inputs(lib, A, B), create_graph=cg),
        lambda lib, cg: functional(lib).hvp(lambda x: x.sin(), lib.tensor(np.array(0.3)), create_graph=cg),
    ],
    ids=[
        "jacobian",
        "jacobian_tuples",
        "jacobian_linear",
        "hessian",
        "hessian_tuples",
        "vjp",
        "vjp_scalar_no_v",
        "jvp",
        "jvp_tuples",
        "vhp",
        "hvp",
        "hvp_scalar_no_v",
    ],
)
def test_results_match_torch(case: Any, create_graph: bool) -> None:
    run(case, create_graph)


def test_create_graph_keeps_the_inputs_graph_so_results_differentiate_again() -> None:
    got = {}
    for lib in (torch, minitorch):
        x = lib.tensor(A, requires_grad=True)
        _, h = functional(lib).hvp(
            lambda t: (t.exp() * t).sum(), x, lib.ones(2, 3, dtype=lib.float64), create_graph=True
        )
        (g,) = lib.autograd.grad(h.sum(), x)
        got[lib.__name__] = g.numpy()
    assert_close(got["minitorch"], got["torch"], 1e-12, 1e-14, "third derivative through hvp")


def test_a_hessian_vector_product_is_the_hessian_times_the_vector() -> None:
    x, v = minitorch.tensor(A), minitorch.tensor(A[::-1].copy())

    def f(t: Any) -> Any:
        return (minitorch.tanh(t) * t.exp()).sum()

    h = functional(minitorch).hessian(f, x).reshape(6, 6)
    _, hv = functional(minitorch).hvp(f, x, v)
    _, vh = functional(minitorch).vhp(f, x, v)
    assert_close(hv.numpy().reshape(-1), h.numpy() @ v.numpy().reshape(-1), 1e-12, 1e-14, "hvp")
    assert_close(vh.numpy().reshape(-1), v.numpy().reshape(-1) @ h.numpy(), 1e-12, 1e-14, "vhp")


@pytest.mark.parametrize(
    "call,gist",
    [
        (
            lambda lib: functional(lib).jacobian(lambda x, y: x * 2, inputs(lib, A, B), strict=True),
            "independent of input 1",
        ),
        (
            lambda lib: functional(lib).jacobian(lambda x: x.detach(), inputs(lib, A), strict=True),
            "does not require gradients",
        ),
        (
            lambda lib: functional(lib).hessian(lambda x: (x * 2).sum(), inputs(lib, A), strict=True),
            "jacobian of the user-provided function with respect to input 0 is independent of the input",
        ),
        (
            lambda lib: functional(lib).vjp(lambda x, y: x * 2, inputs(lib, A, B), lib.tensor(A), strict=True),
            "independent of input 1",
        ),
        (
            lambda lib: functional(lib).jvp(lambda x, y: x * 2, inputs(lib, A, B), inputs(lib, A, B), strict=True),
            "independent of input 1",
        ),
        (lambda lib: functional(lib).vjp(lambda x: x * 2, inputs(lib, A)), "v can only be None"),
        (lambda lib: functional(lib).jvp(lambda x: x * 2, inputs(lib, A), lib.tensor(B)), "v has invalid size"),
        (
            lambda lib: functional(lib).hvp(lambda x: x * 2, inputs(lib, A), lib.tensor(A)),
            "should contain a single element",
        ),
        (
            lambda lib: functional(lib).vhp(lambda x: (x, x), inputs(lib, A), lib.tensor(A)),
            "should return a single Tensor",
        ),
        (lambda lib: functional(lib).jacobian(lambda x: x, [1.0]), "must be either a Tensor or a tuple of Tensors"),
        (lambda lib: functional(lib).jacobian(lambda x: x, (lib.tensor(A), 2)), "the value at index 1 has type"),
        (lambda lib: functional(lib).jacobian(lambda x: x, inputs(lib, A), strategy="sideways"), "Expected strategy"),
        (
            lambda lib: functional(lib).jacobian(lambda x: x, inputs(lib, A), strategy="forward-mode"),
            "only implemented for `vectorize=True`",
        ),
        (
            lambda lib: functional(lib).jacobian(lambda x: x, inputs(lib, A), strict=True, vectorize=True),
            "not supported together",
        ),
    ],
)
def test_errors_match_torch(call: Any, gist: str) -> None:
    raises_like(call, gist)


def test_vectorize_is_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        minitorch.autograd.functional.jacobian(lambda x: x * 2, minitorch.tensor(A), vectorize=True)
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        minitorch.autograd.functional.hessian(lambda x: (x * x).sum(), minitorch.tensor(A), vectorize=True)
