"""batch_norm, layer_norm, group_norm and channel dropout against torch: outputs, the gradients of input,
weight and bias (float64 and float32), gradcheck, running statistics step by step (momentum, cumulative
average, eval, untracked), state dicts both ways (num_batches_tracked, old checkpoints), reprs, errors."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.testing import lockstep
from tests import strategies as S
from tests.parity import check_both, check_gradcheck, check_parity, raises_like
from tests.test_nn_layers import DTYPES, check_layer


def F(lib: Any) -> Any:
    return lib.nn.functional


@st.composite
def batch_norm_cases(draw: Any) -> tuple:
    c = draw(st.integers(1, 3))
    space = draw(st.sampled_from([(), (3,), (2, 3)]))
    n = draw(st.integers(2 if not space else 1, 4))
    x = draw(S.arrays((n, c) + space)) * 3 + draw(st.floats(-2, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    w = rng.uniform(0.5, 1.5, c) if draw(st.booleans()) else None
    b = rng.uniform(-1, 1, c) if draw(st.booleans()) else None
    return x, w, b, rng


@given(case=batch_norm_cases(), training=st.booleans(), running=st.booleans(), momentum=st.sampled_from([0.1, 0.7]))
def test_batch_norm(case: tuple, training: bool, running: bool, momentum: float) -> None:
    """Output and gradients, and the running statistics it leaves (updated in training, read in eval)."""
    x, w, b, rng = case
    c = x.shape[1]
    rm, rv = rng.uniform(-1, 1, c), rng.uniform(0.5, 2, c)
    running = running or not training  # evaluation needs them

    def fn(lib: Any, x: Any, w: Any, b: Any) -> Any:
        mean = lib.tensor(rm, dtype=x.dtype) if running else None
        var = lib.tensor(rv, dtype=x.dtype) if running else None
        out = F(lib).batch_norm(x, mean, var, w, b, training=training, momentum=momentum, eps=1e-3)
        return (out, mean, var) if running else out

    check_both(fn, x, w, b, gradcheck=False)
    if x.size <= 48:  # the running statistics are outputs without gradients: gradcheck the result alone
        check_gradcheck(lambda lib, x, w, b: fn(lib, x, w, b)[0] if running else fn(lib, x, w, b), x, w, b)


@pytest.mark.parametrize("layout", ["column-major", "transposed view"])
def test_batch_norm_of_an_input_stored_in_another_order_matches_torch(layout: str) -> None:
    """Training-mode batch norm of an input not stored row-major (the host's compiled backward wrote its gradient
    through a reshaped copy of a column-major array, and returned the array it never wrote)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 2, 4))
    x = (
        np.asfortranarray(x)
        if layout == "column-major"
        else np.ascontiguousarray(x.transpose(3, 2, 1, 0)).transpose(3, 2, 1, 0)
    )
    assert not x.flags.c_contiguous
    w, b = rng.uniform(0.5, 1.5, 3), rng.uniform(-1, 1, 3)
    check_both(lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True, eps=1e-3), x, w, b)


@given(
    lead=st.sampled_from([(), (2,), (2, 3)]),
    normalized=st.sampled_from([(4,), (1,), (3, 2), (2, 1, 3)]),
    affine=st.sampled_from(["both", "weight", "none"]),
    seed=st.integers(0, 2**16),
)
def test_layer_norm(lead: tuple, normalized: tuple, affine: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, lead + normalized) + rng.uniform(-1, 1)
    w = rng.uniform(0.5, 1.5, normalized) if affine != "none" else None
    b = rng.uniform(-1, 1, normalized) if affine == "both" else None
    size = normalized if seed % 2 else list(normalized)
    top = seed % 3 == 0
    if top:  # torch.layer_norm: the same function
        fn = lambda lib, x, w, b: lib.layer_norm(x, size, w, b, 1e-4)  # noqa: E731
    else:
        fn = lambda lib, x, w, b: F(lib).layer_norm(x, size, w, b, 1e-4)  # noqa: E731
    axes = tuple(range(-len(normalized), 0))
    _check_normalisation(fn, x, w, b, x.var(axis=axes), 1e-4)


