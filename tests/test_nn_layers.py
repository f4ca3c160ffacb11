"""Each layer, loss and tutorial model against torch: outputs and the gradients of the input and of
every parameter, after copying torch's weights into the minitorch twin; float64 and float32."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.nn_models import MODELS, build
from tests.parity import TOL, _flat, assert_close
from tests.strategies import away_from

DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])


def _as_tensor(lib: Any, a: np.ndarray, dtype: Any, grad: bool) -> Any:
    if a.dtype.kind != "f":
        return lib.tensor(a)
    return lib.tensor(a.astype(dtype)).requires_grad_(grad)


def check_layer(
    make: Callable[[Any], Any],
    inputs: Sequence[np.ndarray],
    dtype: Any,
    grad_args: tuple = (0,),
    train: bool = False,
    seed: int = 0,
) -> None:
    """``make(lib)`` gives the same outputs, input gradients and parameter gradients in both libraries."""
    rtol, atol = TOL[np.dtype(dtype).type]
    theirs, ours = make(torch), make(minitorch)
    ours.load_state_dict(theirs.state_dict())
    for layer in (theirs, ours):
        (layer.double() if dtype == np.float64 else layer.float()).train(train)
    t_in = [_as_tensor(torch, a, dtype, i in grad_args) for i, a in enumerate(inputs)]
    m_in = [_as_tensor(minitorch, a, dtype, i in grad_args) for i, a in enumerate(inputs)]
    t_out, m_out = _flat(theirs(*t_in)), _flat(ours(*m_in))
    assert len(m_out) == len(t_out)
    for i, (m, t) in enumerate(zip(m_out, t_out)):
        assert_close(m, t, rtol, atol, f"output {i}")
    rng = np.random.default_rng(seed)
    pairs = [(m, t) for m, t in zip(m_out, t_out) if t.requires_grad]
    if not pairs:
        return
    seeds = [rng.uniform(-1, 1, tuple(t.shape)).astype(dtype) for _, t in pairs]
    torch.autograd.backward([t for _, t in pairs], [torch.tensor(g) for g in seeds])
    minitorch.autograd.backward([m for m, _ in pairs], [minitorch.tensor(g) for g in seeds])
    for i in grad_args:
        assert_close(m_in[i].grad, t_in[i].grad, rtol, atol, f"grad of input {i}")
    t_params = dict(theirs.named_parameters())
    m_params = dict(ours.named_parameters())
    assert list(m_params) == list(t_params)
    for name, p in t_params.items():
        assert m_params[name].grad is not None, f"grad of {name} missing"
        assert_close(m_params[name].grad, p.grad, rtol, atol, f"grad of {name}")


def _uniform(seed: int, shape: tuple, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, shape)


# ---------------------------------------------------------------- hypothesis over hyper-parameters
@DTYPES
@given(
    in_f=st.integers(1, 6),
    out_f=st.integers(1, 6),
    bias=st.booleans(),
    lead=st.sampled_from([(), (3,), (2, 3)]),
    seed=st.integers(0, 2**16),
)
def test_linear(dtype: Any, in_f: int, out_f: int, bias: bool, lead: tuple, seed: int) -> None:
    check_layer(lambda lib: lib.nn.Linear(in_f, out_f, bias=bias), [_uniform(seed, lead + (in_f,))], dtype)


@st.composite
def conv_cases(draw: Any) -> tuple:
    groups = draw(st.sampled_from([1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    kernel = k if draw(st.booleans()) else k[0]
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    padding = draw(st.sampled_from([0, 1, (1, 0), "same", "valid"]))
    stride = 1 if padding == "same" else draw(st.sampled_from([1, 2, (2, 1)]))
    dilation = draw(st.sampled_from([1, 2, (1, 2)]))
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    h = draw(st.integers(dh * (kh - 1) + 1, dh * (kh - 1) + 4))
    w = draw(st.integers(dw * (kw - 1) + 1, dw * (kw - 1) + 4))
    batch = draw(st.sampled_from([(), (1,), (2,)]))  # () is an unbatched (C, H, W) input
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=draw(st.booleans()))
    return (cin, cout, kernel), kwargs, batch + (cin, h, w)


@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")  # torch's own performance note
@DTYPES
@given(case=conv_cases(), seed=st.integers(0, 2**16))
def test_conv2d(dtype: Any, case: tuple, seed: int) -> None:
    args, kwargs, shape = case
    check_layer(lambda lib: lib.nn.Conv2d(*args, **kwargs), [_uniform(seed, shape)], dtype)


@st.composite
def pool_cases(draw: Any, max_pool: bool) -> tuple:
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (kh, kw) if draw(st.booleans()) else kh
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    stride = draw(st.sampled_from([None, 1, 2, (1, 2)]))
    padding = draw(st.integers(0, min(kh, kw) // 2))
    kwargs: dict = dict(stride=stride, padding=padding, ceil_mode=draw(st.booleans()))
    dh = dw = 1
    if max_pool:
        dh = dw = kwargs["dilation"] = draw(st.sampled_from([1, 2]))
        kwargs["return_indices"] = draw(st.booleans())
    else:
        kwargs["count_include_pad"] = draw(st.booleans())
        kwargs["divisor_override"] = draw(st.sampled_from([None, 3]))
    h = draw(st.integers(dh * (kh - 1) + 1, dh * (kh - 1) + 5))
    w = draw(st.integers(dw * (kw - 1) + 1, dw * (kw - 1) + 5))
    return kernel, kwargs, (draw(st.integers(1, 2)), 2, h, w)


@DTYPES
@given(case=pool_cases(max_pool=True), seed=st.integers(0, 2**16))
def test_maxpool2d(dtype: Any, case: tuple, seed: int) -> None:
    kernel, kwargs, shape = case
    check_layer(lambda lib: lib.nn.MaxPool2d(kernel, **kwargs), [_uniform(seed, shape)], dtype)


@DTYPES
@given(case=pool_cases(max_pool=False), seed=st.integers(0, 2**16))
def test_avgpool2d(dtype: Any, case: tuple, seed: int) -> None:
    kernel, kwargs, shape = case
    check_layer(lambda lib: lib.nn.AvgPool2d(kernel, **kwargs), [_uniform(seed, shape)], dtype)


@st.composite
def classification_cases(draw: Any, soft_targets: bool) -> tuple:
    c, n = draw(st.integers(2, 5)), draw(st.integers(1, 4))
    extra = draw(st.sampled_from([(), (3,)]))  # the K-dimensional form (N, C, d1)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    kwargs: dict = dict(reduction=draw(st.sampled_from(["mean", "sum", "none"])))
    weight = rng.uniform(0.5, 2.0, c) if draw(st.booleans()) else None
    if soft_targets:
        target = rng.dirichlet(np.ones(c), size=(n,) + extra)
        target = np.moveaxis(target, -1, 1)
    else:
        target = rng.integers(0, c, (n,) + extra)
        target.flat[0] = c - 1  # never all ignored (a 'mean' of nothing is nan)
        kwargs["ignore_index"] = draw(st.sampled_from([-100, 0]))
    return kwargs, weight, [rng.uniform(-2, 2, (n, c) + extra), target]


def _with_weight(cls: str, kwargs: dict, weight: Any) -> Callable[[Any], Any]:
    def make(lib: Any) -> Any:
        w = None if weight is None else lib.tensor(weight.astype(np.float32))
        return getattr(lib.nn, cls)(weight=w, **kwargs)

    return make


@DTYPES
@given(case=classification_cases(soft_targets=False), smoothing=st.sampled_from([0.0, 0.2]))
def test_cross_entropy_loss(dtype: Any, case: tuple, smoothing: float) -> None:
    kwargs, weight, inputs = case
    check_layer(_with_weight("CrossEntropyLoss", dict(kwargs, label_smoothing=smoothing), weight), inputs, dtype)


@DTYPES
@given(case=classification_cases(soft_targets=True), smoothing=st.sampled_from([0.0, 0.2]))
def test_cross_entropy_loss_probability_targets(dtype: Any, case: tuple, smoothing: float) -> None:
    kwargs, weight, inputs = case
    check_layer(_with_weight("CrossEntropyLoss", dict(kwargs, label_smoothing=smoothing), weight), inputs, dtype)


@DTYPES
@given(case=classification_cases(soft_targets=False))
def test_nll_loss(dtype: Any, case: tuple) -> None:
    kwargs, weight, inputs = case
    check_layer(_with_weight("NLLLoss", kwargs, weight), inputs, dtype)


# ---------------------------------------------------------------- fixed cases
def _x(*shape: int) -> np.ndarray:
    return _uniform(1, shape)


_W = np.array([0.5, 1.0, 2.0, 1.5])
FIXED: dict = {
    "ReLU": (lambda lib: lib.nn.ReLU(), [away_from(_x(3, 4))]),
    "ReLU inplace in a stack": (
        lambda lib: lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.ReLU(inplace=True), lib.nn.Linear(5, 2)),
        [_x(3, 4)],
    ),
    "Sigmoid": (lambda lib: lib.nn.Sigmoid(), [_x(3, 4) * 4]),
    "Tanh": (lambda lib: lib.nn.Tanh(), [_x(3, 4) * 4]),
    "Softmax dim=1": (lambda lib: lib.nn.Softmax(dim=1), [_x(3, 4, 2) * 3]),
    "Softmax dim=0": (lambda lib: lib.nn.Softmax(0), [_x(3, 4) * 3]),
    "LogSoftmax dim=-1": (lambda lib: lib.nn.LogSoftmax(dim=-1), [_x(3, 4, 2) * 3]),
    "Flatten": (lambda lib: lib.nn.Flatten(), [_x(2, 3, 4)]),
    "Flatten(0, 1)": (lambda lib: lib.nn.Flatten(0, 1), [_x(2, 3, 4)]),
    "Unflatten": (lambda lib: lib.nn.Unflatten(1, (2, 3)), [_x(2, 6)]),
    "Identity": (lambda lib: lib.nn.Identity(), [_x(2, 3)]),
    "Dropout in eval": (lambda lib: lib.nn.Dropout(0.5), [_x(4, 5)]),
    "Conv2d reflect": (lambda lib: lib.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), [_x(1, 2, 5, 6)]),
    "Conv2d circular same": (
        lambda lib: lib.nn.Conv2d(2, 3, (3, 2), padding="same", padding_mode="circular"),
        [_x(2, 2, 4, 5)],
    ),
    "MSELoss": (lambda lib: lib.nn.MSELoss(), [_x(3, 4), _uniform(2, (3, 4))]),
    "MSELoss sum": (lambda lib: lib.nn.MSELoss(reduction="sum"), [_x(3, 4), _uniform(2, (3, 4))]),
    "L1Loss none": (lambda lib: lib.nn.L1Loss(reduction="none"), [_x(3, 4), _uniform(2, (3, 4))]),
    "L1Loss": (lambda lib: lib.nn.L1Loss(), [_x(5), _uniform(2, (5,))]),
    "BCELoss": (lambda lib: lib.nn.BCELoss(), [_uniform(3, (6,), 0.05, 0.95), _uniform(4, (6,), 0, 1)]),
    "BCELoss weight sum": (
        lambda lib: lib.nn.BCELoss(weight=lib.tensor(_W), reduction="sum"),
        [_uniform(3, (3, 4), 0.05, 0.95), _uniform(4, (3, 4), 0, 1)],
    ),
    "BCEWithLogitsLoss": (lambda lib: lib.nn.BCEWithLogitsLoss(), [_x(3, 4) * 5, _uniform(4, (3, 4), 0, 1)]),
    "BCEWithLogitsLoss pos_weight": (
        lambda lib: lib.nn.BCEWithLogitsLoss(
            pos_weight=lib.tensor(_W), weight=lib.tensor(_W[::-1].copy()), reduction="none"
        ),
        [_x(3, 4) * 5, _uniform(4, (3, 4), 0, 1)],
    ),
}
# Whole tutorial models (eval mode: Dropout is the identity), every parameter's gradient compared.
FIXED.update(
    {
        f"model {name}": (lambda lib, name=name: build(lib, name), [_uniform(5, shape)])
        for name, (_, shape) in MODELS.items()
    }
)


@DTYPES
@pytest.mark.parametrize("make, inputs", FIXED.values(), ids=list(FIXED))
def test_fixed_cases(dtype: Any, make: Callable, inputs: list) -> None:
    check_layer(make, inputs, dtype)


# ---------------------------------------------------------------- Dropout in training mode
@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_dropout_training_mask_statistics(p: float) -> None:
    n = 100_000
    minitorch.manual_seed(0)
    drop = minitorch.nn.Dropout(p)
    x = minitorch.ones(n, requires_grad=True)
    y = drop(x)
    y.backward(minitorch.ones(n))
    out = y.detach().numpy()
    dropped = out == 0
    if 0 < p < 1:
        assert abs(dropped.mean() - p) < 5 * np.sqrt(p * (1 - p) / n)
        np.testing.assert_allclose(out[~dropped], 1 / (1 - p), rtol=1e-6)
    else:
        assert dropped.all() if p == 1 else not dropped.any()
    np.testing.assert_array_equal(x.grad.numpy(), out)  # the gradient is the same mask and scale
    assert not np.isnan(out).any()


def test_dropout_masks_follow_the_seed_and_vanish_in_eval() -> None:
    drop = minitorch.nn.Dropout(0.5)
    x = minitorch.randn(1000)

    def mask(seed: int) -> np.ndarray:
        minitorch.manual_seed(seed)
        return drop(x).numpy() == 0

    assert np.array_equal(mask(1), mask(1)) and not np.array_equal(mask(1), mask(2))
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())
