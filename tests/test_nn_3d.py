"""The volumetric layers against torch: conv3d, conv_transpose3d, max/avg/adaptive/LP pooling in 3-d (and LP
pooling in 1-d and 2-d), max_unpool3d, dropout3d: outputs, indices, gradients of input, weight and bias (first
and second order), gradcheck; the modules (parity, reprs, state dicts, initialisation) and errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import minitorch
from tests import strategies as S
from tests.parity import assert_same_as_torch, check_both, check_parity, raises_like
from tests.test_nn_conv_more import transposed_cases
from tests.test_nn_conv_pool import GRADCHECK_NUMEL, distinct
from tests.test_nn_layers import DTYPES, check_layer


def F(lib: Any) -> Any:
    return lib.nn.functional


def triple_or_int(draw: Any, values: st.SearchStrategy) -> Any:
    """An int, a 1-tuple or a 3-tuple, as torch accepts for kernel/stride/padding/dilation."""
    a, b, c = draw(values), draw(values), draw(values)
    return draw(st.sampled_from([a, (a,), (a, b, c)]))


def as_triple(v: Any) -> tuple:
    if isinstance(v, int):
        return (v,) * 3
    return tuple(v) * (3 if len(v) == 1 else 1)


def _t(x: np.ndarray | None) -> Any:
    return None if x is None else torch.tensor(x)


# ---------------------------------------------------------------- convolutions
@st.composite
def conv3d_cases(draw: Any) -> tuple:
    """(x, weight, bias, kwargs): groups, dilation, stride, int/tuple/'same'/'valid' padding, unbatched inputs."""
    groups = draw(st.sampled_from([1, 1, 2]))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(3))
    dilation = triple_or_int(draw, st.integers(1, 2))
    padding = draw(st.sampled_from(["int", "same", "valid"]))
    stride = 1 if padding == "same" else triple_or_int(draw, st.integers(1, 2))
    if padding == "int":
        padding = triple_or_int(draw, st.integers(0, 1))
    pads = (0, 0, 0) if isinstance(padding, str) else as_triple(padding)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, as_triple(dilation))]
    size = tuple(draw(st.integers(max(1, s - 2 * p), max(1, s - 2 * p) + 2)) for s, p in zip(spans, pads))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    x = draw(S.arrays(batch + (groups * cg,) + size))
    weight = draw(S.arrays((groups * og, cg) + kernel, noncontiguous=False))
    bias = draw(st.none() | S.arrays((groups * og,), noncontiguous=False))
    return x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


def _small(*arrays: Any, out: int) -> bool:
    return sum(a.size for a in arrays if a is not None) + out <= GRADCHECK_NUMEL


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # torch's, about its copy
@given(conv3d_cases())
def test_conv3d_parity(case: tuple) -> None:
    x, weight, bias, kw = case
    out = torch.nn.functional.conv3d(torch.tensor(x), torch.tensor(weight), _t(bias), **kw)
    check_both(
        lambda lib, x, w, b: F(lib).conv3d(x, w, b, **kw),
        x,
        weight,
        bias,
        gradcheck=_small(x, weight, bias, out=out.numel()),
    )


@given(transposed_cases(3))
def test_conv_transpose3d_parity(case: tuple) -> None:
    x, weight, bias, kw = case
    out = torch.nn.functional.conv_transpose3d(torch.tensor(x), torch.tensor(weight), _t(bias), **kw)
    check_both(
        lambda lib, x, w, b: F(lib).conv_transpose3d(x, w, b, **kw),
        x,
        weight,
        bias,
        gradcheck=_small(x, weight, out=out.numel()),
    )


def test_top_level_spellings_take_torch_s_positional_order() -> None:
    rng = np.random.default_rng(0)
    x, w, wt = (
        rng.uniform(-1, 1, (2, 4, 4, 5, 3)),
        rng.uniform(-1, 1, (2, 2, 2, 2, 1)),
        rng.uniform(-1, 1, (4, 1, 2, 1, 2)),
    )
    check_both(lambda lib, x, w: lib.conv3d(x, w, None, 2, 1, 1, 2), x, w, gradcheck=False)
    check_both(lambda lib, x, w: lib.conv_transpose3d(x, w, None, 2, 1, 1, 2, 1), x, wt, gradcheck=False)
    check_both(lambda lib, x: lib.max_pool3d(x, 2, 1, 1, 1, True), x, gradcheck=False)
    assert not any(hasattr(minitorch, n) for n in ("avg_pool3d", "adaptive_avg_pool3d", "lp_pool3d", "dropout3d"))


def test_integer_convolutions_and_max_pooling_compute_in_their_dtype_like_torch() -> None:
    x = np.arange(2 * 2 * 3 * 4 * 3).reshape(2, 2, 3, 4, 3) % 7 - 3
    w = np.arange(4 * 1 * 2 * 2 * 2).reshape(4, 1, 2, 2, 2) % 5 - 2
    for dtype in ("int64", "int32", "int8"):
        assert_same_as_torch(
            lambda lib, d=dtype: F(lib).conv3d(
                lib.tensor(x).to(getattr(lib, d)), lib.tensor(w).to(getattr(lib, d)), stride=2, groups=2
            )
        )
        assert_same_as_torch(lambda lib, d=dtype: F(lib).max_pool3d(lib.tensor(x).to(getattr(lib, d)), 2, 1, 1))
    assert_same_as_torch(lambda lib: F(lib).avg_pool3d(lib.tensor(x), 2, 1, 1, ceil_mode=True))
    assert_same_as_torch(lambda lib: F(lib).conv_transpose3d(lib.tensor(x), lib.tensor(w[:2]), stride=2, padding=1))


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x, w: (F(lib).conv3d(x, w, stride=2), F(lib).conv_transpose3d(x, w, stride=2)),
        lambda lib, x, w: F(lib).max_pool3d(x, 3, 1, 1, return_indices=True),
        lambda lib, x, w: F(lib).avg_pool3d(x, 2, ceil_mode=True) + F(lib).lp_pool3d(x, 2, 2, ceil_mode=True),
        lambda lib, x, w: F(lib).adaptive_max_pool3d(x, 2, True)[0] + F(lib).adaptive_avg_pool3d(x, 2),
    ],
)
def test_an_empty_batch_gives_an_empty_result_like_torch(fn: Callable) -> None:
    check_parity(fn, np.zeros((0, 2, 3, 4, 4)), _u(0, 2, 2, 2, 2, 2))


# ---------------------------------------------------------------- pooling
@st.composite
def pool3d_cases(draw: Any, kind: str) -> tuple:
    """(x, kwargs) for max_pool3d (dilation, indices) or avg_pool3d (count_include_pad, divisor_override)."""
    kernel = triple_or_int(draw, st.integers(1, 3))
    k = as_triple(kernel)
    stride = draw(st.none() | st.just(()) | st.integers(1, 3) | st.tuples(*[st.integers(1, 3)] * 3))
    padding = draw(st.sampled_from([0, (0,), tuple(n // 2 for n in k)]))
    kw: dict = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=draw(st.booleans()))
    dilation = (1, 1, 1)
    if kind == "max":
        kw["dilation"] = draw(st.sampled_from([1, 2, (1, 2, 1)]))
        kw["return_indices"] = draw(st.booleans())
        dilation = as_triple(kw["dilation"])
    else:
        kw["count_include_pad"] = draw(st.booleans())
        kw["divisor_override"] = draw(st.sampled_from([None, None, 1, 3]))
    pads = as_triple(padding)
    spans = [d * (n - 1) + 1 for n, d in zip(k, dilation)]
    # Every window must reach the input (torch's index for one that holds only padding is undefined); average
    # pooling wants an input at least as large as the kernel.
    first_tap = [-p + -(-p // d) * d for p, d in zip(pads, dilation)]
    lows = [max(1, s - 2 * p, f + 1, n if kind == "avg" else 1) for s, p, f, n in zip(spans, pads, first_tap, k)]
    size = tuple(draw(st.integers(lo, lo + 2)) for lo in lows)
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    return draw(distinct(batch + (draw(st.integers(1, 2)),) + size)), kw


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool3d_parity(kind: str) -> None:
    @given(pool3d_cases(kind))
    def run(case: tuple) -> None:
        x, kw = case
        check_both(
            lambda lib, x: getattr(F(lib), f"{kind}_pool3d")(x, **kw), x, gradcheck=x.size <= GRADCHECK_NUMEL // 2
        )

    run()


def test_max_pool3d_ties_infinities_and_nans_pick_torch_s_indices() -> None:
    """Repeated maxima (the first wins), -inf windows, +inf and NaN (the last NaN wins), overlapping windows
    whose gradients add up: indices and gradients as torch's, in float32 and float64."""
    rng = np.random.default_rng(3)
    x = np.maximum(rng.integers(-2, 2, (2, 2, 4, 5, 4)), 0).astype(np.float64)
    x[1, 0, :2, :2, :2] = -np.inf
    x[1, 1, 0, 0, 0] = np.inf
    x[0, 0, 0, 0, :3] = np.nan
    x[0, 1, 2, 2, 1] = np.nan
    for dtype in (np.float32, np.float64):
        check_parity(lambda lib, x: F(lib).max_pool3d(x, 2, 1, 1, return_indices=True), x, dtype=dtype)
        check_parity(lambda lib, x: F(lib).adaptive_max_pool3d(x, (3, 2, 3), True), x, dtype=dtype)
        check_parity(lambda lib, x: F(lib).adaptive_avg_pool3d(x, (3, 2, 3)), x, dtype=dtype)