@given(
    n=st.integers(1, 3),
    groups=st.integers(1, 3),
    per_group=st.integers(1, 2),
    space=st.sampled_from([(), (3,), (2, 2)]),
    affine=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_group_norm(n: int, groups: int, per_group: int, space: tuple, affine: bool, seed: int) -> None:
    if per_group * int(np.prod(space)) < 3:
        space = (3,)  # groups of one or two values normalise to 0 or +-1 whatever they are: nothing to compare
    c = groups * per_group
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, c) + space)
    w, b = (rng.uniform(0.5, 1.5, c), rng.uniform(-1, 1, c)) if affine else (None, None)
    top = seed % 2 == 0
    if top:  # torch.group_norm: the same function
        fn = lambda lib, x, w, b: lib.group_norm(x, groups, w, b)  # noqa: E731
    else:
        fn = lambda lib, x, w, b: F(lib).group_norm(x, groups, w, b)  # noqa: E731
    _check_normalisation(fn, x, w, b, x.reshape(n, groups, -1).var(axis=-1), 1e-5)


def _check_normalisation(fn: Any, x: np.ndarray, w: Any, b: Any, variances: np.ndarray, eps: float) -> None:
    """``check_both`` for a normalisation, its float32 comparison at the rounding the inputs allow: x - mean is
    rounded to float32's precision at |x| and then scaled by 1 / std, so a row of nearly equal values (or of one
    value: exactly 0 here, torch's fused x * s - mean * s is not) differs from torch by up to ulp(x) / std."""
    check_parity(fn, x, w, b, dtype=np.float64)
    scale = (
        float(np.abs(x).max()) / float(np.sqrt(variances.min() + eps)) * (1.0 if w is None else float(np.abs(w).max()))
    )
    check_parity(fn, x, w, b, dtype=np.float32, atol=max(1e-5, 8 * 2.0**-24 * scale * max(1, x.shape[-1])))
    if x.size <= 48:
        check_gradcheck(fn, x, w, b)


def test_float32_batch_norm_of_a_shifted_batch_is_as_accurate_as_torch() -> None:
    """A large common offset: the float32 result is no further from the exact one than torch's."""
    x = (np.random.default_rng(0).standard_normal((64, 3, 4, 4)) + 1000.0).astype(np.float32)
    exact = x.astype(np.float64)
    exact = (exact - exact.mean((0, 2, 3), keepdims=True)) / np.sqrt(exact.var((0, 2, 3), keepdims=True) + 1e-5)
    ours = F(minitorch).batch_norm(minitorch.tensor(x), None, None, training=True).numpy()
    theirs = F(torch).batch_norm(torch.tensor(x), None, None, training=True).numpy()
    assert np.abs(ours - exact).max() <= 1.2 * np.abs(theirs - exact).max()


# ---------------------------------------------------------------- modules
def _u(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2, 2, shape) + 0.5


MODULES: dict = {
    "BatchNorm1d (N, C)": (lambda nn: nn.BatchNorm1d(3), _u(1, 5, 3), True),
    "BatchNorm1d (N, C, L)": (lambda nn: nn.BatchNorm1d(3, momentum=None, bias=False), _u(2, 2, 3, 4), True),
    "BatchNorm2d": (lambda nn: nn.BatchNorm2d(2, eps=1e-3), _u(3, 3, 2, 3, 4), True),
    "BatchNorm2d untracked": (lambda nn: nn.BatchNorm2d(2, track_running_stats=False), _u(4, 3, 2, 2, 2), False),
    "BatchNorm2d not affine": (lambda nn: nn.BatchNorm2d(2, affine=False), _u(5, 3, 2, 2, 2), True),
    "BatchNorm3d": (lambda nn: nn.BatchNorm3d(2), _u(6, 2, 2, 2, 2, 3), True),
    "BatchNorm2d eval": (lambda nn: nn.BatchNorm2d(2), _u(7, 3, 2, 2, 2), False),
    "LayerNorm": (lambda nn: nn.LayerNorm(4), _u(8, 2, 3, 4), False),
    "LayerNorm 2-d no bias": (lambda nn: nn.LayerNorm([3, 4], bias=False), _u(9, 2, 3, 4), False),
    "LayerNorm not affine": (lambda nn: nn.LayerNorm((4,), elementwise_affine=False), _u(10, 3, 4), False),
    "GroupNorm": (lambda nn: nn.GroupNorm(2, 4), _u(11, 2, 4, 3), False),
    "GroupNorm not affine": (lambda nn: nn.GroupNorm(4, 4, affine=False, eps=1e-3), _u(12, 2, 4, 2, 2), False),
}


@DTYPES
@pytest.mark.parametrize("case", MODULES.values(), ids=list(MODULES))
def test_module_parity(case: tuple, dtype: Any) -> None:
    make, x, train = case
    check_layer(lambda lib: make(lib.nn), [x], dtype, train=train)


def _conv_bn(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3, padding=1, bias=False),
        nn.BatchNorm2d(4, momentum=None),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, 6),
        nn.BatchNorm1d(6),
        nn.Linear(6, 3),
    )


