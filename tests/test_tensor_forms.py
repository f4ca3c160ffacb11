"""More Tensor spellings and small functions against torch: in-place forms of elementwise, comparison, logical and
bitwise ops and of the arithmetic aliases, in-place shape changes, fill_diagonal_, the small methods and
properties (positive, aminmax, logaddexp2, nbytes, storage_offset, mH, apply_, ...), and the top-level
functions and switches (broadcast_shapes, unravel_index, scalar_tensor, row_stack, set_printoptions,
deterministic algorithms, the float32 matmul precision, set_anomaly_enabled)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import parity
from tests import strategies as S

# (name, fn(lib, x, y)): an in-place value form on a non-leaf, the gradient flowing through it
DIFFERENTIABLE = [
    ("sin_", lambda lib, x, y: (x * 1).sin_()),
    ("cos_", lambda lib, x, y: (x * 1).cos_()),
    ("square_", lambda lib, x, y: (x * 1).square_()),
    ("absolute_", lambda lib, x, y: (x * 1).absolute_()),
    ("negative_", lambda lib, x, y: (x * 1).negative_()),
    ("multiply_", lambda lib, x, y: (x * 1).multiply_(y)),
    ("subtract_", lambda lib, x, y: (x * 1).subtract_(y, alpha=2)),
    ("divide_", lambda lib, x, y: (x * 1).divide_(y + 2)),
    ("true_divide_", lambda lib, x, y: (x * 1).true_divide_(y - 2)),
    ("ceil_floor_round", lambda lib, x, y: (x * 3).ceil_() + (x * 3).floor_() + (x * 3).round_(decimals=1) + x),
    ("sign_", lambda lib, x, y: (x * 1).sign_() * x),
    ("logaddexp2", lambda lib, x, y: x.logaddexp2(y) + lib.logaddexp2(y, x * 3)),
    ("positive", lambda lib, x, y: lib.positive(x) * x.positive()),
    ("aminmax", lambda lib, x, y: tuple(lib.aminmax(x)) + tuple(x.aminmax(dim=-1, keepdim=True))),
    ("adjoint", lambda lib, x, y: lib.adjoint(x.reshape(1, -1) * y.reshape(-1, 1)) + x.reshape(-1, 1).mH),
    ("transpose_", lambda lib, x, y: (x.reshape(1, -1) * 2).transpose_(0, 1) * y.reshape(-1, 1)),
    ("t_", lambda lib, x, y: (x.reshape(-1, 1) * y.reshape(-1, 1)).t_()),
    ("swapaxes_", lambda lib, x, y: (x.reshape(1, -1) * 2).swapaxes_(1, 0)),
    ("swapdims_", lambda lib, x, y: (x.reshape(1, 1, -1) * 2).swapdims_(0, 2)),
    ("squeeze_", lambda lib, x, y: (x.reshape(1, -1, 1) * 2).squeeze_() + (x.reshape(1, -1) * y).squeeze_(0)),
    ("unsqueeze_", lambda lib, x, y: (x * 2).unsqueeze_(0) * (y * 1).unsqueeze_(-1)),
    ("fill_diagonal_", lambda lib, x, y: (x.reshape(-1, 1) * y.reshape(1, -1)).fill_diagonal_(0.5)),
]


def _distinct(n: int, seed: int) -> np.ndarray:
    """n values in [-1, 1] on a grid with no ties and no halves (round's and aminmax's kinks)."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(np.arange(-n, n))[:n] + 0.3) / (n + 1)


@pytest.mark.parametrize("name,fn", DIFFERENTIABLE, ids=[r[0] for r in DIFFERENTIABLE])
@given(n=st.integers(1, 5), seed=st.integers(0, 100))
def test_differentiable_forms(name: str, fn: Callable, n: int, seed: int) -> None:
    x, y = _distinct(n, seed), _distinct(n, seed + 1)
    # (rounding jumps where finite differences may step across: its zero gradient against torch's only)
    parity.check_both(fn, x, y, gradcheck=name != "ceil_floor_round")


