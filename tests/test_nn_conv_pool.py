"""conv2d, max_pool2d and avg_pool2d against torch: outputs, indices, gradients, gradcheck, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
import minitorch.nn.functional  # noqa: F401  (binds minitorch.nn)
from tests import strategies as S
from tests.parity import check_both, check_gradcheck, check_parity, raises_like

GRADCHECK_NUMEL = 160  # inputs + outputs; gradcheck runs a forward per input element and a backward per output


def F(lib: Any) -> Any:
    return lib.nn.functional


def pair_or_int(draw: Any, values: st.SearchStrategy) -> Any:
    """An int, a 1-tuple or a 2-tuple, as torch accepts for kernel/stride/padding/dilation."""
    a, b = draw(values), draw(values)
    return draw(st.sampled_from([a, (a,), (a, b)]))


def as_pair(v: Any) -> tuple:
    if isinstance(v, int):
        return (v, v)
    return tuple(v) * (2 if len(v) == 1 else 1)


@st.composite
def distinct(draw: Any, shape: tuple) -> np.ndarray:
    """Values in [-1, 1] no two closer than 1/n: max pooling has no ties, even in float32."""
    n = int(np.prod(shape))
    order = np.array(draw(st.permutations(list(range(n)))), dtype=np.float64)
    return (order / max(n - 1, 1) * 2 - 1).reshape(shape)


@st.composite
def conv_cases(draw: Any) -> tuple:
    """(x, weight, bias, kwargs): every way of passing stride/padding/dilation, groups, unbatched inputs."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = pair_or_int(draw, st.integers(1, 2))
    padding = draw(st.sampled_from(["int", "same", "valid"]))
    stride = 1 if padding == "same" else pair_or_int(draw, st.integers(1, 3))
    if padding == "int":
        padding = pair_or_int(draw, st.integers(0, 2))
    pads = as_pair(padding) if not isinstance(padding, str) else (0, 0)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, as_pair(dilation))]
    h, w = (draw(st.integers(max(1, s - 2 * p), max(1, s - 2 * p) + 3)) for s, p in zip(spans, pads))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    x = draw(S.arrays(batch + (groups * cg, h, w)))
    weight = draw(S.arrays((groups * og, cg) + kernel, noncontiguous=False))
    bias = draw(st.none() | S.arrays((groups * og,), noncontiguous=False))
    return x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


def _small(*arrays: Any, out: int) -> bool:
    return sum(a.size for a in arrays if a is not None) + out <= GRADCHECK_NUMEL


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # torch's, about its copy
@given(conv_cases())
def test_conv2d_parity(case: tuple) -> None:
    x, weight, bias, kw = case
    fn = lambda lib, x, w, b: F(lib).conv2d(x, w, b, **kw)  # noqa: E731
    out = torch.nn.functional.conv2d(
        torch.tensor(x), torch.tensor(weight), None if bias is None else torch.tensor(bias), **kw
    )
    check_both(fn, x, weight, bias, gradcheck=_small(x, weight, bias, out=out.numel()))


