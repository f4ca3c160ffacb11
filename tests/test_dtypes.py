"""Type promotion against torch: tensor-tensor, tensor-scalar, zero-dim tensors, in-place casts.

Every case runs in torch and in minitorch and compares the outcome: the result's
dtype and values, or the type and message of the error both raise.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch

import minitorch
from tests.parity import assert_close

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def dt(lib: Any, name: str) -> Any:
    return getattr(lib, name)


def outcome(fn: Callable[[Any], Any], lib: Any) -> tuple:
    """('ok', dtype name, values) for a result, ('raise', error type, message) for an error."""
    try:
        out = fn(lib)
    except Exception as e:  # the exact type is compared with torch's
        return ("raise", type(e).__name__, str(e).split("\n")[0])
    return ("ok", str(out.dtype).replace("torch.", ""), out.detach().cpu().numpy())


def assert_same_outcome(fn: Callable[[Any], Any], what: str, message: bool = False) -> None:
    want, got = outcome(fn, torch), outcome(fn, minitorch)
    assert got[:2] == want[:2], f"{what}: minitorch {got[:2]}, torch {want[:2]}"
    if want[0] == "ok":
        tol = 1e-3 if want[1] == "float16" else 1e-6
        assert_close(got[2], want[2], tol, tol, what)
    elif message:  # the gist: torch names the output type differently from op to op (Long, long int)
        gist = [m.split(" output type")[0] for m in (got[2], want[2])]
        assert gist[0] == gist[1], f"{what}: minitorch says {got[2]!r}, torch {want[2]!r}"


def make(lib: Any, name: str, zero_dim: bool, values: tuple = (1, 2)) -> Any:
    data = values[0] if zero_dim else list(values)
    return lib.tensor(data, dtype=dt(lib, name))


BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "floordiv": lambda x, y: x // y,
    "pow": lambda x, y: x**y,
    "maximum": lambda x, y: x.maximum(y),
    "eq": lambda x, y: x == y,
    "lt": lambda x, y: x < y,
    "and": lambda x, y: x & y,
    "logical_or": lambda x, y: x.logical_or(y),
    "where": lambda x, y: x.where(x > 0, y),
    "clamp": lambda x, y: x.clamp(min=y),
}
LAYOUTS = [(False, False), (False, True), (True, False), (True, True)]  # zero-dim a?, zero-dim b?


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_tensor_tensor_promotion(a: str, b: str) -> None:
    """Every op, with tensors of dimensions and zero-dim tensors on each side."""
    for (op, fn), (za, zb) in itertools.product(BINARY.items(), LAYOUTS):
        assert_same_outcome(
            lambda lib: fn(make(lib, a, za), make(lib, b, zb, (2, 1))), f"{op}({a}{'[0d]' * za}, {b}{'[0d]' * zb})"
        )


SCALARS = [2, -3, 300, -255, 2.5, -0.5, 1e6, True, False]
SCALAR_OPS = {
    "add": lambda x, s: x + s,
    "radd": lambda x, s: s + x,
    "sub": lambda x, s: x - s,
    "rsub": lambda x, s: s - x,
    "mul": lambda x, s: x * s,
    "div": lambda x, s: x / s,
    "rdiv": lambda x, s: s / x,
    "pow": lambda x, s: x**s,
    "rpow": lambda x, s: s**x,
    "eq": lambda x, s: x == s,
    "gt": lambda x, s: x > s,
    "rlt": lambda x, s: s < x,
    "where": lambda x, s: x.where(x > 1, s),
    "clamp": lambda x, s: x.clamp(max=s),
    "masked_fill": lambda x, s: x.masked_fill(x > 1, s),
}


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("name", DTYPES)
def test_tensor_scalar_promotion(name: str, scalar: Any) -> None:
    """A Python number counts as the default dtype of its kind, below any tensor of that kind;
    an int outside the tensor's range wraps around (uint8 tensor + 300)."""
    for (op, fn), zero_dim in itertools.product(SCALAR_OPS.items(), (False, True)):
        assert_same_outcome(
            lambda lib: fn(make(lib, name, zero_dim), scalar), f"{op}({name}{'[0d]' * zero_dim}, {scalar!r})"
        )


