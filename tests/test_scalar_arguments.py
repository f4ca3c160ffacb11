"""Python numbers as op arguments (full, fill_, x[i] = v, masked_fill, clamp, where, alpha, arithmetic and
comparison operands) against torch, bit for bit, in every dtype; and what torch refuses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.parity import assert_same_as_torch
from tests.test_creation import LEAVES

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _base(lib: Any, dtype: str, requires_grad: bool = False) -> Any:
    x = lib.tensor([0, 1, 2], dtype=getattr(lib, dtype))
    if requires_grad:
        x = x.detach().requires_grad_().clone()  # a non-leaf: in-place ops are recorded
    return x


def _setitem(x: Any, index: Any, value: Any) -> Any:
    x[index] = value
    return x


def _matrices(lib: Any, dtype: str, *fills: int, batched: bool = False) -> list:
    """1x1 bias and factors filled with ``fills`` (the factors 1x1x1 when ``batched``): the product's
    coefficient is then the whole result."""
    shapes = [(1, 1)] + [(1, 1, 1) if batched else (1, 1)] * 2
    return [lib.full(s, f, dtype=getattr(lib, dtype)) for s, f in zip(shapes, fills)]


# Each takes (lib, dtype, value); the number is the argument under test.
USES = {
    "full": lambda lib, dt, v: lib.full((2,), v, dtype=getattr(lib, dt)),
    "full_inferred": lambda lib, dt, v: lib.full((2,), v),
    "full_like": lambda lib, dt, v: lib.full_like(_base(lib, dt), v),
    "new_full": lambda lib, dt, v: _base(lib, dt).new_full((2,), v),
    "fill_": lambda lib, dt, v: _base(lib, dt).fill_(v),
    "setitem": lambda lib, dt, v: _setitem(_base(lib, dt), 1, v),
    "setitem_slice": lambda lib, dt, v: _setitem(_base(lib, dt), slice(None), v),
    "setitem_mask": lambda lib, dt, v: _setitem(_base(lib, dt), lib.tensor([True, False, True]), v),
    "masked_fill": lambda lib, dt, v: _base(lib, dt).masked_fill(lib.tensor([True, False, True]), v),
    "clamp_min": lambda lib, dt, v: _base(lib, dt).clamp(min=v),
    "clamp_max": lambda lib, dt, v: _base(lib, dt).clamp(max=v),
    "where": lambda lib, dt, v: lib.where(lib.tensor([True, False, True]), v, _base(lib, dt)),
    "add": lambda lib, dt, v: _base(lib, dt) + v,
    "radd": lambda lib, dt, v: v + _base(lib, dt),
    "sub": lambda lib, dt, v: _base(lib, dt) - v,
    "rsub": lambda lib, dt, v: v - _base(lib, dt),
    "eq": lambda lib, dt, v: _base(lib, dt) == v,
    "lt": lambda lib, dt, v: _base(lib, dt) < v,
    "ge": lambda lib, dt, v: _base(lib, dt) >= v,
    "add_": lambda lib, dt, v: _base(lib, dt).add_(v),
    "alpha": lambda lib, dt, v: _base(lib, dt).add(_base(lib, dt), alpha=v),
    "fill": lambda lib, dt, v: lib.fill(_base(lib, dt), v),
    "scatter_value": lambda lib, dt, v: _base(lib, dt).scatter(0, lib.tensor([0, 2]), v),
    "index_fill": lambda lib, dt, v: _base(lib, dt).index_fill(0, lib.tensor([0, 2]), v),
    "index_add_alpha": lambda lib, dt, v: _base(lib, dt).index_add(0, lib.tensor([0, 2]), _base(lib, dt)[:2], alpha=v),
    "lerp_weight": lambda lib, dt, v: lib.lerp(_base(lib, dt), _base(lib, dt).flip(0), v),
    "addmm_alpha": lambda lib, dt, v: lib.addmm(*_matrices(lib, dt, 0, 1, 1), alpha=v),
    "addmm_beta": lambda lib, dt, v: lib.addmm(*_matrices(lib, dt, 1, 0, 0), beta=v),
    "addbmm_alpha": lambda lib, dt, v: lib.addbmm(*_matrices(lib, dt, 0, 1, 1, batched=True), alpha=v),
    "searchsorted": lambda lib, dt, v: lib.searchsorted(_base(lib, dt), v),
    "searchsorted_right": lambda lib, dt, v: lib.searchsorted(_base(lib, dt), v, right=True),
    "leaky_relu": lambda lib, dt, v: lib.nn.functional.leaky_relu(_base(lib, dt) - 1, v),
    "hardtanh_max": lambda lib, dt, v: lib.nn.functional.hardtanh(_base(lib, dt), -1, v),
    "threshold_value": lambda lib, dt, v: lib.nn.functional.threshold(_base(lib, dt), 0.5, v),
}
# float16 arithmetic in torch computes in float32 with the number as a float32 (its "opmath"); numpy
# computes in float16 with the number rounded to float16. Only these uses are exact there.
HALF_EXACT = {
    "full",
    "full_inferred",
    "full_like",
    "new_full",
    "fill_",
    "setitem",
    "setitem_slice",
    "setitem_mask",
    "masked_fill",
    "clamp_min",
    "clamp_max",
    "where",
    "add",
    "radd",
    "sub",
    "rsub",
    "eq",
    "lt",
    "ge",
    "add_",
    "fill",
    "scatter_value",
    "index_fill",
    "searchsorted",
    "searchsorted_right",
}


@pytest.mark.parametrize("use", sorted(USES))
@given(dtype=st.sampled_from(DTYPES), value=LEAVES)
def test_numbers_as_arguments_match_torch_bit_for_bit(use: str, dtype: str, value: Any) -> None:
    if dtype == "float16" and use not in HALF_EXACT:
        return
    assert_same_as_torch(lambda lib: USES[use](lib, dtype, value))


@pytest.mark.parametrize("use", ["fill_", "setitem", "setitem_mask", "masked_fill", "clamp_min", "add"])
@given(
    dtype=st.sampled_from(["float16", "float32", "float64"]),
    value=st.one_of(st.floats(width=64), st.integers(-(2**64), 2**64)),
)
def test_numbers_as_arguments_of_recorded_ops(use: str, dtype: str, value: Any) -> None:
    """The same conversions when autograd records the op (a non-leaf that requires grad)."""
    ops = {
        "fill_": lambda x, v: x.fill_(v),
        "setitem": lambda x, v: _setitem(x, 1, v),
        "setitem_mask": lambda x, v: _setitem(x, x.detach() > 0, v),
        "masked_fill": lambda x, v: x.masked_fill(x.detach() > 0, v),
        "clamp_min": lambda x, v: x.clamp(min=v),
        "add": lambda x, v: x + v,
    }
    assert_same_as_torch(lambda lib: ops[use](_base(lib, dtype, requires_grad=True), value))


@pytest.mark.parametrize(
    "code, error, gist",
    [
        (
            "lib.full((2,), 300, dtype=lib.uint8)",
            RuntimeError,
            "value cannot be converted to type uint8_t without overflow",
        ),
        ("lib.full((2,), 2**63)", RuntimeError, "value cannot be converted to type int64_t without overflow"),
        ("lib.full((2,), 1e300)", RuntimeError, "value cannot be converted to type float without overflow"),
        ("lib.full((2,), 'a')", TypeError, "must be Number, not str"),
        ("lib.zeros(2).fill_('a')", TypeError, "fill_() received an invalid combination of arguments - got (str)"),
        ("lib.zeros(2).fill_(None)", TypeError, "fill_() received an invalid combination of arguments"),
        ("lib.zeros(2).fill_([1])", TypeError, "fill_() received an invalid combination of arguments"),
        ("lib.zeros(2).fill_(lib.ones(2))", RuntimeError, "fill_ only supports 0-dimension value tensor"),
        ("lib.zeros(2, dtype=lib.uint8).fill_(300)", RuntimeError, "uint8_t without overflow"),
        ("lib.zeros(2, dtype=lib.int64).fill_(2**64)", OverflowError, "int too big to convert"),
        ("lib.zeros(2, dtype=lib.int64).fill_(-2**63 - 1)", OverflowError, "can't convert negative int to unsigned"),
        ("lib.zeros(2, dtype=lib.int64).fill_(float('nan'))", RuntimeError, "int64_t without overflow"),
        ("lib.zeros(2).__setitem__(0, 'a')", TypeError, "can't assign a str to a torch.FloatTensor"),
        ("lib.zeros(2).__setitem__(slice(None), [1., 2.])", TypeError, "can't assign a list to a torch.FloatTensor"),
        ("lib.zeros(2).__setitem__(slice(None), np.ones(2))", TypeError, "can't assign a numpy.ndarray"),
        ("lib.zeros(2, dtype=lib.uint8).__setitem__(0, 300)", RuntimeError, "uint8_t without overflow"),
        ("lib.zeros(2).masked_fill(lib.tensor([True, False]), 'a')", TypeError, "received an invalid combination"),
        ("lib.zeros(2).clamp(min='a')", TypeError, "received an invalid combination"),
        (
            "lib.zeros(2, dtype=lib.uint8).add(lib.ones(2, dtype=lib.uint8), alpha=300)",
            RuntimeError,
            "uint8_t without overflow",
        ),
        ("lib.zeros(2, dtype=lib.uint8) + 2**70", OverflowError, "int too big to convert"),
        ("lib.zeros(2) + 2**70", OverflowError, "int too big to convert"),
        ("lib.zeros(2) + 'a'", TypeError, "unsupported operand type(s) for +: 'Tensor' and 'str'"),
        ("lib.zeros(2) + [1., 2.]", TypeError, "unsupported operand type(s) for +: 'Tensor' and 'list'"),
        ("None - lib.zeros(2)", TypeError, "unsupported operand type(s) for -: 'NoneType' and 'Tensor'"),
        ("lib.zeros(2) < None", TypeError, "'<' not supported between instances of 'Tensor' and 'NoneType'"),
        ("lib.zeros(2, dtype=lib.uint8).scatter(0, lib.tensor([0]), 300)", RuntimeError, "uint8_t without overflow"),
        ("lib.fill(lib.zeros(2, dtype=lib.int8), 128)", RuntimeError, "int8_t without overflow"),
        ("lib.fill(lib.zeros(2), 'a')", TypeError, "fill() received an invalid combination of arguments"),
        (
            "lib.zeros(2, dtype=lib.float16).index_fill(0, lib.tensor([0]), lib.tensor(1e6))",
            RuntimeError,
            "c10::Half without overflow",
        ),
        (
            "lib.zeros(2, dtype=lib.int64).index_add(0, lib.tensor([0]), lib.ones(1, dtype=lib.int64), alpha=float('nan'))",
            RuntimeError,
            "int64_t without overflow",
        ),
        (
            "lib.lerp(lib.zeros(2, dtype=lib.float16), lib.ones(2, dtype=lib.float16), 1e300)",
            RuntimeError,
            "type float",
        ),
        ("lib.lerp(lib.zeros(2), lib.ones(2), 2**64)", OverflowError, "int too big to convert"),
        ("lib.addmm(*[lib.ones(1, 1, dtype=lib.int8)] * 3, beta=1e300)", RuntimeError, "int8_t without overflow"),
        ("lib.addmm(*[lib.ones(1, 1, dtype=lib.bool)] * 3)", NotImplementedError, "not implemented for 'Bool'"),
        (
            "lib.addmv(lib.ones(1, dtype=lib.float16), lib.ones(1, 1, dtype=lib.float16), lib.ones(1, dtype=lib.float16), "
            "beta=1e6)",
            RuntimeError,
            "c10::Half without overflow",
        ),
        ("lib.baddbmm(*[lib.ones(1, 1, 1, dtype=lib.float16)] * 3, alpha=1e300)", RuntimeError, "type float without"),
        (
            "lib.histc(lib.tensor([1, 2], dtype=lib.int8), bins=3, min=0, max=300)",
            RuntimeError,
            "int8_t without overflow",
        ),
        (
            "lib.histc(lib.ones(2, dtype=lib.float16), bins=3, min=0, max=1e6)",
            RuntimeError,
            "c10::Half without overflow",
        ),
        ("lib.histc(lib.ones(2), bins=3, min=0, max=2**64)", OverflowError, "int too big to convert"),
        ("lib.histc(lib.tensor([1, 2]), bins=3, min=0, max=3)", NotImplementedError, '"histogram_cpu" not implemented'),
        ("lib.histc(lib.tensor([True]), bins=3, min=0, max=3)", NotImplementedError, '"linspace_cpu" not implemented'),
        (
            "lib.isclose(lib.ones(2), lib.ones(2), atol=float('nan'))",
            RuntimeError,
            "atol must be greater than or equal",
        ),
        ("F.leaky_relu(lib.ones(2), 1e300)", RuntimeError, "type float without overflow"),
        ("F.hardtanh(lib.ones(2, dtype=lib.uint8))", RuntimeError, "unsigned type with negative limits"),
        ("F.leaky_relu(lib.ones(2), 2**64)", OverflowError, "int too big to convert"),
        ("F.hardtanh(lib.ones(2, dtype=lib.float16), -1.0, 1e6)", RuntimeError, "c10::Half without overflow"),
        ("F.threshold(lib.ones(2, dtype=lib.float16), 1e300, 0.0)", RuntimeError, "type float without overflow"),
        ("F.threshold(lib.ones(2, dtype=lib.float16), 0.5, 1e6)", RuntimeError, "c10::Half without overflow"),
        ("F.hardshrink(lib.ones(2, dtype=lib.float16), 1e6)", RuntimeError, "c10::Half without overflow"),
        ("F.softshrink(lib.ones(2), float('nan'))", RuntimeError, "lambda must be in range [0, 3.40282e+38]"),
        ("F.softshrink(lib.ones(2), 1e300)", RuntimeError, "for input dtype Float, but found 1e+300"),
        ("F.elu(lib.ones(2, dtype=lib.float16), 1e300)", RuntimeError, "type float without overflow"),
        ("F.celu(lib.ones(2), 2**64)", OverflowError, "int too big to convert"),
        ("F.softplus(lib.ones(2), 1.0, 1e300)", RuntimeError, "type float without overflow"),
        (
            "lib.maximum(lib.zeros(2), 0.5)",
            TypeError,
            "maximum(): argument 'other' (position 2) must be Tensor, not float",
        ),
    ],
)
def test_refused_numbers_raise_as_torch(code: str, error: Any, gist: str) -> None:
    for lib in (torch, minitorch):
        with pytest.raises(error) as info:
            eval(code, {"lib": lib, "np": np, "F": lib.nn.functional})
        assert gist in str(info.value), (lib.__name__, info.value)


def test_tensor_equals_none_is_false_as_in_torch() -> None:
    for lib in (torch, minitorch):
        x = lib.zeros(2)
        assert (x == None) is False and (x != None) is True and (x == "a") is False  # noqa: E711


def test_fill_zero_and_copy_keep_old_inf_and_nan_out_of_the_result() -> None:
    """Recorded fill_, zero_ and copy_ write the new values, not old * 0 + new (inf * 0 is NaN)."""
    for expr in ["y.fill_(3.)", "y.zero_()", "y.copy_(lib.tensor([5., 6., 7.]))", "y.fill_(lib.tensor(2.))"]:
        grads = []
        for lib in (torch, minitorch):
            x = lib.tensor([float("inf"), float("nan"), 1.0], requires_grad=True)
            y = x.clone()
            out = eval(expr, {"y": y, "lib": lib})
            assert out.tolist() == eval(expr, {"y": torch.zeros(3), "lib": torch}).tolist()
            out.sum().backward()
            grads.append((x.grad.tolist(), out.grad_fn.name().replace("torch::autograd::", "")))
        assert grads[0] == grads[1]