@st.composite
def pool_cases(draw: Any, kind: str) -> tuple:
    """(x, kwargs) for max_pool2d (dilation, indices) or avg_pool2d (count_include_pad, divisor_override)."""
    kernel = pair_or_int(draw, st.integers(1, 3))
    k = as_pair(kernel)
    stride = draw(st.none() | st.just(()) | st.integers(1, 3) | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.sampled_from([0, (0,), (k[0] // 2, k[1] // 2), k[0] // 2 if k[0] == k[1] else 0]))
    kw: dict = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=draw(st.booleans()))
    dilation = (1, 1)
    if kind == "max":
        kw["dilation"] = draw(st.sampled_from([1, 2, (1, 2)]))
        kw["return_indices"] = draw(st.booleans())
        dilation = as_pair(kw["dilation"])
    else:
        kw["count_include_pad"] = draw(st.booleans())
        kw["divisor_override"] = draw(st.sampled_from([None, None, 1, 3]))
    pads = as_pair(padding)
    spans = [d * (kk - 1) + 1 for kk, d in zip(k, dilation)]
    # Every window must reach the input: torch's index for one that holds only padding is undefined.
    first_tap = [-p + -(-p // d) * d for p, d in zip(pads, dilation)]
    lows = [max(1, s - 2 * p, f + 1) for s, p, f in zip(spans, pads, first_tap)]
    h, w = (draw(st.integers(lo, lo + 4)) for lo in lows)
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    return draw(distinct(batch + (draw(st.integers(1, 2)), h, w))), kw


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool2d_parity(kind: str) -> None:
    @given(pool_cases(kind))
    def run(case: tuple) -> None:
        x, kw = case
        fn = lambda lib, x: getattr(F(lib), f"{kind}_pool2d")(x, **kw)  # noqa: E731
        check_both(fn, x, gradcheck=x.size <= GRADCHECK_NUMEL // 2)

    run()


@settings(max_examples=10)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.booleans())
def test_max_pool2d_overlapping_windows_accumulate_gradient(k: int, s: int, d: int, ceil: bool) -> None:
    """Stride below the kernel span: one input wins several windows, and its gradient sums them."""
    x = np.linspace(-1, 1, 2 * 7 * 6).reshape(1, 2, 7, 6) ** 3
    check_both(lambda lib, t: F(lib).max_pool2d(t, k, s, k // 2, d, ceil, True), x, gradcheck=False)


@pytest.mark.parametrize("kernel", [2, 3, (2, 3), (3, 1)])
@pytest.mark.parametrize("size", [(6, 6), (7, 8)])
def test_max_pool2d_tiles_with_ties_and_nans_route_the_gradient_like_torch(kernel: Any, size: tuple) -> None:
    """Tiles with repeated maxima (ReLU zeros), -inf, +inf and NaN: the gradient goes where torch sends it
    (the first maximum in a tile, or its last NaN), in float32 and float64; leftover rows get none."""
    rng = np.random.default_rng(7)
    x = np.maximum(rng.integers(-3, 3, (2, 3) + size), 0).astype(np.float64)  # many ties at 0, 1, 2
    x[1, 0, :2, :2] = -np.inf
    x[1, 2, 0, 0] = np.inf
    with_nan = x.copy()  # a NaN anywhere changes how the whole batch is routed: test both ways
    with_nan[0, 0, 0, :3] = np.nan
    with_nan[0, 1, 1, 1] = np.nan
    grad = rng.standard_normal((2, 3) + tuple(n // k for n, k in zip(size, as_pair(kernel))))
    for x, dtype in ((x, np.float32), (x, np.float64), (with_nan, np.float32), (with_nan, np.float64)):
        got, want = [], []
        for lib, out in ((minitorch, got), (torch, want)):
            t = lib.tensor(x.astype(dtype), requires_grad=True)
            y = F(lib).max_pool2d(t, kernel)
            y.backward(lib.tensor(grad.astype(dtype)))
            out += [y.detach().numpy(), t.grad.numpy()]
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_max_pool2d_windows_without_a_finite_value_point_inside_the_input() -> None:
    """An all -inf window reports, like torch, the first tap inside the input (never a padding position)."""
    x = np.full((1, 1, 5, 5), -np.inf)
    x[0, 0, 4, 4] = 1.0
    for kw in [dict(kernel_size=2, stride=1, padding=1), dict(kernel_size=3, stride=2, padding=1, dilation=2)]:
        check_parity(lambda lib, t: F(lib).max_pool2d(t, return_indices=True, **kw), x, grad=False)


def test_max_pool2d_window_that_misses_the_input() -> None:
    """Dilation can make a window hold only padding: -inf out, torch's index, and its gradient goes nowhere."""
    x = np.array([[[[0.5]], [[-0.5]]]])
    check_parity(lambda lib, t: F(lib).max_pool2d(t, 2, padding=1, dilation=2, return_indices=True), x, grad=False)
    t = minitorch.tensor(x, requires_grad=True)
    F(minitorch).max_pool2d(t, 2, padding=1, dilation=2).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.zeros_like(x))


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, x, w, b: F(lib).conv2d(x, w, b, stride=2, padding=1),
        lambda lib, x, w, b: F(lib).conv2d(x, w, b, padding="same", dilation=(2, 1)),
        lambda lib, x, w, b: F(lib).conv2d(x, w[:2, :1], b[:2], groups=2),
        lambda lib, x, w, b: lib.max_pool2d(lib.conv2d(x, w, b, 1, 1, 2), 2, 1, 1, 1, True),
    ],
    ids=["strided", "same_dilated", "grouped", "torch_namespace"],
)
def test_conv2d_float32_stays_float32_on_device(fn: Callable, device: str) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.uniform(-1, 1, (2, 2, 6, 5)), rng.uniform(-1, 1, (4, 2, 3, 2)), rng.uniform(-1, 1, 4)
    check_parity(fn, x, w, b, dtype=np.float32, device=device)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool2d_on_device(kind: str, device: str) -> None:
    x = np.random.default_rng(1).permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) / 252.0
    check_parity(
        lambda lib, t: getattr(F(lib), f"{kind}_pool2d")(t, 3, 2, 1, ceil_mode=True), x, dtype=np.float32, device=device
    )


@pytest.mark.parametrize(
    "kw",
    [dict(), dict(padding=(2, 1), dilation=(1, 2)), dict(groups=2, padding=1)],
    ids=["plain", "padded_dilated", "grouped"],
)
def test_conv2d_batch_split_into_many_chunks(kw: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stride-1 conv works through the batch in chunks; a tiny chunk size forces several, and a last
    partial one, in the forward, the weight gradient and the input gradient."""
    from minitorch.ops import conv_flat

    monkeypatch.setattr(conv_flat, "CHUNK_BYTES", 70_000)  # chunks of 2-4 images of 7: the last one partial
    rng = np.random.default_rng(3)
    x, w, b = (
        rng.uniform(-1, 1, (7, 4, 9, 8)),
        rng.uniform(-1, 1, (6, 4 // kw.get("groups", 1), 3, 3)),
        rng.uniform(-1, 1, 6),
    )
    check_parity(lambda lib, x, w, b: F(lib).conv2d(x, w, b, **kw), x, w, b)


def test_conv2d_weight_and_bias_gradients_without_input_gradient() -> None:
    """Only the parameters require grad (the first layer of a network): no input gradient is formed."""
    rng = np.random.default_rng(2)
    x = minitorch.tensor(rng.uniform(-1, 1, (2, 3, 5, 5)))
    check_gradcheck(
        lambda lib, w, b: F(lib).conv2d(x, w, b, stride=2), rng.uniform(-1, 1, (2, 3, 2, 2)), rng.uniform(-1, 1, 2)
    )


X4 = lambda lib: lib.ones(2, 3, 6, 6)  # noqa: E731
W4 = lambda lib: lib.ones(4, 3, 3, 3)  # noqa: E731

ERRORS = [
    ("channels", lambda lib: F(lib).conv2d(lib.ones(2, 5, 6, 6), W4(lib)), "to have 3 channels"),
    (
        "kernel_too_big",
        lambda lib: F(lib).conv2d(lib.ones(1, 3, 2, 2), W4(lib)),
        "Kernel size can't be greater than actual input size",
    ),
    (
        "dilated_kernel_too_big",
        lambda lib: F(lib).conv2d(lib.ones(1, 3, 4, 4), W4(lib), dilation=2),
        "Kernel size: (5 x 5)",
    ),
    (
        "same_strided",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib), padding="same", stride=2),
        "padding='same' is not supported for strided convolutions",
    ),
    (
        "bad_padding_string",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib), padding="full"),
        "Invalid padding string: 'full'",
    ),
    ("groups_channels", lambda lib: F(lib).conv2d(X4(lib), W4(lib), groups=2), "to have 6 channels"),
    (
        "groups_out",
        lambda lib: F(lib).conv2d(lib.ones(2, 4, 6, 6), lib.ones(3, 2, 3, 3), groups=2),
        "expected weight to be divisible by 2 at dimension 0",
    ),
    ("groups_zero", lambda lib: F(lib).conv2d(X4(lib), W4(lib), groups=0), "non-positive groups is not supported"),
    (
        "input_2d",
        lambda lib: F(lib).conv2d(lib.ones(6, 6), W4(lib)),
        "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [6, 6]",
    ),
    (
        "bias_size",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib), lib.ones(3)),
        "expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead",
    ),
    (
        "weight_dtype",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib).double()),
        "Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same",
    ),
    (
        "bias_dtype",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib), lib.ones(4).double()),
        "Input type (float) and bias type (double) should be the same",
    ),
    ("negative_padding", lambda lib: F(lib).conv2d(X4(lib), W4(lib), padding=-1), "negative padding is not supported"),
    ("zero_stride", lambda lib: F(lib).conv2d(X4(lib), W4(lib), stride=0), "non-positive stride is not supported"),
    (
        "zero_dilation",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib), dilation=(1, 0)),
        "non-positive dilation is not supported",
    ),
    (
        "padding_triple",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib), padding=(1, 1, 1)),
        "expected padding to be a single integer value or a list of 2 values",
    ),
    ("avg_zero_divisor", lambda lib: F(lib).avg_pool2d(X4(lib), 2, divisor_override=0), "divisor must be not zero"),
    (
        "max_zero_dilation",
        lambda lib: F(lib).max_pool2d(X4(lib), 2, dilation=0),
        "dilation should be greater than zero, but got dilationH: 0 dilationW: 0",
    ),
    (
        "max_kernel_triple",
        lambda lib: F(lib).max_pool2d(X4(lib), (2, 2, 2)),
        "max_pool2d: kernel_size must either be a single int, or a tuple of two ints",
    ),
    (
        "bool_stride",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib), stride=True),
        "conv2d() received an invalid combination of arguments - got (Tensor, Tensor, stride=bool)",
    ),
    (
        "float_padding",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib), padding=1.0),
        "conv2d() received an invalid combination of arguments - got (Tensor, Tensor, padding=float)",
    ),
    (
        "bool_groups",
        lambda lib: F(lib).conv2d(X4(lib), W4(lib), groups=True),
        "conv2d() received an invalid combination of arguments - got (Tensor, Tensor, groups=bool)",
    ),
    (
        "max_float_kernel",
        lambda lib: F(lib).max_pool2d(X4(lib), 2.0),
        "max_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not float",
    ),
    (
        "max_bool_dilation",
        lambda lib: F(lib).max_pool2d(X4(lib), 2, dilation=True),
        "max_pool2d(): argument 'dilation' (position 5) must be tuple of ints, not bool",
    ),
    (
        "avg_bool_stride",
        lambda lib: F(lib).avg_pool2d(X4(lib), 2, True),  # torch names the position only
        "must be tuple of ints, not bool",
    ),  # when it was given by position
    (
        "zero_kernel_module",
        lambda lib: lib.nn.Conv2d(1, 1, 0)(lib.ones(1, 1, 4, 4)),
        "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0",
    ),
    (
        "zero_kernel_weight",
        lambda lib: F(lib).conv2d(lib.ones(1, 1, 4, 4), lib.zeros(1, 1, 0, 0)),
        "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0",
    ),
    (
        "zero_kernel_height",
        lambda lib: F(lib).conv2d(lib.ones(1, 1, 4, 4), lib.zeros(1, 1, 0, 2), stride=2),
        "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 2",
    ),
    (
        "no_out_channels",
        lambda lib: F(lib).conv2d(lib.ones(1, 1, 4, 4), lib.zeros(0, 1, 2, 2)),
        "Given groups=1, expected weight to be at least 1 at dimension 0, but got weight of size [0, 1, 2, 2] instead",
    ),
    (
        "avg_1d_input",
        lambda lib: F(lib).avg_pool2d(lib.ones(4), 2),
        "Dimension out of range (expected to be in range of [-1, 0], but got -3)",
    ),
    (
        "pad_value_type",
        lambda lib: F(lib).pad(lib.ones(3), (1, 1), value="a"),
        "pad(): argument 'value' (position 4) must be float, not str",
    ),
    (
        "pad_value_range",
        lambda lib: F(lib).pad(lib.ones(3, dtype=lib.uint8), (1, 1), value=-1),
        "value cannot be converted to type uint8_t without overflow",
    ),
    (
        "flatten_0d",
        lambda lib: lib.nn.Flatten()(lib.ones(())),
        "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
    ),
]

# (name, fn(lib, pool), gist): shared by max_pool2d and avg_pool2d
POOL_ERRORS = [
    (
        "big_pad",
        lambda lib, pool: pool(X4(lib), 3, padding=2),
        "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3",
    ),
    ("negative_pad", lambda lib, pool: pool(X4(lib), 2, padding=-1), "pad must be non-negative, but got pad: -1"),
    (
        "big_kernel",
        lambda lib, pool: pool(X4(lib), 7),
        "Given input size: (3x6x6). Calculated output size: (3x0x0). Output size is too small",
    ),
    ("zero_stride", lambda lib, pool: pool(X4(lib), 2, 0), "stride should not be zero"),
    ("zero_kernel", lambda lib, pool: pool(X4(lib), 0), "stride should not be zero"),
    (
        "empty_plane",
        lambda lib, pool: pool(lib.ones(1, 1, 0, 4), 2),
        "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input",
    ),
]


@pytest.mark.parametrize("name,fn,gist", ERRORS, ids=[c[0] for c in ERRORS])
def test_conv_pool_errors_match_torch(name: str, fn: Callable, gist: str) -> None:
    raises_like(fn, gist)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name,fn,gist", POOL_ERRORS, ids=[c[0] for c in POOL_ERRORS])
def test_pool_errors_match_torch(kind: str, name: str, fn: Callable, gist: str) -> None:
    raises_like(lambda lib: fn(lib, getattr(F(lib), f"{kind}_pool2d")), gist)


def test_conv2d_without_input_channels_is_its_bias() -> None:
    """No input channels: numpy's plan divided by the (zero) column size; the sum over nothing is the bias.
    (torch returns an (N, 0, H, W) tensor here; see the report of issue 13.)"""
    x, w = minitorch.ones(2, 0, 4, 4), minitorch.ones(3, 0, 2, 2)
    for stride in (1, 2):
        out = F(minitorch).conv2d(x, w, minitorch.arange(3.0), stride=stride)
        assert out.shape == (2, 3, 4 // stride - (stride == 1), 4 // stride - (stride == 1))
        assert (out == minitorch.arange(3.0).reshape(1, 3, 1, 1)).all()


def test_pad_value_is_converted_as_torch_converts_it() -> None:
    for dtype, value in [
        ("float64", 0.7363953285123457),
        ("float16", 1.0 + 2**-11 + 2**-40),
        ("uint8", 2.7),
        ("int64", 2**63),
        ("bool", 2),
    ]:
        got, want = (
            F(lib).pad(lib.ones(3, dtype=getattr(lib, dtype)), (1, 1), value=value).tolist()
            for lib in (minitorch, torch)
        )
        assert got == want


def test_conv2d_empty_batch() -> None:
    check_parity(lambda lib, x, w: F(lib).conv2d(x, w, padding=1), np.zeros((0, 2, 4, 4)), np.ones((3, 2, 3, 3)))


def test_cached_layer_checks_never_let_float_arguments_through() -> None:
    """conv2d/max_pool2d remember checked arguments per call signature; 1.0 equals 1 as a dict key, yet a
    float argument must still fail as it does on a first call."""
    x, w = minitorch.ones(1, 1, 6, 6), minitorch.ones(1, 1, 3, 3)
    assert F(minitorch).conv2d(x, w, padding=1).shape == (1, 1, 6, 6)
    assert F(minitorch).max_pool2d(x, 2).shape == (1, 1, 3, 3)
    with pytest.raises(TypeError):
        F(minitorch).conv2d(x, w, padding=1.0)
    with pytest.raises(TypeError):
        F(minitorch).max_pool2d(x, 2.0)


def test_numpy_integers_are_accepted_as_layer_arguments() -> None:
    """torch's argument parser takes numpy ints (not bools) wherever it takes ints."""
    for lib in (minitorch, torch):
        x, w = lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3)
        assert tuple(F(lib).conv2d(x, w, stride=np.int64(2), groups=np.int64(1)).shape) == (1, 1, 2, 2)
        assert tuple(F(lib).conv2d(x, w, padding=(np.int64(1), 0)).shape) == (1, 1, 6, 4)
        assert tuple(F(lib).max_pool2d(x, np.int64(2)).shape) == (1, 1, 3, 3)
        assert tuple(F(lib).avg_pool2d(x, (np.int64(3), 2)).shape) == (1, 1, 2, 3)