UNARY = {
    "exp": lambda lib, x: lib.exp(x),
    "log": lambda lib, x: x.log(),
    "sqrt": lambda lib, x: lib.sqrt(x),
    "sin": lambda lib, x: lib.sin(x),
    "cos": lambda lib, x: x.cos(),
    "tanh": lambda lib, x: lib.tanh(x),
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "abs": lambda lib, x: lib.abs(x),
    "neg": lambda lib, x: -x,
    "relu": lambda lib, x: lib.relu(x),
    "square": lambda lib, x: lib.square(x),
    "clamp_int": lambda lib, x: x.clamp(0, 1),
    "clamp_float": lambda lib, x: lib.clamp(x, min=0.5),
    "logical_not": lambda lib, x: lib.logical_not(x),
    "invert": lambda lib, x: ~x,
}


@pytest.mark.parametrize("name", DTYPES)
@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_result_dtype(op: str, name: str) -> None:
    """Floating-only functions of integers and bools give the default float; the rest keep the dtype."""
    assert_same_outcome(lambda lib: UNARY[op](lib, make(lib, name, False)), f"{op}({name})")


# The cases the rules are usually explained with, each spelled out.
NAMED = [
    ("int32 + 2.5", lambda lib: lib.tensor([1, 2], dtype=lib.int32) + 2.5, "float32"),
    ("int64 + float64 0-dim", lambda lib: lib.tensor([1, 2]) + lib.tensor(1.5, dtype=lib.float64), "float64"),
    ("float32 + float64 0-dim", lambda lib: lib.ones(2) + lib.tensor(1.5, dtype=lib.float64), "float32"),
    ("int8 + int64 0-dim", lambda lib: lib.ones(2, dtype=lib.int8) + lib.tensor(300), "int8"),
    ("int8 0-dim + 2.5", lambda lib: lib.tensor(1, dtype=lib.int8) + 2.5, "float32"),
    ("uint8 + int8", lambda lib: lib.ones(2, dtype=lib.uint8) + lib.ones(2, dtype=lib.int8), "int16"),
    ("bool + bool", lambda lib: lib.tensor([True]) + lib.tensor([True, False]), "bool"),
    ("bool + 1", lambda lib: lib.tensor([True]) + 1, "int64"),
    ("float16 + int64", lambda lib: lib.ones(2, dtype=lib.float16) + lib.tensor([1, 2]), "float16"),
    ("float16 + 1e3", lambda lib: lib.ones(2, dtype=lib.float16) * 1e3, "float16"),
    ("int / int", lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 2]), "float32"),
    ("int / 2", lambda lib: lib.tensor([1, 2], dtype=lib.int16) / 2, "float32"),
    ("int // int", lambda lib: lib.tensor([-3, 3]) // lib.tensor([2, 2]), "int64"),
    ("int ** 2", lambda lib: lib.tensor([1, 2], dtype=lib.uint8) ** 2, "uint8"),
    ("int ** 0.5", lambda lib: lib.tensor([1, 4]) ** 0.5, "float32"),
    ("int ** int tensor < 0", lambda lib: lib.tensor([2, 1, -1]) ** lib.tensor([-1, -2, -3]), "int64"),
    ("2 ** int tensor", lambda lib: 2 ** lib.tensor([-1, 3]), "int64"),
]


@pytest.mark.parametrize("fn,want", [(n[1], n[2]) for n in NAMED], ids=[n[0] for n in NAMED])
def test_named_promotions(fn: Callable[[Any], Any], want: str) -> None:
    assert str(fn(torch).dtype) == f"torch.{want}"  # the expectation itself is torch's
    assert str(fn(minitorch).dtype) == f"torch.{want}"
    assert_same_outcome(fn, "values")


