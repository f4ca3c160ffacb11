"""minitorch.compile / minitorch.compiler against torch's: the wrapping code written for torch.compile relies on
(OptimizedModule, its ``_orig_mod.`` state-dict keys and printout, attribute and train/eval forwarding; functions
keeping their names; the decorator form; disable), torch's argument errors, and eager results. torch's compiled
callables are never called here (that would compile)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like


def net(lib: Any) -> Any:
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))


def test_a_compiled_module_is_wrapped_as_torch_wraps_it() -> None:
    ours, theirs = net(minitorch), net(torch)
    c, tc = minitorch.compile(ours), torch.compile(theirs)
    assert type(c).__name__ == type(tc).__name__ == "OptimizedModule"
    assert c._orig_mod is ours and isinstance(c, minitorch.nn.Module)
    assert list(c.state_dict()) == list(tc.state_dict())  # "_orig_mod.0.weight", ...
    assert repr(c) == repr(tc)
    assert c.training == tc.training
    ours.eval(), theirs.eval()
    assert c.training == tc.training is False  # the flag is the wrapped module's
    c.train(), tc.train()
    assert ours.training == theirs.training is True
    assert c._orig_mod[0] is ours[0] and c.get_submodule("_orig_mod.0") is ours[0]
    # a plain module's state dict loads into the compiled one through the prefix, as in torch
    twin = minitorch.compile(net(minitorch))
    twin.load_state_dict({"_orig_mod." + k: v for k, v in ours.state_dict().items()})
    x = minitorch.tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    np.testing.assert_array_equal(twin(x).detach().numpy(), ours(x).detach().numpy())


def test_a_compiled_function_keeps_its_name_and_computes_eagerly() -> None:
    def step(a: Any, b: Any = 2.0) -> Any:
        return (a * b).sum()

    for lib in (minitorch, torch):
        compiled = lib.compile(step)
        assert compiled.__name__ == "step" and compiled.__wrapped__ is step
    got = minitorch.compile(step, mode="max-autotune")(minitorch.ones(3), b=3.0)
    assert got.item() == 9.0


def test_the_decorator_form_and_disable_like_torch() -> None:
    for lib in (minitorch, torch):

        @lib.compile(mode="reduce-overhead")
        def f(x: Any) -> Any:
            return x + 1

        assert f.__name__ == "f"
        m = net(lib)
        assert lib.compile(m, disable=True) is m
    assert f(minitorch.zeros(2)).tolist() == [1.0, 1.0]


def test_module_compile_in_place_keeps_the_module_s_keys() -> None:
    for lib in (minitorch, torch):
        m = net(lib)
        assert m.compile() is None
        assert list(m.state_dict())[0] == "0.weight"


def test_the_compiler_namespace() -> None:
    assert minitorch.compiler.is_compiling() is torch.compiler.is_compiling() is False
    assert minitorch.compiler.list_backends() == torch._dynamo.list_backends()
    assert set(minitorch.compiler.list_backends(exclude_tags=())) <= set(torch._dynamo.list_backends(exclude_tags=()))

    def g(x: Any) -> Any:
        return x

    assert minitorch.compiler.disable(g) is g and minitorch.compiler.disable()(g) is g
    assert minitorch.compiler.allow_in_graph(g) is g
    minitorch.compiler.reset()


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.compile(net(lib), mode="fastest"),
        lambda lib: lib.compile(net(lib), mode="default", options={}),
        lambda lib: lib.compile(3),
        lambda lib: net(lib).compile(mode="fastest"),
    ],
)
def test_bad_arguments_raise_like_torch(call: Callable) -> None:
    raises_like(call, exact=True)


def test_an_unknown_backend_is_torch_s_invalid_backend() -> None:
    with pytest.raises(RuntimeError) as want:
        torch.compile(net(torch), backend="nope")
    with pytest.raises(minitorch.compiler.InvalidBackend) as got:
        minitorch.compile(net(minitorch), backend="nope")
    assert type(got.value).__name__ == type(want.value).__name__ and str(got.value) == str(want.value)
