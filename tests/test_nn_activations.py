"""The nonlinearities of nn.functional and their modules against torch: values and gradients in float64
and float32, finite differences, bit-for-bit float32 agreement of the piecewise-linear ones (kinks,
infinities and NaN included), stability far out, in-place variants, PReLU's weight, reprs, errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.backend import HOST
from tests import strategies as S
from tests.parity import check_both, raises_like
from tests.test_nn_layers import DTYPES, check_layer


def F(lib: Any) -> Any:
    return lib.nn.functional


def scaled(factor: float, *kinks: float) -> Callable[[np.ndarray], np.ndarray]:
    """Values in [-factor, factor], nudged off the points where the function has a kink."""
    return lambda a: S.away_from(np.asarray(a) * factor, kinks, margin=1e-2)


# (id, fn(lib, x), domain): values from [-1, 1] mapped by the domain.
ACTIVATIONS = [
    ("leaky_relu", lambda lib, x: F(lib).leaky_relu(x), scaled(1, 0.0)),
    ("leaky_relu slope", lambda lib, x: F(lib).leaky_relu(x, -0.3), scaled(1, 0.0)),
    ("elu", lambda lib, x: F(lib).elu(x), scaled(3, 0.0)),
    ("elu alpha", lambda lib, x: F(lib).elu(x, alpha=0.7), scaled(3, 0.0)),
    ("selu", lambda lib, x: F(lib).selu(x), scaled(3, 0.0)),
    ("celu", lambda lib, x: F(lib).celu(x, 1.7), scaled(3, 0.0)),
    ("gelu", lambda lib, x: F(lib).gelu(x), scaled(5)),
    ("gelu tanh", lambda lib, x: F(lib).gelu(x, approximate="tanh"), scaled(5)),
    ("silu", lambda lib, x: F(lib).silu(x), scaled(6)),
    ("mish", lambda lib, x: F(lib).mish(x), scaled(6)),
    ("softplus", lambda lib, x: F(lib).softplus(x), scaled(6)),
    ("softplus beta threshold", lambda lib, x: F(lib).softplus(x, beta=2, threshold=1), scaled(2, 0.5)),
    ("logsigmoid", lambda lib, x: F(lib).logsigmoid(x), scaled(8)),
    ("hardtanh", lambda lib, x: F(lib).hardtanh(x), scaled(2, -1.0, 1.0)),
    ("hardtanh bounds", lambda lib, x: F(lib).hardtanh(x, -0.5, 0.25), scaled(1, -0.5, 0.25)),
    ("relu6", lambda lib, x: F(lib).relu6(x), scaled(8, 0.0, 6.0)),
    ("hardsigmoid", lambda lib, x: F(lib).hardsigmoid(x), scaled(4, -3.0, 3.0)),
    ("hardswish", lambda lib, x: F(lib).hardswish(x), scaled(4, -3.0, 3.0)),
    ("threshold", lambda lib, x: F(lib).threshold(x, 0.2, -2.0), scaled(1, 0.2)),
    ("hardshrink", lambda lib, x: F(lib).hardshrink(x, 0.3), scaled(1, -0.3, 0.3)),
    ("hardshrink method", lambda lib, x: x.hardshrink(), scaled(1, -0.5, 0.5)),
    ("hardshrink top level", lambda lib, x: lib.hardshrink(x, 0.2), scaled(1, -0.2, 0.2)),
    ("softshrink", lambda lib, x: F(lib).softshrink(x, 0.3), scaled(1, -0.3, 0.3)),
    ("tanhshrink", lambda lib, x: F(lib).tanhshrink(x), scaled(3)),
    ("softsign", lambda lib, x: F(lib).softsign(x), scaled(3, 0.0)),
    ("softmin", lambda lib, x: F(lib).softmin(x, dim=-1), scaled(3)),
    ("prelu one weight", lambda lib, x: F(lib).prelu(x, lib.tensor([0.3], dtype=x.dtype)), scaled(1, 0.0)),
    ("prelu top level", lambda lib, x: lib.prelu(x, lib.tensor([-0.2], dtype=x.dtype)), scaled(1, 0.0)),
    ("prelu method", lambda lib, x: x.prelu(lib.tensor([0.7], dtype=x.dtype)), scaled(1, 0.0)),
    ("softmax method", lambda lib, x: x.softmax(-1), scaled(3)),
    ("log_softmax method", lambda lib, x: x.log_softmax(0), scaled(3)),
    ("selu top level", lambda lib, x: lib.selu(x), scaled(2, 0.0)),
    ("celu top level", lambda lib, x: lib.celu(x), scaled(2, 0.0)),
    ("threshold top level", lambda lib, x: lib.threshold(x, -0.1, 0.5), scaled(1, -0.1)),
]


@pytest.mark.parametrize("name,fn,domain", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@given(data=st.data())
def test_activation_parity(name: str, fn: Callable, domain: Callable, data: st.DataObject) -> None:
    x = domain(data.draw(S.arrays(S.shapes(min_dims=1, max_dims=3, max_side=4)), label="x"))
    check_both(fn, x)


@given(x=S.arrays(S.shapes(min_dims=2, max_dims=4, max_side=4)), seed=st.integers(0, 2**16))
def test_prelu_per_channel_weight(x: np.ndarray, seed: int) -> None:
    weight = np.random.default_rng(seed).uniform(-1, 1, x.shape[1])
    check_both(lambda lib, t, w: F(lib).prelu(t, w), S.away_from(x), weight)


# Values at and around every kink, the infinities and NaN: float32 results and gradients bit for bit.
EDGES = np.array(
    [-np.inf, -7, -6, -3.5, -3, -2.5, -1, -0.5, -0.3, -0.25, -1e-30, -0.0, 0.0, 1e-30, 0.2, 0.25, 0.3, 0.5]
    + [1, 2.5, 3, 3.5, 6, 7, np.inf, np.nan]
)
PIECEWISE = {
    "leaky_relu": lambda lib, x: F(lib).leaky_relu(x, 0.07),
    "hardtanh": lambda lib, x: F(lib).hardtanh(x, -0.25, 0.5),
    "relu6": lambda lib, x: F(lib).relu6(x),
    "hardsigmoid": lambda lib, x: F(lib).hardsigmoid(x),
    "hardswish": lambda lib, x: F(lib).hardswish(x),
    "threshold": lambda lib, x: F(lib).threshold(x, 0.3, -1.5),
    "hardshrink": lambda lib, x: F(lib).hardshrink(x, 0.3),
    "softshrink": lambda lib, x: F(lib).softshrink(x, 0.3),
    "prelu": lambda lib, x: F(lib).prelu(x.T, lib.tensor([0.1, -2.0])).T,
}


@pytest.mark.parametrize("name", PIECEWISE)
def test_piecewise_linear_agree_bit_for_bit(name: str) -> None:
    x = np.stack([EDGES, EDGES[::-1]]).astype(np.float32)
    grad = np.linspace(-2, 3, x.size, dtype=np.float32).reshape(x.shape)
    results = []
    for lib in (minitorch, torch):
        t = lib.tensor(x, requires_grad=True)
        y = PIECEWISE[name](lib, t)
        y.backward(lib.tensor(grad))
        results.append((y.detach().numpy(), t.grad.numpy()))
    (mine_y, mine_g), (want_y, want_g) = results
    np.testing.assert_array_equal(mine_y, want_y)
    np.testing.assert_array_equal(mine_g, want_g)


@pytest.mark.parametrize("name", PIECEWISE)
@pytest.mark.parametrize("upstream", [np.inf, -np.inf, np.nan])
def test_piecewise_gradients_select_where_torch_selects(name: str, upstream: float) -> None:
    """An infinite or NaN gradient arriving where the slope is 0 gives 0, not NaN: torch selects there."""
    finite_x = EDGES[np.isfinite(EDGES)]
    x = np.resize(finite_x, 64).astype(np.float32)  # whole vectors: torch's vectorised loop throughout
    grads = []
    for lib in (minitorch, torch):
        t = lib.tensor(x.reshape(2, 32), requires_grad=True)
        y = PIECEWISE[name](lib, t)
        y.backward(lib.full_like(y, upstream))
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


SMOOTH = ["elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "logsigmoid", "softsign", "tanhshrink"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", SMOOTH)
def test_far_out_values_stay_finite_like_torch(name: str, dtype: Any) -> None:
    """No overflow to inf or NaN where torch has none, at +-1e4 and everything between; infinities as torch."""
    x = np.concatenate([-np.geomspace(1e4, 1e-3, 40), [0.0], np.geomspace(1e-3, 1e4, 40), [-np.inf, np.inf]])
    if name == "gelu" and dtype == np.float32:
        x = x[:-2]  # torch's float32 GELU makes +inf NaN
    x = x.astype(dtype)
    got, want = [], []
    for lib, out in ((minitorch, got), (torch, want)):
        t = lib.tensor(x, requires_grad=True)
        y = getattr(F(lib), name)(t)
        y.backward(lib.ones_like(y))
        out += [y.detach().numpy(), t.grad.numpy()]
    rtol, atol = (1e-12, 1e-14) if dtype == np.float64 else (1e-5, 1e-6)  # atol: x - tanh(x) cancels near 0
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)  # infinities and NaNs in the same places


def test_erf_matches_the_standard_library() -> None:
    """The backend's erf (numpy has none) against math.erf, on both sides of where its two expansions meet."""
    x = np.concatenate([np.linspace(-7, 7, 20001), np.geomspace(1e-300, 1e-2, 60), [0.0, -0.0, 40.0, -1e300]])
    want = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(HOST.erf(x), want, rtol=2e-15, atol=0)
    assert np.isnan(HOST.erf(np.array([np.nan]))).all()
    np.testing.assert_array_equal(HOST.erf(np.array([np.inf, -np.inf])), [1.0, -1.0])
    x = x[:-1]  # float32 has no 1e300
    single = HOST.erf(x.astype(np.float32))
    assert single.dtype == np.float32
    want = np.array([math.erf(v) for v in x.astype(np.float32)])
    np.testing.assert_allclose(single, want, rtol=1e-7, atol=1e-38)  # below 1e-38: float32's subnormals