@pytest.mark.parametrize(
    "fn,exc,match",
    [
        (lambda lib: lib.tensor([2, 3]) ** -1, RuntimeError, "Integers to negative integer powers are not allowed"),
        (lambda lib: lib.tensor([2], dtype=lib.uint8).pow(-2), RuntimeError, "Integers to negative integer powers"),
        (
            lambda lib: lib.tensor([True]) ** lib.tensor([True]),
            NotImplementedError,
            "\"pow\" not implemented for 'Bool'",
        ),
        (lambda lib: lib.tensor([1, 2]).add(1, alpha=0.5), RuntimeError, "alpha must not be a floating point"),
    ],
)
def test_promotion_errors(fn: Callable[[Any], Any], exc: type, match: str) -> None:
    for lib in (torch, minitorch):
        with pytest.raises(exc, match=match) as info:
            fn(lib)
        assert type(info.value) is exc


@pytest.fixture
def float64_default() -> Iterator[None]:
    """torch's and minitorch's default dtype set to float64 for one test."""
    torch.set_default_dtype(torch.float64)
    minitorch.set_default_dtype(minitorch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(torch.float32)
        minitorch.set_default_dtype(minitorch.float32)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 2]),
        lambda lib: lib.tensor([1, 2], dtype=lib.int32) + 2.5,
        lambda lib: lib.exp(lib.tensor([1, 2])),
        lambda lib: lib.tensor([True]) * 0.5,
        lambda lib: lib.ones(2, dtype=lib.float32) + 2.5,  # a float tensor keeps its own dtype
        lambda lib: lib.ones(2, dtype=lib.float16) / 3,
    ],
)
def test_promotion_follows_default_dtype(float64_default: None, fn: Callable[[Any], Any]) -> None:
    assert_same_outcome(fn, "with float64 as the default")


# In-place ops keep the tensor's dtype; a result of a higher category (bool < int < float) cannot
# be written back and raises. Pairs: (tensor's dtype, operation).
INPLACE = [
    ("int64", lambda x, lib: x.add_(1.5)),
    ("int32", lambda x, lib: x.add_(lib.tensor([0.5, 1.5]))),
    ("int8", lambda x, lib: x.mul_(lib.tensor([2.0], dtype=lib.float64))),
    ("int16", lambda x, lib: x.mul_(lib.tensor(2.0))),
    ("int64", lambda x, lib: x.div_(2)),
    ("int64", lambda x, lib: x.div_(2, rounding_mode="floor")),
    ("uint8", lambda x, lib: x.sub_(1.0)),
    ("bool", lambda x, lib: x.add_(1)),
    ("bool", lambda x, lib: x.mul_(lib.tensor([True, False]))),
    ("int64", lambda x, lib: x.pow_(0.5)),
    ("int64", lambda x, lib: x.clamp_(min=0.5)),
    ("uint8", lambda x, lib: x.add_(lib.tensor([300, 1]))),  # int64 result, cast back: allowed
    ("int32", lambda x, lib: x.add_(True)),
    ("float32", lambda x, lib: x.add_(lib.tensor([1.5], dtype=lib.float64))),
    ("float16", lambda x, lib: x.mul_(2.5)),
    ("float64", lambda x, lib: x.sub_(lib.tensor([1, 2]))),
]


@pytest.mark.parametrize("name,op", INPLACE, ids=[f"{i}-{n}" for i, (n, _) in enumerate(INPLACE)])
def test_inplace_cast_rule(name: str, op: Callable[[Any, Any], Any]) -> None:
    def run(lib: Any) -> Any:
        x = make(lib, name, False)
        out = op(x, lib)
        assert out is x and out.dtype == dt(lib, name)
        return x

    assert_same_outcome(run, f"in place on {name}", message=True)


@pytest.mark.parametrize("name", ["int64", "int32", "bool"])
def test_inplace_operator_cast_rule(name: str) -> None:
    """``x += 1.5`` is ``x.add_(1.5)``: an integer tensor refuses the float result."""
    x = make(minitorch, name, False)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type"):
        x += 1.5
    np.testing.assert_array_equal(x.numpy(), make(minitorch, name, False).numpy())  # left unchanged