# (name, fn(lib, x, y)) on float and integer operands: values only
VALUES = [
    ("eq_", lambda lib, x, y: x.clone().eq_(y)),
    ("ne_", lambda lib, x, y: x.clone().ne_(y)),
    ("lt_", lambda lib, x, y: x.clone().lt_(y)),
    ("le_", lambda lib, x, y: x.clone().le_(2)),
    ("gt_", lambda lib, x, y: x.clone().gt_(y)),
    ("ge_", lambda lib, x, y: x.clone().ge_(y)),
    ("not_equal_", lambda lib, x, y: x.clone().not_equal_(y)),
    ("less_", lambda lib, x, y: x.clone().less_(y)),
    ("less_equal_", lambda lib, x, y: x.clone().less_equal_(y)),
    ("greater_", lambda lib, x, y: x.clone().greater_(y)),
    ("greater_equal_", lambda lib, x, y: x.clone().greater_equal_(y)),
    ("logical_and_", lambda lib, x, y: x.clone().logical_and_(y)),
    ("logical_or_", lambda lib, x, y: x.clone().logical_or_(y)),
    ("logical_xor_", lambda lib, x, y: x.clone().logical_xor_(y)),
    ("logical_not_", lambda lib, x, y: x.clone().logical_not_()),
    ("floor_divide_", lambda lib, x, y: x.clone().floor_divide_(y + 10)),
    ("remainder_", lambda lib, x, y: x.clone().remainder_(y + 10)),
    ("heaviside_", lambda lib, x, y: x.clone().heaviside_(y)),
]
BITS = [
    ("bitwise_and_", lambda lib, x, y: x.clone().bitwise_and_(y)),
    ("bitwise_or_", lambda lib, x, y: x.clone().bitwise_or_(y)),
    ("bitwise_xor_", lambda lib, x, y: x.clone().bitwise_xor_(y)),
    ("bitwise_not_", lambda lib, x, y: x.clone().bitwise_not_()),
]


# every value form on int64 operands, the non-bitwise ones on float64 too
VALUE_CASES = [(n, f, "int64") for n, f in VALUES + BITS] + [(n, f, "float64") for n, f in VALUES]


@pytest.mark.parametrize("name,fn,kind", VALUE_CASES, ids=[f"{r[0]}-{r[2]}" for r in VALUE_CASES])
@given(data=st.data())
def test_value_forms(name: str, fn: Callable, kind: str, data: st.DataObject) -> None:
    shape = data.draw(S.shapes(max_dims=2, max_side=4), label="shape")
    x, y = (np.asarray(data.draw(S.ints(shape, -3, 3), label=n)).astype(kind) for n in "xy")
    for lib in (torch, minitorch):
        t = lib.tensor(x)
        out = fn(lib, t, lib.tensor(y))
        if lib is torch:
            want = out
        else:
            got = out
    parity.assert_close(got, want, 0, 0, name)


NO_OPERAND = {"sin_", "cos_", "square_", "absolute_", "negative_", "sign_", "squeeze_", "t_", "logical_not_",
              "bitwise_not_", "round_", "ceil_", "floor_"}  # fmt: skip
SHAPE_ARGUMENTS = {"transpose_": (0, 1), "swapaxes_": (0, 1), "swapdims_": (0, 1), "unsqueeze_": (0,)}
INPLACE = sorted({r[0] for r in DIFFERENTIABLE + VALUES + BITS if r[0].endswith("_")} | {"ceil_", "floor_", "round_"})


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_forms_return_their_tensor(name: str) -> None:
    """Each in-place form returns the tensor it changed (with torch's values); a value form bumps its version."""
    results = []
    for lib in (torch, minitorch):
        t = lib.tensor([[3, 1], [4, 2]], dtype=lib.int64 if name.startswith("bitwise") else lib.float64)
        before = t._version
        if name in NO_OPERAND:
            args: tuple = ()
        elif name == "fill_diagonal_":
            args = (1,)
        else:
            args = SHAPE_ARGUMENTS.get(name, (t.clone().flip(0),))
        result = getattr(t, name)(*args)
        assert result is t, name
        if name not in ("t_", "squeeze_", *SHAPE_ARGUMENTS):
            assert t._version > before, name
        results.append(t)
    parity.assert_close(results[1], results[0], 0, 0, name)