INPLACE = {
    "leaky_relu": lambda lib, x: F(lib).leaky_relu(x, 0.2, inplace=True),
    "leaky_relu_": lambda lib, x: F(lib).leaky_relu_(x, 0.2),
    "elu": lambda lib, x: F(lib).elu(x, 0.5, inplace=True),
    "elu_": lambda lib, x: F(lib).elu_(x),
    "selu_": lambda lib, x: F(lib).selu_(x),
    "celu_": lambda lib, x: F(lib).celu_(x, 2.0),
    "silu": lambda lib, x: F(lib).silu(x, inplace=True),
    "mish": lambda lib, x: F(lib).mish(x, inplace=True),
    "hardtanh_": lambda lib, x: F(lib).hardtanh_(x, -0.5, 0.5),
    "relu6": lambda lib, x: F(lib).relu6(x, inplace=True),
    "hardsigmoid": lambda lib, x: F(lib).hardsigmoid(x, inplace=True),
    "hardswish": lambda lib, x: F(lib).hardswish(x, inplace=True),
    "threshold_": lambda lib, x: F(lib).threshold_(x, 0.1, 0.0),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_variants_write_the_input_and_backpropagate(name: str) -> None:
    x = S.away_from(np.linspace(-4, 4, 24).reshape(4, 6), (-3, -0.5, 0, 0.1, 0.5, 3), margin=0.05)

    def fn(lib: Any, t: Any) -> Any:
        h = t * 1.5  # a non-leaf, as in a network
        out = INPLACE[name](lib, h)
        assert out is h
        return h

    check_both(fn, x, gradcheck=False)


# ---------------------------------------------------------------- modules
def _x(*shape: int, scale: float = 4.0) -> np.ndarray:
    return S.away_from(np.random.default_rng(3).uniform(-scale, scale, shape), (0.0, -3.0, 3.0), margin=1e-2)


MODULES: dict = {
    "LeakyReLU": lambda nn: nn.LeakyReLU(0.2),
    "ELU": lambda nn: nn.ELU(alpha=0.5),
    "CELU": lambda nn: nn.CELU(1.5),
    "SELU": lambda nn: nn.SELU(),
    "GELU": lambda nn: nn.GELU(),
    "GELU tanh": lambda nn: nn.GELU("tanh"),
    "SiLU": lambda nn: nn.SiLU(),
    "Mish": lambda nn: nn.Mish(),
    "Softplus": lambda nn: nn.Softplus(beta=2, threshold=5),
    "Hardtanh": lambda nn: nn.Hardtanh(-2, 2),
    "ReLU6": lambda nn: nn.ReLU6(),
    "Hardsigmoid": lambda nn: nn.Hardsigmoid(),
    "Hardswish": lambda nn: nn.Hardswish(),
    "LogSigmoid": lambda nn: nn.LogSigmoid(),
    "Softmin": lambda nn: nn.Softmin(dim=1),
    "Threshold": lambda nn: nn.Threshold(0.5, -1.0),
    "Hardshrink": lambda nn: nn.Hardshrink(0.4),
    "Softshrink": lambda nn: nn.Softshrink(),
    "Tanhshrink": lambda nn: nn.Tanhshrink(),
    "Softsign": lambda nn: nn.Softsign(),
    "PReLU": lambda nn: nn.PReLU(),
    "PReLU per channel": lambda nn: nn.PReLU(5, init=0.1),
    "in place in a stack": lambda nn: nn.Sequential(
        nn.Linear(3, 4), nn.LeakyReLU(inplace=True), nn.Linear(4, 4), nn.ELU(inplace=True), nn.Linear(4, 3)
    ),
}


@DTYPES
@pytest.mark.parametrize("make", MODULES.values(), ids=list(MODULES))
def test_module_parity(make: Callable, dtype: Any) -> None:
    check_layer(lambda lib: make(lib.nn), [_x(2, 3, 5).transpose(0, 2, 1)], dtype)


def test_prelu_state_dict_both_ways() -> None:
    theirs, ours = torch.nn.PReLU(4, init=0.3), minitorch.nn.PReLU(4)
    assert list(ours.state_dict()) == ["weight"]
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.detach().numpy(), np.full(4, 0.3, np.float32))
    with minitorch.no_grad():
        ours.weight.mul_(-2)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    np.testing.assert_array_equal(theirs.weight.detach().numpy(), np.full(4, -0.6, np.float32))