@st.composite
def adaptive_cases(draw: Any) -> tuple:
    size = tuple(draw(st.integers(1, 5)) for _ in range(3))
    out = tuple(draw(st.integers(1, 5)) for _ in range(3))
    spelled = draw(st.sampled_from([out, out[0], (out[0], None, out[2]), list(out)]))
    batch = draw(st.sampled_from([(), (2,)]))
    return draw(distinct(batch + (2,) + size)), spelled


@given(adaptive_cases())
def test_adaptive_pool3d_parity(case: tuple) -> None:
    x, size = case
    small = x.size <= GRADCHECK_NUMEL // 2
    check_both(lambda lib, x: F(lib).adaptive_avg_pool3d(x, size), x, gradcheck=small)
    check_both(lambda lib, x: F(lib).adaptive_max_pool3d(x, size, return_indices=True), x, gradcheck=small)


@given(data=st.data())
def test_max_unpool3d_parity(data: st.DataObject) -> None:
    """max_unpool3d of max pooling's own indices (non-overlapping windows: each value has one place), to the
    pooled input's size and to the default one, gradients through the values."""
    k, p = data.draw(st.sampled_from([(2, 0), (3, 1), (2, 1)]), label="kernel (= stride), padding")
    size = tuple(data.draw(st.integers(k, k + 2), label="size") for _ in range(3))
    x = data.draw(distinct((2, 1) + size))
    pooled = [(n + 2 * p - k) // k + 1 for n in size]
    defaults = [(n - 1) * k - 2 * p + k for n in pooled]
    assume(all(d - k < n < d + k for d, n in zip(defaults, size)))  # the input's size is one unpooling can give
    target = data.draw(st.sampled_from([size, (2, 1) + size] + ([None] if tuple(defaults) == size else [])))

    def unpool(lib: Any, x: Any) -> Any:
        out, idx = F(lib).max_pool3d(x, k, k, p, return_indices=True)
        return F(lib).max_unpool3d(out * 2, idx, k, k, p, output_size=target)

    def module(lib: Any, x: Any) -> Any:  # unbatched
        return lib.nn.MaxUnpool3d(k, k, p)(*F(lib).max_pool3d(x[0], k, k, p, return_indices=True), output_size=size)

    check_both(unpool, x, gradcheck=False)
    check_both(module, x)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_lp_pool_parity(dims: int) -> None:
    @given(st.data())
    def run(data: st.DataObject) -> None:
        p = data.draw(st.sampled_from([1, 2, 3, 1.5, float("inf"), -float("inf")]), label="norm_type")
        sizes = st.tuples(*[st.integers(1, 3)] * dims)
        kernel = data.draw(st.integers(1, 3) | (sizes if dims > 1 else st.nothing()), label="kernel")
        k = (kernel,) * dims if isinstance(kernel, int) else kernel
        stride = data.draw(st.none() | st.integers(1, 3), label="stride")
        size = tuple(data.draw(st.integers(n, n + 2)) for n in k)
        x = data.draw(S.arrays((2,) + size, low=0.1, high=1.0))  # positive: x ** p is defined for any p
        signs = data.draw(st.booleans(), label="signs")
        if signs:  # odd powers of negatives, NaN for fractional ones, as in torch
            x = x * np.where(np.arange(x.size).reshape(x.shape) % 3 == 0, -1, 1)
        ceil = data.draw(st.booleans(), label="ceil_mode")
        fn = lambda lib, x: getattr(F(lib), f"lp_pool{dims}d")(x, p, kernel, stride, ceil)  # noqa: E731
        check_both(fn, x, gradcheck=x.size <= GRADCHECK_NUMEL // 2 and not signs and np.isfinite(p))

    run()


def test_with_indices_spellings_return_values_and_indices() -> None:
    x = _d(20, 2, 2, 3, 4, 5)
    check_parity(lambda lib, x: F(lib).max_pool3d_with_indices(x, 2, 1, 1, ceil_mode=True), x)
    check_parity(lambda lib, x: F(lib).adaptive_max_pool3d_with_indices(x, (2, 3, 2)), x)


def test_lp_pool_windows_summing_to_zero_get_a_zero_gradient_like_torch() -> None:
    x = np.zeros((1, 2, 4, 4, 4))
    x[0, 0, :2, :2, :2] = 0.5
    for p in (1, 2, 1.5):
        check_parity(lambda lib, x: F(lib).lp_pool3d(x, p, 2), x)


# ---------------------------------------------------------------- second order
SECOND_ORDER: dict = {
    "conv3d": (
        lambda lib, x, w, b: F(lib).conv3d(x, w, b, stride=(1, 2, 1), padding=1, groups=2) ** 2,
        (2, 4, 3, 3, 2),
        (4, 2, 2, 1, 2),
        (4,),
    ),  # fmt: skip
    "conv_transpose3d": (
        lambda lib, x, w: F(lib).conv_transpose3d(x, w, stride=2, padding=1, output_padding=1) ** 2,
        (1, 2, 2, 3, 2),
        (2, 2, 2, 2, 1),
    ),  # fmt: skip
    "max_pool3d": (lambda lib, x: F(lib).max_pool3d(x * 2, 2, 1, 1, ceil_mode=True) ** 2, (1, 2, 3, 3, 2)),
    "avg_pool3d": (lambda lib, x: F(lib).avg_pool3d(x * x, 2, 1, 1, count_include_pad=False) ** 2, (1, 2, 3, 3, 2)),
    "adaptive": (
        lambda lib, x: (
            F(lib).adaptive_avg_pool3d(x * x, (2, 1, 3)) ** 2 + F(lib).adaptive_max_pool3d(x * 2, (1, 2, 2)).sum()
        ),
        (1, 2, 3, 3, 4),
    ),  # fmt: skip
    "lp_pool3d": (lambda lib, x: F(lib).lp_pool3d(x * x + 0.5, 2, 2), (1, 1, 2, 3, 2)),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_derivatives_match_torch(name: str) -> None:
    fn, *shapes = SECOND_ORDER[name]
    rng = np.random.default_rng(5)
    inputs = [(rng.permutation(int(np.prod(s))) / np.prod(s) - 0.5).reshape(s) for s in shapes]  # no ties
    check_parity(fn, *inputs, order=2)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x: F(lib).conv3d(x, x[:3, :2].sum(-1, keepdim=True)),
        lambda lib, x: F(lib).conv_transpose3d(x, x[:2, :3]),
        lambda lib, x: F(lib).max_pool3d(x, 2),
        lambda lib, x: F(lib).max_pool3d(x, 2, return_indices=True)[0],
        lambda lib, x: F(lib).avg_pool3d(x, 2),
        lambda lib, x: F(lib).adaptive_avg_pool3d(x, 2),
        lambda lib, x: F(lib).adaptive_avg_pool3d(x, 1),
        lambda lib, x: F(lib).adaptive_max_pool3d(x, 2),
    ],
)
def test_graph_nodes_have_torch_s_names(fn: Callable) -> None:
    names = [type(fn(lib, lib.ones(2, 2, 3, 3, 3, requires_grad=True)).grad_fn).__name__ for lib in (torch, minitorch)]
    assert names[0] == names[1]


# ---------------------------------------------------------------- dropout3d
@pytest.mark.parametrize("shape", [(60, 40, 2, 2, 1), (300, 2, 1, 2), (500, 2)])
def test_dropout3d_zeroes_whole_channels(shape: tuple) -> None:
    minitorch.manual_seed(0)
    x = minitorch.ones(*shape, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a 2-d input: deprecated, as in torch
        y = F(minitorch).dropout3d(x, 0.3)
    y.backward(minitorch.ones(*shape))
    out = y.detach().numpy()
    lead = 2 if len(shape) == 5 else 1  # an unbatched input: one draw per channel (dim 0)
    per_channel = out.reshape(shape[:lead] + (-1,))
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # a channel is dropped or kept whole
    kept = per_channel[..., 0] != 0
    assert abs(1 - kept.mean() - 0.3) < 5 * np.sqrt(0.21 / kept.size)
    np.testing.assert_allclose(per_channel[kept], 1 / 0.7, rtol=1e-6)
    np.testing.assert_array_equal(x.grad.numpy(), out)
    z = minitorch.ones(2, 3, 2, 2, 2)
    assert F(minitorch).dropout3d(z, 0.3, training=False) is z


def test_dropout3d_inplace_module_and_warnings_like_torch() -> None:
    minitorch.manual_seed(1)
    x = minitorch.ones(8, 5, 2, 3, 3)
    y = minitorch.nn.Dropout3d(0.5, inplace=True)(x)
    assert y is x and (x.numpy() == 0).any() and (x.numpy() == 2).any()
    drop = minitorch.nn.Dropout3d(0.5).eval()
    z = minitorch.ones(4, 3, 2, 2)
    assert drop(z) is z
    for lib in (minitorch, torch):
        with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
            F(lib).dropout3d(lib.ones(2, 3, 4))
        with pytest.warns(UserWarning, match="Received a 1-D input to dropout3d"):
            assert F(lib).dropout3d(lib.ones(50), 0.5).shape == (50,)  # each element a channel of its own
    raises_like(
        lambda lib: F(lib).dropout3d(lib.ones(2, 3, 2, 2), 1.5), "dropout probability has to be between 0 and 1"
    )
    raises_like(lambda lib: F(lib).dropout3d(lib.ones(2, 3, 2, 2, dtype=lib.int64)), "can't be cast")


# ---------------------------------------------------------------- modules
def _u(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, shape)


def _d(seed: int, *shape: int) -> np.ndarray:
    """Distinct values (no ties for max pooling)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) / n - 0.5).reshape(shape)


MODULES: dict = {
    "Conv3d": (lambda nn: nn.Conv3d(4, 6, 3, stride=2, padding=1, groups=2), _u(1, 2, 4, 5, 4, 5)),
    "Conv3d same dilated": (
        lambda nn: nn.Conv3d(3, 2, (2, 3, 1), padding="same", dilation=2, bias=False),
        _u(2, 1, 3, 4, 5, 3),
    ),  # fmt: skip
    "Conv3d unbatched": (lambda nn: nn.Conv3d(3, 2, 2), _u(3, 3, 3, 4, 3)),
    "Conv3d reflect": (lambda nn: nn.Conv3d(2, 3, 3, padding=(1, 2, 1), padding_mode="reflect"), _u(4, 1, 2, 3, 4, 3)),
    "Conv3d circular": (
        lambda nn: nn.Conv3d(2, 2, (2, 3, 2), padding="same", padding_mode="circular"),
        _u(5, 2, 2, 3, 3, 4),
    ),  # fmt: skip
    "Conv3d replicate": (
        lambda nn: nn.Conv3d(2, 3, 3, stride=(1, 2, 1), padding=1, padding_mode="replicate"),
        _u(6, 1, 2, 3, 4, 3),
    ),  # fmt: skip
    "ConvTranspose3d": (
        lambda nn: nn.ConvTranspose3d(3, 4, 3, stride=2, padding=1, output_padding=1),
        _u(7, 2, 3, 2, 3, 2),
    ),  # fmt: skip
    "ConvTranspose3d groups dilation": (
        lambda nn: nn.ConvTranspose3d(4, 6, (2, 3, 1), stride=(1, 2, 2), groups=2, dilation=(2, 1, 1), bias=False),
        _u(8, 1, 4, 3, 2, 3),
    ),
    "ConvTranspose3d unbatched": (lambda nn: nn.ConvTranspose3d(2, 2, 2, stride=2), _u(9, 2, 2, 3, 2)),
    "MaxPool3d": (lambda nn: nn.MaxPool3d((2, 3, 2), stride=1, padding=1, ceil_mode=True), _d(10, 2, 2, 3, 4, 3)),
    "MaxPool3d indices": (lambda nn: nn.MaxPool3d(2, dilation=(1, 2, 1), return_indices=True), _d(11, 2, 3, 4, 3)),
    "AvgPool3d": (lambda nn: nn.AvgPool3d(3, 2, 1, ceil_mode=True, count_include_pad=False), _u(12, 1, 2, 4, 5, 3)),
    "AvgPool3d divisor": (lambda nn: nn.AvgPool3d((2, 1, 2), divisor_override=3), _u(13, 2, 4, 3, 4)),
    "AdaptiveAvgPool3d": (lambda nn: nn.AdaptiveAvgPool3d((2, None, 3)), _u(14, 2, 2, 3, 4, 5)),
    "AdaptiveMaxPool3d": (lambda nn: nn.AdaptiveMaxPool3d(2, return_indices=True), _d(15, 2, 2, 3, 4, 5)),
    "LPPool1d": (lambda nn: nn.LPPool1d(2, 3, 2), np.abs(_u(16, 2, 3, 7)) + 0.1),
    "LPPool2d": (lambda nn: nn.LPPool2d(1.5, (2, 3), ceil_mode=True), np.abs(_u(17, 2, 3, 5, 7)) + 0.1),
    "LPPool3d": (lambda nn: nn.LPPool3d(3, 2, stride=1), _u(18, 1, 2, 3, 4, 3)),
}


@DTYPES
@pytest.mark.parametrize("case", MODULES.values(), ids=list(MODULES))
def test_module_parity(case: tuple, dtype: Any) -> None:
    make, x = case
    check_layer(lambda lib: make(lib.nn), [x], dtype)


@pytest.mark.parametrize("size", [(7, 8, 7), [1, 2, 8, 7, 8], (2, 7, 8, 7)], ids=["dhw", "full", "unbatched"])
def test_conv_transpose3d_output_size_picks_the_output_padding(size: Any) -> None:
    x = _u(19, 1, 3, 3, 3, 3) if len(size) != 4 else _u(19, 3, 3, 3, 3)
    check_layer(lambda lib: _Call(lib.nn.ConvTranspose3d(3, 2, 3, stride=2), output_size=size), [x], np.float64)


class _Call:
    """A module called with extra keyword arguments (check_layer calls modules with the inputs only)."""

    def __init__(self, module: Any, **kwargs: Any) -> None:
        self.module, self.kwargs = module, kwargs

    def __call__(self, *inputs: Any) -> Any:
        return self.module(*inputs, **self.kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


@pytest.mark.parametrize(
    "make", [lambda nn: nn.Conv3d(3, 4, (3, 2, 1), groups=1), lambda nn: nn.ConvTranspose3d(4, 6, 2, groups=2)]
)
def test_state_dict_both_ways_and_torch_s_init(make: Callable) -> None:
    theirs, ours = make(torch.nn), make(minitorch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert ours.weight.shape == theirs.weight.shape and ours.bias.shape == theirs.bias.shape
    ours.load_state_dict(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[k].numpy(), v.numpy())
    fresh = make(torch.nn)
    fresh.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in make(minitorch.nn).state_dict().items()})
    bound = 1 / np.sqrt(fresh.weight.shape[1] * np.prod(fresh.weight.shape[2:]))  # kaiming-uniform(a=sqrt 5)
    weight = fresh.weight.detach().numpy()  # uniform on (-bound, bound): spread over it, not beyond
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > bound * 0.8 and weight.std() > bound / 3
    assert np.abs(fresh.bias.detach().numpy()).max() <= bound


REPRS: dict = {
    "Conv3d": lambda nn: nn.Conv3d(3, 4, 3, padding="same", padding_mode="circular"),
    "Conv3d plain": lambda nn: nn.Conv3d(2, 4, (1, 2, 3), stride=2, padding=1, dilation=2, groups=2, bias=False),
    "ConvTranspose3d": lambda nn: nn.ConvTranspose3d(3, 8, 3, stride=2, padding=1, output_padding=1),
    "ConvTranspose3d plain": lambda nn: nn.ConvTranspose3d(2, 4, (1, 2, 1), groups=2, bias=False, dilation=2),
    "MaxPool3d": lambda nn: nn.MaxPool3d((1, 2, 3), stride=1, padding=1, dilation=2, return_indices=True),
    "MaxPool3d plain": lambda nn: nn.MaxPool3d(2),
    "AvgPool3d": lambda nn: nn.AvgPool3d(3, 2, 1, True, False, 2),
    "AdaptiveAvgPool3d": lambda nn: nn.AdaptiveAvgPool3d((1, None, 2)),
    "AdaptiveMaxPool3d": lambda nn: nn.AdaptiveMaxPool3d(2, True),
    "MaxUnpool3d": lambda nn: nn.MaxUnpool3d((1, 2, 3), 1),
    "Dropout3d": lambda nn: nn.Dropout3d(0.2, inplace=True),
    "LPPool": lambda nn: nn.Sequential(nn.LPPool1d(2, 3), nn.LPPool2d(2, 3, 1, True), nn.LPPool3d(1.5, (1, 2, 3))),
}


@pytest.mark.parametrize("make", REPRS.values(), ids=list(REPRS))
def test_repr_matches_torch(make: Callable) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


# ---------------------------------------------------------------- errors
def _r(*shape: int, dtype: str = "float32") -> Callable:
    return lambda lib: lib.ones(*shape, dtype=getattr(lib, dtype))


def _conv(x: Callable, w: Callable, **kw: Any) -> Callable:
    return lambda lib: F(lib).conv3d(x(lib), w(lib), **kw)


def _convt(x: Callable, w: Callable, **kw: Any) -> Callable:
    return lambda lib: F(lib).conv_transpose3d(x(lib), w(lib), **kw)


def _pool(kind: str, x: Callable, *args: Any, **kw: Any) -> Callable:
    return lambda lib: getattr(F(lib), kind)(x(lib), *args, **kw)


X, W, WT = _r(1, 2, 4, 4, 4), _r(3, 2, 2, 2, 2), _r(2, 3, 2, 2, 2)
ERRORS: dict = {
    "conv3d input dims": (_conv(_r(2, 4, 4), W), "Expected 4D (unbatched) or 5D (batched) input to conv3d"),
    "conv3d weight dims": (_conv(X, _r(3, 2, 2, 2)), "a list of 2 values to match the convolution dimensions"),
    "conv3d stride length": (_conv(X, W, stride=(1, 2)), "expected stride to be a single integer value or a list of 3"),
    "conv3d stride type": (_conv(X, W, stride=1.5), "conv3d() received an invalid combination of arguments"),
    "conv3d groups": (_conv(X, W, groups=0), "non-positive groups is not supported"),
    "conv3d negative padding": (_conv(X, W, padding=-1, stride=0), "negative padding is not supported"),
    "conv3d stride": (_conv(_r(1, 3, 4, 4, 4), W, stride=0), "non-positive stride is not supported"),
    "conv3d padding string": (_conv(X, W, padding="full"), "Invalid padding string: 'full'"),
    "conv3d same strided": (_conv(X, W, padding="same", stride=2), "padding='same' is not supported for strided"),
    "conv3d groups weight": (_conv(_r(1, 4, 4, 4, 4), _r(2, 1, 2, 2, 2), groups=4), "expected weight to be at least 4"),
    "conv3d groups divisible": (_conv(_r(1, 4, 4, 4, 4), W, groups=2), "expected weight to be divisible by 2"),
    "conv3d channels": (_conv(_r(1, 3, 4, 4, 4), W, dilation=0), "expected input[1, 3, 4, 4, 4] to have 2 channels"),
    "conv3d bias": (lambda lib: F(lib).conv3d(X(lib), W(lib), lib.ones(4)), "expected bias to be 1-dimensional with 3"),
    "conv3d bias dtype": (
        lambda lib: F(lib).conv3d(X(lib), W(lib), _r(3, dtype="float64")(lib)),
        "Input type (float) and bias type (double) should be the same",
    ),  # fmt: skip
    "conv3d kernel": (_conv(_r(1, 2, 1, 4, 4), W), "Calculated padded input size per channel: (1 x 4 x 4). Kernel"),
    "conv3d dilation": (_conv(X, _r(3, 2, 2, 2, 2, dtype="float64"), dilation=0), "dilation should be greater than"),
    "conv3d empty kernel": (_conv(X, _r(3, 2, 0, 2, 2, dtype="float64")), "but got: 0 x 2 x 2 (TxHxW)"),
    "conv3d bool": (_conv(_r(1, 2, 4, 4, 4, dtype="bool"), W), "\"compute_columns3d\" not implemented for 'Bool'"),
    "conv3d weight dtype": (
        _conv(X, _r(3, 2, 2, 2, 2, dtype="float64")),
        "expected scalar type Float but found Double",
    ),
    "transposed input dims": (
        _convt(_r(4, 4, 4), WT),
        "Expected 4D (unbatched) or 5D (batched) input to conv_transpose3d",
    ),
    "transposed padding type": (_convt(X, WT, padding="same"), "argument 'padding' must be tuple of ints, not str"),
    "transposed output padding length": (_convt(X, WT, output_padding=(1, 1)), "a list of 3 values"),
    "transposed weight dims": (_convt(X, _r(2, 3, 2, 2)), "a list of 2 values to match the convolution dimensions"),
    "transposed negative output padding": (
        _convt(X, WT, output_padding=-1),
        "negative output_padding is not supported",
    ),
    "transposed stride": (_convt(_r(1, 3, 4, 4, 4), WT, stride=0), "non-positive stride is not supported"),
    "transposed groups": (_convt(X, WT, groups=3), "expected weight to be at least 3 at dimension 0"),
    "transposed channels": (_convt(_r(1, 3, 4, 4, 4), WT), "expected input[1, 3, 4, 4, 4] to have 2 channels"),
    "transposed bias": (lambda lib: F(lib).conv_transpose3d(X(lib), WT(lib), lib.ones(2)), "with 3 elements"),
    "transposed dilation": (_convt(X, WT, dilation=0), "dilation_depth: 0, dilation_height: 0, dilation_width: 0"),
    "transposed output padding": (
        _convt(X, WT, stride=2, output_padding=2),
        "output_padding_depth: 2 output_padding_height: 2 output_padding_width: 2 stride_depth: 2",
    ),  # fmt: skip
    "transposed empty kernel": (_convt(X, _r(2, 3, 0, 2, 2)), "tensor expected for weight, but got: [2, 3, 0, 2, 2]"),
    "transposed too small": (
        _convt(_r(1, 2, 1, 1, 1), _r(2, 3, 1, 1, 1), padding=1),
        "Calculated output size per channel: (-1 x -1 x -1). Output size is too small",
    ),  # fmt: skip
    "transposed int32": (
        _convt(_r(1, 2, 4, 4, 4, dtype="int32"), WT),
        '"slow_conv_transpose3d_out_cpu" not implemented',
    ),
    "transposed weight dtype": (_convt(X, _r(2, 3, 2, 2, 2, dtype="float64")), "expected scalar type Float but found"),
    "max input dims": (
        _pool("max_pool3d", _r(2, 4, 4), 2),
        "non-empty 4D or 5D (batch mode) tensor expected for input",
    ),
    "max kernel type": (_pool("max_pool3d", X, 2.0), "argument 'kernel_size' (position 2) must be tuple of ints"),
    "max kernel length": (_pool("max_pool3d", X, (2, 2)), "max_pool3d: kernel_size must either be a single int, or a"),
    "max stride length": (_pool("max_pool3d", X, 2, (1, 2)), "max_pool3d: stride must either be omitted, a single int"),
    "max padding length": (_pool("max_pool3d", X, 2, 1, (1, 1)), "max_pool3d: padding must either be a single int"),
    "max dilation length": (_pool("max_pool3d", X, 2, 1, 0, (1, 1)), "max_pool3d: dilation must be either a single"),
    "max zero kernel": (_pool("max_pool3d", X, 0), "stride should not be zero"),
    "max zero kernel, stride": (_pool("max_pool3d", X, 0, 1), "kernel size should be greater than zero, but got kT: 0"),
    "max negative stride": (_pool("max_pool3d", X, 2, -1), "stride should be greater than zero, but got dT: -1 dH: -1"),
    "max dilation": (
        _pool("max_pool3d", X, 2, 1, 0, -1),
        "dilation should be greater than zero, but got dilationT: -1",
    ),
    "max negative padding": (_pool("max_pool3d", X, 2, 1, -1), "pad must be non-negative, but got pad: -1"),
    "max big padding": (_pool("max_pool3d", _r(1, 0, 4, 4, 4), 2, 1, 2), "pad should be at most half of effective"),
    "max big dilated padding": (_pool("max_pool3d", X, 2, 1, 2, 3), "kT: 2 kW: 2 kH: 2 padT: 2 padW: 2 padH: 2"),
    "max empty": (_pool("max_pool3d", _r(1, 0, 4, 4, 4), 2), "non-batch dimensions to have positive length"),
    "max too small": (
        _pool("max_pool3d", _r(1, 2, 1, 4, 4), 3, 1, 1, 2),
        "Given input size: (2x1x4x4). Calculated output size: (2x-1x2x2). Output size is too small",
    ),  # fmt: skip
    "max bool": (_pool("max_pool3d", _r(1, 2, 4, 4, 4, dtype="bool"), 2), "\"max_pool3d\" not implemented for 'Bool'"),
    "avg input dims": (_pool("avg_pool3d", _r(4, 4), 2), "non-empty 4D or 5D (batch mode) tensor expected for input"),
    "avg kernel length": (_pool("avg_pool3d", X, (2, 2)), "avg_pool3d: kernel_size must be a single int, or a tuple"),
    "avg stride length": (_pool("avg_pool3d", X, 2, (1, 2)), "avg_pool3d: stride must be omitted, a single int"),
    "avg divisor": (_pool("avg_pool3d", X, 0, 1, divisor_override=0), "divisor must be not zero"),
    "avg divisor type": (_pool("avg_pool3d", X, 2, divisor_override=1.5), "argument 'divisor_override' must be int"),
    "avg smaller than kernel": (
        _pool("avg_pool3d", _r(1, 2, 1, 4, 4), 2, 1, 1),
        "input image (T: 1 H: 4 W: 4) smaller than kernel size (kT: 2 kH: 2 kW: 2)",
    ),  # fmt: skip
    "avg empty": (_pool("avg_pool3d", _r(1, 2, 0, 4, 4), 2), "avg_pool3d(): Expected input's non-batch dimensions"),
    "avg int32": (_pool("avg_pool3d", _r(1, 2, 4, 4, 4, dtype="int32"), 2), '"avg_pool3d_out_frame" not implemented'),
    "adaptive avg dims": (_pool("adaptive_avg_pool3d", _r(2, 4, 4), 2), "adaptive_avg_pool3d(): Expected 4D or 5D"),
    "adaptive avg short input": (_pool("adaptive_avg_pool3d", _r(2, 4, 4), (2, 2, 2)), "should be at least 4"),
    "adaptive avg size length": (_pool("adaptive_avg_pool3d", X, (2, 2)), "adaptive_avg_pool3d: output_size must be 3"),
    "adaptive avg negative": (
        _pool("adaptive_avg_pool3d", X, (-2, 3, -1)),
        "elements of output_size must be greater than or equal to 0 but received {-2, 3,-1}",
    ),  # fmt: skip
    "adaptive avg float": (_pool("adaptive_avg_pool3d", X, 2.0), "object of type 'float' has no len()"),
    "adaptive avg float element": (
        _pool("adaptive_avg_pool3d", X, (1.0, 2, 3)),
        "found element of type float at pos 0",
    ),
    "adaptive avg empty": (_pool("adaptive_avg_pool3d", _r(1, 2, 0, 4, 4), 2), "with dimension 2 being empty"),
    "adaptive avg int": (_pool("adaptive_avg_pool3d", _r(1, 2, 4, 4, 4, dtype="int64"), 2), "adaptive_avg_pool3d_cpu"),
    "adaptive avg int global": (_pool("adaptive_avg_pool3d", _r(1, 2, 4, 4, 4, dtype="int64"), 1), "mean(): could"),
    "adaptive max dims": (_pool("adaptive_max_pool3d", _r(2, 4, 4), 1), "adaptive_max_pool3d(): Expected 4D or 5D"),
    "adaptive max size length": (_pool("adaptive_max_pool3d", X, (2, 2)), "output_size.size() must be 3"),
    "adaptive max negative": (
        _pool("adaptive_max_pool3d", X, (2, -3, -1)),
        "Trying to create tensor with negative dimension -3: [1, 2, 2, -3, -1]",
    ),  # fmt: skip
    "adaptive max empty": (_pool("adaptive_max_pool3d", _r(1, 2, 0, 4, 4), (2, 2, -1)), "dimension 2 being empty"),
    "adaptive max bool": (_pool("adaptive_max_pool3d", X, True), "must be tuple of ints, not bool"),
    "adaptive max int": (_pool("adaptive_max_pool3d", _r(1, 2, 4, 4, 4, dtype="int32"), 2), "adaptive_max_pool3d_cpu"),
}


def _pooled(lib: Any) -> tuple:
    return F(lib).max_pool3d(lib.arange(64.0).reshape(1, 1, 4, 4, 4), 2, return_indices=True)


ERRORS.update(
    {
        "unpool indices dtype": (
            lambda lib: F(lib).max_unpool3d(_pooled(lib)[0], _pooled(lib)[1].int(), 2),
            "elements in indices should be type int64",
        ),  # fmt: skip
        "unpool dims": (
            lambda lib: F(lib).max_unpool3d(_pooled(lib)[0][0, 0], _pooled(lib)[1][0, 0], 2),
            "Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with 3 dimensions.",
        ),  # fmt: skip
        "unpool shapes": (
            lambda lib: F(lib).max_unpool3d(_pooled(lib)[0], _pooled(lib)[1][..., :1], 2),
            "Expected shape of indices to be same as that of the input tensor",
        ),  # fmt: skip
        "unpool output size": (
            lambda lib: F(lib).max_unpool3d(*_pooled(lib), 2, output_size=(6, 5, 5)),
            'invalid output_size "(6, 5, 5)" (dim 0 must be between 2 and 6)',
        ),  # fmt: skip
        "unpool output size length": (
            lambda lib: F(lib).max_unpool3d(*_pooled(lib), 2, output_size=(5, 5)),
            "output_size should be a sequence containing 3 or 5 elements",
        ),  # fmt: skip
        "unpool kernel length": (
            lambda lib: F(lib).max_unpool3d(*_pooled(lib), (2, 2)),
            "There should be exactly three elements (depth, height, width) in output_size",
        ),  # fmt: skip
        "unpool stride": (
            lambda lib: F(lib).max_unpool3d(*_pooled(lib), 2, 0),
            "strides should be greater than zero, but got stride: [0, 0, 0]",
        ),  # fmt: skip
        "unpool index": (
            lambda lib: F(lib).max_unpool3d(*_pooled(lib), 2, 2, 1),
            "Found an invalid max index: ",
        ),  # fmt: skip
        "unpool int": (
            lambda lib: F(lib).max_unpool3d(_pooled(lib)[0].long(), _pooled(lib)[1], 2),
            "\"max_unpool3d\" not implemented for 'Long'",
        ),  # fmt: skip
        "ConvTranspose3d padding_mode": (
            lambda lib: lib.nn.ConvTranspose3d(3, 2, 3, padding_mode="reflect"),
            'Only "zeros" padding mode is supported for ConvTranspose3d',
        ),  # fmt: skip
        "Conv3d same strided": (
            lambda lib: lib.nn.Conv3d(3, 2, 3, stride=2, padding="same"),
            "padding='same' is not supported for strided convolutions",
        ),  # fmt: skip
        "lp_pool1d kernel": (lambda lib: F(lib).lp_pool1d(_r(2, 5)(lib), 2, (2,)), "must be Tensor, not tuple"),
        "lp_pool2d kernel": (lambda lib: F(lib).lp_pool2d(_r(2, 5, 5)(lib), 2, (2,)), "expected 2, got 1"),
        "lp_pool3d kernel": (lambda lib: F(lib).lp_pool3d(_r(2, 5, 5, 5)(lib), 2, (2, 2, 2, 2)), "too many values"),
        "Conv3d groups": (lambda lib: lib.nn.Conv3d(3, 2, 3, groups=2), "in_channels must be divisible by groups"),
        "output_size range": (
            lambda lib: lib.nn.ConvTranspose3d(3, 2, 3)(_r(1, 3, 4, 4, 4)(lib), output_size=(9, 9, 9)),
            "requested an output size of (9, 9, 9), but valid sizes range from [6, 6, 6] to [6, 6, 6]",
        ),  # fmt: skip
        "output_size length": (
            lambda lib: lib.nn.ConvTranspose3d(3, 2, 3, stride=2)(_r(1, 3, 4, 4, 4)(lib), output_size=(10,)),
            "ConvTranspose3D: for 5D input, output_size must have 3 or 5 elements (got 1)",
        ),  # fmt: skip
    }
)


@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_errors_match_torch(case: tuple) -> None:
    raises_like(*case)