def test_fill_diagonal_shapes_and_wrap() -> None:
    for shape, wrap in [((3, 3), False), ((5, 3), False), ((7, 3), True), ((3, 5), True), ((2, 2, 2), False)]:
        parity.assert_same_as_torch(lambda lib, shape=shape, wrap=wrap: lib.zeros(shape).fill_diagonal_(2.5, wrap))
    parity.raises_like(lambda lib: lib.zeros(3).fill_diagonal_(1), "dimensions must larger than 1")
    parity.raises_like(lambda lib: lib.zeros(2, 3, 2).fill_diagonal_(1), "all dimensions of input must be of equal")


def test_small_methods_and_properties() -> None:
    for lib in (torch, minitorch):
        x = lib.arange(12, dtype=lib.float32).reshape(3, 4)
        view = x[1:, 2:]
        facts = (
            x.nbytes, x.itemsize, x.element_size(), view.storage_offset(), x.storage_offset(),
            view.data_ptr() - x.data_ptr(), x.is_cpu, x.get_device(), x.is_signed(),
            lib.ones(1, dtype=lib.uint8).is_signed(), x.is_complex(), x.is_conj(), x.is_neg(),
            x.is_same_size(view), x.is_same_size(x.clone()), lib.tensor([0.0]).is_nonzero(),
            tuple(x.H.shape), tuple(x.mH.shape), lib.is_same_size(x, x), lib.is_signed(x), lib.is_complex(x),
            lib.is_nonzero(lib.tensor(3)),
        )  # fmt: skip
        if lib is torch:
            want = facts
        else:
            got = facts
        y = x.clone()
        y.apply_(lambda v: v * 2 + 1)
        y.map_(lib.tensor([1.0, 0.0, 1.0, 0.0]), lambda a, b: a * b)
        if lib is torch:
            want_mapped = y
        else:
            got_mapped = y
    assert got == want
    parity.assert_close(got_mapped, want_mapped, 0, 0, "apply_ and map_")
    parity.raises_like(lambda lib: lib.ones(2).is_nonzero(), "Boolean value of Tensor with more than one value")
    parity.raises_like(lambda lib: lib.ones(0).is_nonzero(), "Boolean value of Tensor with no values")
    parity.raises_like(lambda lib: lib.ones(2, 2, 2).H, "is only supported on matrices")
    parity.raises_like(lambda lib: lib.positive(lib.ones(2, dtype=lib.bool)), exact=True)
    parity.raises_like(lambda lib: lib.aminmax(lib.ones(0)), exact=True)
    assert minitorch.positive(x) is x
    with pytest.raises(RuntimeError):
        minitorch.ones(2, requires_grad=True).apply_(lambda v: v)


def test_top_level_functions() -> None:
    for shapes in [((2, 1), (3,), (1, 1, 1)), (2, (3, 1), (1, 1)), ((0, 1), (1, 4)), ()]:
        got = minitorch.broadcast_shapes(*shapes)
        assert isinstance(got, minitorch.Size) and got == torch.broadcast_shapes(*shapes)
    parity.raises_like(lambda lib: lib.broadcast_shapes((2, 3), (4,)), exact=True)
    for flat, shape in [([4, 1, 0, 5], (2, 3)), ([[7, 11]], (2, 2, 3)), (5, 6)]:
        want = torch.unravel_index(torch.tensor(flat), shape)
        got = minitorch.unravel_index(minitorch.tensor(flat), shape)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            parity.assert_close(g, w, 0, 0, "unravel_index")
    parity.raises_like(lambda lib: lib.unravel_index(lib.tensor([1.5]), (2, 3)), exact=True)
    parity.assert_same_as_torch(lambda lib: lib.scalar_tensor(3))
    parity.assert_same_as_torch(lambda lib: lib.scalar_tensor(2, dtype=lib.int64))
    parity.assert_same_as_torch(lambda lib: lib.row_stack((lib.ones(2), lib.arange(2.0), lib.zeros(2, 2))))


PRINT_CASES = [
    {"precision": 2},
    {"sci_mode": True},
    {"sci_mode": False},
    {"threshold": 5, "edgeitems": 1},
    {"profile": "short"},
    {"profile": "full"},
    {"linewidth": 30},
]


