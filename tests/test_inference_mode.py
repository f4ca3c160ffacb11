"""inference_mode, the default dtype and the default device, against torch's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import raises_like

LIBS = [torch, minitorch]


def modes(lib: Any) -> tuple:
    return lib.is_grad_enabled(), lib.is_inference_mode_enabled()


def test_inference_mode_switches_like_torch() -> None:
    made = {}
    for lib in LIBS:
        seen = [modes(lib)]
        with lib.inference_mode():
            seen.append(modes(lib))
            with lib.inference_mode(False):
                seen.append(modes(lib))
            with lib.enable_grad():
                seen.append(modes(lib))
            with lib.inference_mode(mode=True):
                seen.append(modes(lib))
            seen.append(modes(lib))
        seen.append(modes(lib))
        with lib.no_grad():
            with lib.inference_mode(False):  # leaving inference mode enables gradients, even under no_grad
                seen.append(modes(lib))
            seen.append(modes(lib))
        made[lib] = seen
    assert made[minitorch] == made[torch]


def test_inference_mode_decorates_with_and_without_parentheses() -> None:
    made = {}
    for lib in LIBS:

        @lib.inference_mode
        def bare() -> tuple:
            return modes(lib)

        @lib.inference_mode()
        def called() -> tuple:
            return modes(lib)

        @lib.inference_mode(False)
        def off() -> tuple:
            return modes(lib)

        made[lib] = [bare(), called(), off(), bare(), modes(lib)]
        assert bare.__name__ == "bare"
    assert made[minitorch] == made[torch]


def test_inference_mode_restores_after_an_exception() -> None:
    for lib in LIBS:
        with pytest.raises(ZeroDivisionError):
            with lib.inference_mode():
                1 / 0
        assert modes(lib) == (True, False), lib.__name__


def test_tensors_made_inside_are_inference_tensors_like_torch() -> None:
    made = {}
    for lib in LIBS:
        x = lib.ones(3, 4, requires_grad=True)
        n = lib.arange(6.0)
        with lib.inference_mode():
            y = x * 2
            cases = {
                "op result": y,
                "factory": lib.zeros(2),
                "tensor()": lib.tensor([1.0]),
                "clone": n.clone(),
                "view of a normal tensor": n[1:4],
                "reshape view of a normal tensor": n.view(2, 3),
                "view of an inference tensor": y[0],
                "sum": x.sum(),
            }
            cases["requires_grad"] = y.requires_grad
            with lib.inference_mode(False):
                cases["made with inference_mode(False)"] = lib.ones(1)
        cases["normal"] = lib.ones(1)
        cases["view of an inference tensor, outside"] = y.view(12)
        made[lib] = {k: v if isinstance(v, bool) else v.is_inference() for k, v in cases.items()}
    assert made[minitorch] == made[torch]
    assert made[minitorch]["factory"] and not made[minitorch]["normal"]


def test_inference_mode_is_per_thread_like_torch() -> None:
    made = {}
    for lib in LIBS:
        other = {}

        def work() -> None:
            other["modes"] = modes(lib)
            other["tensor"] = lib.ones(2).is_inference()

        with lib.inference_mode():
            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
            mine = lib.ones(2).is_inference()
        made[lib] = (other, mine)
    assert made[minitorch] == made[torch] == ({"modes": (True, False), "tensor": False}, True)


def test_no_graph_is_recorded_inside() -> None:
    w = minitorch.ones(2, requires_grad=True)
    with minitorch.inference_mode():
        out = (w * 3).sum()
    assert out.grad_fn is None and not out.requires_grad


# ------------------------------------------------------------------ default dtype
@pytest.mark.parametrize("name", ["float64", "float16", "float32"])
def test_set_default_dtype_changes_what_floats_become(name: str) -> None:
    made = {}
    for lib in LIBS:
        lib.set_default_dtype(getattr(lib, name))
        try:
            made[lib] = [
                str(lib.get_default_dtype()),
                str(lib.tensor(1.5).dtype),
                str(lib.tensor([1, 2]).dtype),
                str(lib.zeros(2).dtype),
                str(lib.arange(0.0, 2.0).dtype),
                str(lib.arange(3).dtype),
                str(lib.randn(2).dtype),
                str((lib.tensor([1, 2]) / 2).dtype),
            ]
        finally:
            lib.set_default_dtype(lib.float32)
    assert [s.replace("minitorch.", "torch.") for s in made[minitorch]] == made[torch]


@pytest.mark.parametrize(
    "bad",
    [lambda lib: lib.int64, lambda lib: lib.bool, lambda lib: "float64", lambda lib: float, lambda lib: None],
    ids=["int64", "bool", "a-string", "python-float", "None"],
)
def test_set_default_dtype_errors_like_torch(bad: Callable) -> None:
    try:
        raises_like(lambda lib: lib.set_default_dtype(bad(lib)), exact=True)
    finally:
        for lib in LIBS:
            lib.set_default_dtype(lib.float32)
    assert minitorch.get_default_dtype() is minitorch.float32


# ------------------------------------------------------------------ default device
CREATORS = {
    "tensor": lambda lib: lib.tensor([1.0, 2.0]),
    "as_tensor": lambda lib: lib.as_tensor(np.ones(2)),
    "zeros": lambda lib: lib.zeros(2),
    "ones": lambda lib: lib.ones(2, 2),
    "full": lambda lib: lib.full((2,), 3.0),
    "empty": lambda lib: lib.empty(3),
    "eye": lambda lib: lib.eye(2),
    "arange": lambda lib: lib.arange(4),
    "linspace": lambda lib: lib.linspace(0, 1, 5),
    "rand": lambda lib: lib.rand(2),
    "randn": lambda lib: lib.randn(2),
    "randint": lambda lib: lib.randint(0, 5, (3,)),
    "randperm": lambda lib: lib.randperm(4),
    "Linear": lambda lib: lib.nn.Linear(2, 3).weight,
}


def test_default_device_is_the_cpu_and_can_be_reset() -> None:
    for lib in LIBS:
        assert str(lib.get_default_device()) == "cpu"
        lib.set_default_device("cpu")
        assert str(lib.get_default_device()) == "cpu" and str(lib.zeros(1).device) == "cpu"
        lib.set_default_device(None)
        assert str(lib.get_default_device()) == "cpu"


@pytest.mark.parametrize("name", list(CREATORS))
def test_creation_functions_honour_the_default_device(name: str) -> None:
    """With 'cuda' as the default, every creation function goes there: onto the GPU, or (without one) into the
    same error as when it is asked for ``device='cuda'``; ``from_numpy`` and ``*_like`` stay with their input."""
    minitorch.set_default_device("cuda")
    try:
        assert str(minitorch.get_default_device()).startswith("cuda")
        if minitorch.cuda.is_available():
            assert CREATORS[name](minitorch).device.type == "cuda"
        else:
            with pytest.raises(RuntimeError, match="Torch not compiled with CUDA enabled"):
                CREATORS[name](minitorch)
        host = minitorch.from_numpy(np.ones(2))
        assert host.device.type == "cpu" and minitorch.zeros_like(host).device.type == "cpu"
    finally:
        minitorch.set_default_device(None)
    assert CREATORS[name](minitorch).device.type == "cpu"


def test_bad_default_device_is_refused_like_torch() -> None:
    raises_like(lambda lib: lib.set_default_device("tpu:0"), gist="device type at start of device string: tpu")
    assert str(minitorch.get_default_device()) == "cpu"