REPRS: dict = {
    "LeakyReLU": lambda nn: nn.LeakyReLU(0.1, inplace=True),
    "LeakyReLU default": lambda nn: nn.LeakyReLU(),
    "ELU": lambda nn: nn.ELU(alpha=2.0, inplace=True),
    "CELU": lambda nn: nn.CELU(),
    "SELU": lambda nn: nn.SELU(inplace=True),
    "GELU": lambda nn: nn.GELU(approximate="tanh"),
    "SiLU": lambda nn: nn.SiLU(inplace=True),
    "Mish": lambda nn: nn.Mish(),
    "Hardsigmoid": lambda nn: nn.Hardsigmoid(inplace=True),
    "Hardswish": lambda nn: nn.Hardswish(True),
    "Softplus": lambda nn: nn.Softplus(beta=0.5),
    "Hardtanh": lambda nn: nn.Hardtanh(-3, 2.5, True),
    "ReLU6": lambda nn: nn.ReLU6(inplace=True),
    "Threshold": lambda nn: nn.Threshold(0.1, 20, inplace=True),
    "Hardshrink": lambda nn: nn.Hardshrink(),
    "Softshrink": lambda nn: nn.Softshrink(0.2),
    "others": lambda nn: nn.Sequential(nn.LogSigmoid(), nn.Tanhshrink(), nn.Softsign(), nn.Softmin(0), nn.PReLU(3)),
}