@pytest.mark.parametrize("options", PRINT_CASES, ids=[str(o) for o in PRINT_CASES])
def test_set_printoptions(options: dict) -> None:
    values = [np.array([1.23456, 2.5]), np.arange(20.0), np.array([1.0, 2000.0]), np.linspace(-1e-5, 3, 1200)]
    try:
        for lib in (torch, minitorch):
            lib.set_printoptions(**options)
            text = [repr(lib.tensor(v)) for v in values] + [repr(lib.tensor(v.astype(np.float32))) for v in values]
            if lib is torch:
                want = text
            else:
                got = text
    finally:
        torch.set_printoptions(profile="default")
        minitorch.set_printoptions(profile="default")
    assert got == want


def test_global_switches() -> None:
    for lib in (torch, minitorch):
        try:
            lib.use_deterministic_algorithms(True, warn_only=True)
            assert lib.are_deterministic_algorithms_enabled() and lib.is_deterministic_algorithms_warn_only_enabled()
        finally:
            lib.use_deterministic_algorithms(False)
        assert not lib.are_deterministic_algorithms_enabled()
        assert lib.get_float32_matmul_precision() == "highest"
        try:
            lib.set_float32_matmul_precision("medium")
            assert lib.get_float32_matmul_precision() == "medium" and lib.backends.cuda.matmul.allow_tf32
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                lib.set_float32_matmul_precision("low")
            assert any("is not one of 'highest', 'high', or 'medium'" in str(w.message) for w in caught)
        finally:
            lib.set_float32_matmul_precision("highest")
        assert not lib.backends.cuda.matmul.allow_tf32
        try:
            lib.set_anomaly_enabled(True, check_nan=False)
            assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
        finally:
            lib.set_anomaly_enabled(False)
        assert not lib.is_anomaly_enabled()


def test_value_forms_record_no_gradient_where_torch_has_none() -> None:
    """A comparison written in place over a tensor that required grad: the values as torch's."""
    for lib in (torch, minitorch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
        x.gt_(1.5)
        if lib is torch:
            want: Any = x.detach()
        else:
            got = x.detach()
    parity.assert_close(got, want, 0, 0, "gt_")


def test_remaining_spellings() -> None:
    """The functional and method spellings the other tests reach only through another name."""
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (2, 3, 4))
    parity.check_both(lambda lib, t: t.adjoint() * 2, x)
    parity.check_both(lambda lib, t: lib.nn.functional.pixel_unshuffle(t.reshape(1, 2, 2, 6), 2), x)
    parity.check_both(lambda lib, t: t.resolve_conj() * t.resolve_neg(), x)
    parity.check_both(
        lambda lib, t: lib.nn.functional.max_unpool1d(*lib.nn.functional.max_pool1d(t, 2, return_indices=True), 2),
        x,
    )
    parity.check_parity(lambda lib, t: (t.detach().abs() + 0.5).float_power_(2), x, grad=False)
    parity.raises_like(lambda lib: lib.ones(2).float_power_(2), "the base given to float_power_ has dtype Float")
    q, k, v = (rng.uniform(-1, 1, (3, 2, 4)) for _ in range(3))
    weights = rng.uniform(-0.5, 0.5, (12, 4))

    def attention(lib: Any, q: Any, k: Any, v: Any) -> Any:
        w = lib.tensor(weights, dtype=q.dtype)
        return lib.nn.functional.multi_head_attention_forward(
            q, k, v, 4, 2, w, None, None, None, False, 0.0, w[:4], None, training=False
        )

    parity.check_both(attention, q, k, v)


@pytest.mark.parametrize("values", [[1.0, 2.22507386e-311], [5e-324, 1e300], [7.4e-312, 0.0, -3.0]])
def test_the_repr_of_subnormal_values_is_torch_s_without_a_warning(values: list) -> None:
    """A subnormal smallest value made the format's largest / smallest ratio overflow (numpy's warning, an error
    under -W error); torch prints such tensors in scientific notation."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = repr(minitorch.tensor(values, dtype=minitorch.float64))
    assert ours == repr(torch.tensor(values, dtype=torch.float64))