def test_training_steps_follow_torch_with_running_statistics() -> None:
    """Six SGD steps of a BatchNorm CNN in lockstep with torch, then the running statistics, the batch
    counters and an evaluation-mode pass."""
    torch.manual_seed(0)
    theirs = _conv_bn(torch).double()
    ours = _conv_bn(minitorch).double()
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((4, 1, 6, 6)) * 2 + 1, rng.integers(0, 3, 4)) for _ in range(3)]
    report = lockstep(ours, theirs, batches, lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9), steps=6)
    assert not report.diverged, str(report)
    for name, buf in theirs.state_dict().items():
        got = ours.state_dict()[name].numpy()
        if name.endswith("num_batches_tracked"):
            assert got.dtype == np.int64 and int(got) == int(buf) == 6
        else:
            np.testing.assert_allclose(got, buf.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    ours.eval(), theirs.eval()
    x = rng.standard_normal((5, 1, 6, 6))
    np.testing.assert_allclose(ours(minitorch.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy())


def test_state_dicts_load_both_ways() -> None:
    theirs = torch.nn.BatchNorm2d(3)
    theirs(torch.randn(4, 3, 2, 2) * 3 + 1)  # running statistics and a counter of 1
    ours = minitorch.nn.BatchNorm2d(3)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    assert ours.num_batches_tracked.dtype == minitorch.int64 and int(ours.num_batches_tracked) == 1
    ours(minitorch.randn(4, 3, 2, 2))
    back = torch.nn.BatchNorm2d(3)
    back.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    assert int(back.num_batches_tracked) == 2
    np.testing.assert_array_equal(back.running_var.numpy(), ours.running_var.numpy())
    ln_t, ln_m = torch.nn.LayerNorm([2, 3]), minitorch.nn.LayerNorm([2, 3])
    with torch.no_grad():
        ln_t.weight.mul_(3)
    ln_m.load_state_dict(ln_t.state_dict())
    np.testing.assert_array_equal(ln_m.weight.detach().numpy(), ln_t.weight.detach().numpy())
    assert ours.double().num_batches_tracked.dtype == minitorch.int64  # only floating buffers cast


def test_old_checkpoint_without_the_counter_loads_as_in_torch() -> None:
    """No num_batches_tracked and no version: both keep their counter; version 2 without it: both refuse."""
    state = {"weight": np.ones(2, np.float32), "bias": np.zeros(2, np.float32)}
    state.update(running_mean=np.zeros(2, np.float32), running_var=np.ones(2, np.float32))
    for lib in (minitorch, torch):
        bn = lib.nn.BatchNorm1d(2)
        bn.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        assert int(bn.num_batches_tracked) == 0
        versioned = OrderedDict((k, lib.tensor(v)) for k, v in state.items())
        versioned._metadata = {"": {"version": 2}}
        with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "num_batches_tracked"'):
            bn.load_state_dict(versioned)


REPRS: dict = {
    "batch norm": lambda nn: nn.Sequential(
        nn.BatchNorm2d(16),
        nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False),
        nn.BatchNorm1d(4, bias=False),
        nn.BatchNorm3d(2, eps=1e-3),
    ),
    "layer and group norm": lambda nn: nn.Sequential(
        nn.LayerNorm(10),
        nn.LayerNorm([3, 4], eps=1e-3, elementwise_affine=False),
        nn.LayerNorm(5, bias=False),
        nn.GroupNorm(2, 6),
        nn.GroupNorm(3, 6, affine=False),
    ),
    "channel dropout": lambda nn: nn.Sequential(nn.Dropout2d(), nn.Dropout1d(0.3, inplace=True)),
}


@pytest.mark.parametrize("make", REPRS.values(), ids=list(REPRS))
def test_repr_matches_torch(make: Callable) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


# ---------------------------------------------------------------- channel dropout
@pytest.mark.parametrize(
    "shape, fn", [((200, 50, 3, 2), "dropout2d"), ((200, 50, 4), "dropout1d"), ((400, 6), "dropout1d")]
)
def test_channel_dropout_zeroes_whole_channels(shape: tuple, fn: str) -> None:
    minitorch.manual_seed(0)
    x = minitorch.ones(*shape, requires_grad=True)
    y = getattr(F(minitorch), fn)(x, 0.3)
    y.backward(minitorch.ones(*shape))
    out = y.detach().numpy()
    lead = 1 if len(shape) == 2 else 2  # an unbatched (C, L) input: one draw per channel
    per_channel = out.reshape(shape[:lead] + (-1,))
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # a channel is dropped or kept whole
    kept = per_channel[..., 0] != 0
    assert abs(1 - kept.mean() - 0.3) < 5 * np.sqrt(0.21 / kept.size)
    np.testing.assert_allclose(per_channel[kept], 1 / 0.7, rtol=1e-6)
    np.testing.assert_array_equal(x.grad.numpy(), out)
    z = minitorch.ones(*shape)  # evaluation mode: the identity
    assert getattr(F(minitorch), fn)(z, 0.3, training=False) is z


def test_channel_dropout_inplace_and_modules() -> None:
    minitorch.manual_seed(1)
    x = minitorch.ones(8, 5, 3, 3)
    y = minitorch.nn.Dropout2d(0.5, inplace=True)(x)
    assert y is x and (x.numpy() == 0).any()
    drop = minitorch.nn.Dropout1d(0.5).eval()
    z = minitorch.ones(4, 3, 2)
    assert drop(z) is z


def test_dropout2d_warnings_like_torch() -> None:
    for lib in (minitorch, torch):
        with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
            F(lib).dropout2d(lib.ones(2, 3, 4))
        with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
            F(lib).dropout2d(lib.ones(2, 3))


# ---------------------------------------------------------------- errors
def _r(*shape: int) -> Callable:
    return lambda lib: lib.ones(*shape)


ERRORS = {
    "batch of one": (
        lambda lib: F(lib).batch_norm(_r(1, 3)(lib), lib.zeros(3), lib.ones(3), training=True),
        "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])",
    ),
    "running size": (
        lambda lib: F(lib).batch_norm(_r(4, 3)(lib), lib.zeros(4), lib.ones(4)),
        "running_mean should contain 3 elements not 4",
    ),
    "weight size": (
        lambda lib: F(lib).batch_norm(_r(4, 3)(lib), lib.zeros(3), lib.ones(3), lib.ones(4)),
        "weight should contain 3 elements not 4",
    ),
    "eval without stats": (
        lambda lib: F(lib).batch_norm(_r(4, 3)(lib), None, None),
        "running_mean must be defined in evaluation mode",
    ),
    "one of the stats": (
        lambda lib: F(lib).batch_norm(_r(4, 3)(lib), lib.zeros(3), None, training=True),
        "running_mean and running_var must either both be None or neither be None",
    ),
    "eps": (
        lambda lib: F(lib).batch_norm(_r(4, 3)(lib), None, None, training=True, eps=0.0),
        "batch_norm eps must be positive during training, but got 0.0",
    ),
    "BatchNorm2d rank": (lambda lib: lib.nn.BatchNorm2d(3)(_r(2, 3, 4)(lib)), "expected 4D input (got 3D input)"),
    "BatchNorm1d rank": (lambda lib: lib.nn.BatchNorm1d(3)(_r(2, 3, 4, 5)(lib)), "expected 2D or 3D input (got 4D"),
    "layer norm shape": (
        lambda lib: F(lib).layer_norm(_r(2, 5)(lib), (10,)),
        "Given normalized_shape=[10], expected input with shape [*, 10], but got input of size[2, 5]",
    ),
    "layer norm int shape": (
        lambda lib: F(lib).layer_norm(_r(2, 5)(lib), 5),
        "argument 'normalized_shape' (position 2) must be tuple of ints, not int",
    ),
    "layer norm weight": (
        lambda lib: F(lib).layer_norm(_r(2, 5)(lib), (5,), lib.ones(4)),
        "Expected weight to be of same shape as normalized_shape, but got weight of shape [4]",
    ),
    "group norm groups": (
        lambda lib: F(lib).group_norm(_r(2, 5, 3)(lib), 2),
        "Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 5, 3]",
    ),
    "GroupNorm channels": (lambda lib: lib.nn.GroupNorm(2, 5), "num_channels (5) must be divisible by num_groups (2)"),
    "group norm weight": (
        lambda lib: F(lib).group_norm(_r(2, 6, 3)(lib), 2, lib.ones(5)),
        "Expected weight to be a vector of size equal to the number of channels in input",
    ),
    "group norm rank": (lambda lib: F(lib).group_norm(_r(6)(lib), 2), "Expected at least 2 dimensions"),
    "dropout1d rank": (lambda lib: F(lib).dropout1d(_r(2, 3, 4, 5)(lib)), "dropout1d: Expected 2D or 3D input"),
    "dropout2d p": (lambda lib: F(lib).dropout2d(_r(2, 3, 4, 5)(lib), 1.5), "has to be between 0 and 1, but got 1.5"),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_errors_match_torch(case: tuple) -> None:
    raises_like(*case)