@pytest.mark.parametrize("make", REPRS.values(), ids=list(REPRS))
def test_repr_matches_torch(make: Callable) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


# ---------------------------------------------------------------- errors
ERRORS = {
    "integer input": (lambda lib: F(lib).gelu(lib.tensor([1, 2])), "not implemented for 'Long'"),
    "integer leaky_relu": (lambda lib: F(lib).leaky_relu(lib.tensor([1, 2])), '"leaky_relu_cpu" not implemented'),
    "integer softplus": (lambda lib: F(lib).softplus(lib.tensor([1])), '"softplus_cpu" not implemented'),
    "celu alpha": (lambda lib: F(lib).celu(lib.ones(2), 0.0), "ZeroDivisionError: alpha cannot be 0 for CELU"),
    "gelu approximate": (lambda lib: F(lib).gelu(lib.ones(2), approximate="exact"), "must be either none or tanh"),
    "hardtanh bounds": (lambda lib: F(lib).hardtanh(lib.ones(2), 1.0, -1.0), "min_val cannot be greater than max_val"),
    "Hardtanh bounds": (lambda lib: lib.nn.Hardtanh(1.0, 1.0), "max_val (1.0) must be greater than min_val (1.0)"),
    "softshrink lambd": (
        lambda lib: F(lib).softshrink(lib.ones(2), -0.5),
        "lambda must be in range [0, 3.40282e+38] for input dtype Float, but found -0.5",
    ),
    "prelu channels": (
        lambda lib: F(lib).prelu(lib.ones(2, 3), lib.ones(2)),
        "Found parameter numbers = 2 and channel size = 3.",
    ),
    "prelu 1-d": (lambda lib: F(lib).prelu(lib.ones(3), lib.ones(3)), "parameter numbers = 3 and channel size = 1"),
    "prelu weight dims": (lambda lib: F(lib).prelu(lib.ones(3), lib.ones(1, 1)), "but got: ndim = 2"),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_errors_match_torch(case: tuple) -> None:
    fn, gist = case
    raises_like(fn, gist)


def test_implicit_softmin_dim_warns_like_torch() -> None:
    for lib in (minitorch, torch):
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
            out = F(lib).softmin(lib.tensor([[1.0, 2.0], [3.0, 5.0]]))
        np.testing.assert_allclose(out.numpy(), torch.softmax(-torch.tensor([[1.0, 2.0], [3.0, 5.0]]), 1).numpy())
