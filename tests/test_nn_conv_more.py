"""conv1d, conv_transpose2d and conv_transpose1d against torch: outputs and the gradients of input, weight
and bias in float64 and float32, gradcheck; the modules (padding modes, output_size, state dicts both
ways, reprs) and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import strategies as S
from tests.parity import check_both, raises_like
from tests.test_nn_conv_pool import GRADCHECK_NUMEL
from tests.test_nn_layers import DTYPES, check_layer


def F(lib: Any) -> Any:
    return lib.nn.functional


def one(draw: Any, values: st.SearchStrategy) -> Any:
    v = draw(values)
    return draw(st.sampled_from([v, (v,)]))


@st.composite
def conv1d_cases(draw: Any) -> tuple:
    groups = draw(st.sampled_from([1, 1, 2]))
    cg, og, k = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    dilation = one(draw, st.integers(1, 2))
    padding = draw(st.sampled_from(["int", "same", "valid"]))
    stride = 1 if padding == "same" else one(draw, st.integers(1, 3))
    p = 0
    if padding == "int":
        p = draw(st.integers(0, 2))
        padding = draw(st.sampled_from([p, (p,)]))
    d = dilation if isinstance(dilation, int) else dilation[0]
    span = d * (k - 1) + 1
    length = draw(st.integers(max(1, span - 2 * p), max(1, span - 2 * p) + 4))
    batch = draw(st.sampled_from([(), (2,)]))
    x = draw(S.arrays(batch + (groups * cg, length)))
    weight = draw(S.arrays((groups * og, cg, k), noncontiguous=False))
    bias = draw(st.none() | S.arrays((groups * og,), noncontiguous=False))
    return x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@given(conv1d_cases())
def test_conv1d_parity(case: tuple) -> None:
    x, weight, bias, kw = case
    small = x.size + weight.size + (0 if bias is None else bias.size) <= GRADCHECK_NUMEL // 2
    check_both(lambda lib, x, w, b: F(lib).conv1d(x, w, b, **kw), x, weight, bias, gradcheck=small)


@st.composite
def transposed_cases(draw: Any, dims: int) -> tuple:
    groups = draw(st.sampled_from([1, 1, 2]))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    space = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    # padding may crop up to (but not all of) the full result
    full = [(n - 1) * s + d * (k - 1) + 1 + o for n, s, d, k, o in zip(space, stride, dilation, kernel, output_padding)]
    padding = tuple(draw(st.integers(0, min(2, (f - 1) // 2))) for f in full)
    batch = draw(st.sampled_from([(), (2,)]))
    x = draw(S.arrays(batch + (groups * cg,) + space))
    weight = draw(S.arrays((groups * cg, og) + kernel, noncontiguous=False))
    bias = draw(st.none() | S.arrays((groups * og,), noncontiguous=False))

    def spell(v: tuple) -> Any:
        return draw(st.sampled_from([v, v[0]] if len(set(v)) == 1 else [v]))

    kw = dict(
        stride=spell(stride),
        padding=spell(padding),
        output_padding=spell(output_padding),
        groups=groups,
        dilation=spell(dilation),
    )
    return x, weight, bias, kw


TRANSPOSED = {
    2: lambda lib, x, w, b, kw: F(lib).conv_transpose2d(x, w, b, **kw),
    1: lambda lib, x, w, b, kw: F(lib).conv_transpose1d(x, w, b, **kw),
}


@pytest.mark.parametrize("dims", [2, 1])
def test_conv_transpose_parity(dims: int) -> None:
    @given(transposed_cases(dims))
    def run(case: tuple) -> None:
        x, weight, bias, kw = case
        out = TRANSPOSED[dims](
            torch, torch.tensor(x), torch.tensor(weight), None if bias is None else torch.tensor(bias), kw
        )
        small = x.size + weight.size + out.numel() <= GRADCHECK_NUMEL
        check_both(lambda lib, x, w, b: TRANSPOSED[dims](lib, x, w, b, kw), x, weight, bias, gradcheck=small)

    run()


def test_top_level_spellings() -> None:
    """torch.conv1d, conv_transpose1d/2d: the functional ones, called with torch's positional order."""
    rng = np.random.default_rng(0)
    x, w1, w2 = rng.uniform(-1, 1, (2, 3, 5, 4)), rng.uniform(-1, 1, (2, 3, 2)), rng.uniform(-1, 1, (3, 2, 2, 2))
    check_both(lambda lib, x, w: lib.conv1d(x[:, :, 0], w, None, 2, 1, 1, 1), x, w1, gradcheck=False)
    check_both(lambda lib, x, w: lib.conv_transpose2d(x, w, None, 2, 1, 1, 1, 1), x, w2, gradcheck=False)
    check_both(lambda lib, x, w: lib.conv_transpose1d(x[:, :, 0], w[:, :, 0], None, 3), x, w2, gradcheck=False)


# ---------------------------------------------------------------- modules
def _u(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, shape)


MODULES: dict = {
    "Conv1d": (lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), _u(1, 2, 4, 9)),
    "Conv1d same dilated": (lambda nn: nn.Conv1d(3, 2, 4, padding="same", dilation=2, bias=False), _u(2, 2, 3, 7)),
    "Conv1d unbatched": (lambda nn: nn.Conv1d(3, 2, 2), _u(3, 3, 5)),
    "Conv1d reflect": (lambda nn: nn.Conv1d(2, 3, 3, padding=2, padding_mode="reflect"), _u(4, 2, 2, 6)),
    "Conv1d circular same": (lambda nn: nn.Conv1d(2, 3, 4, padding="same", padding_mode="circular"), _u(5, 2, 2, 6)),
    "Conv1d replicate": (lambda nn: nn.Conv1d(2, 3, 3, padding=1, padding_mode="replicate"), _u(6, 1, 2, 5)),
    "ConvTranspose2d": (
        lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
        _u(7, 2, 3, 4, 5),
    ),
    "ConvTranspose2d groups dilation": (
        lambda nn: nn.ConvTranspose2d(4, 6, (2, 3), stride=(1, 2), groups=2, dilation=(2, 1), bias=False),
        _u(8, 1, 4, 3, 3),
    ),
    "ConvTranspose2d unbatched": (lambda nn: nn.ConvTranspose2d(2, 2, 2, stride=2), _u(9, 2, 3, 3)),
    "ConvTranspose1d": (lambda nn: nn.ConvTranspose1d(2, 4, 3, stride=3, padding=1, output_padding=2), _u(10, 2, 2, 5)),
}


@DTYPES
@pytest.mark.parametrize("case", MODULES.values(), ids=list(MODULES))
def test_module_parity(case: tuple, dtype: Any) -> None:
    make, x = case
    check_layer(lambda lib: make(lib.nn), [x], dtype)


@pytest.mark.parametrize(
    "size", [(9, 10), (10, 9), [1, 2, 10, 10], (2, 9, 9)], ids=["hw", "hw2", "with batch and channels", "no batch"]
)
def test_conv_transpose_output_size_picks_the_output_padding(size: Any) -> None:
    x = _u(11, 1, 3, 4, 4) if len(size) != 3 else _u(11, 3, 4, 4)
    check_layer(lambda lib: _OutputSize(lib.nn.ConvTranspose2d(3, 2, 3, stride=2), size), [x], np.float64)


class _OutputSize:
    """A ConvTranspose2d called with ``output_size`` (check_layer calls modules with the input only)."""

    def __init__(self, conv: Any, size: Any) -> None:
        self.conv, self.size = conv, size

    def __call__(self, x: Any) -> Any:
        return self.conv(x, output_size=self.size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conv, name)


@pytest.mark.parametrize("make", [lambda nn: nn.Conv1d(3, 4, 3), lambda nn: nn.ConvTranspose2d(3, 4, (2, 3), groups=1)])
def test_state_dict_both_ways(make: Callable) -> None:
    theirs, ours = make(torch.nn), make(minitorch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    ours.load_state_dict(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[k].numpy(), v.numpy())
    fresh = make(torch.nn)
    fresh.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in make(minitorch.nn).state_dict().items()})
    bound = 1 / np.sqrt(fresh.weight.shape[1] * np.prod(fresh.weight.shape[2:]))  # torch's default init bound
    assert np.abs(fresh.weight.detach().numpy()).max() <= bound


REPRS: dict = {
    "Conv1d": lambda nn: nn.Conv1d(3, 4, 3, padding="same", padding_mode="circular"),
    "Conv1d plain": lambda nn: nn.Conv1d(3, 4, 5, stride=2, padding=1, dilation=2, groups=1, bias=False),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(3, 8, 3, stride=2, padding=1, output_padding=1),
    "ConvTranspose2d plain": lambda nn: nn.ConvTranspose2d(3, 8, (1, 2)),
    "ConvTranspose1d": lambda nn: nn.ConvTranspose1d(2, 4, 3, groups=2, bias=False, dilation=2),
}


@pytest.mark.parametrize("make", REPRS.values(), ids=list(REPRS))
def test_repr_matches_torch(make: Callable) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


# ---------------------------------------------------------------- errors
def _r(*shape: int) -> Callable:
    return lambda lib: lib.ones(*shape)


ERRORS = {
    "conv1d input dims": (
        lambda lib: F(lib).conv1d(_r(2, 3, 4, 5)(lib), _r(4, 3, 2)(lib)),
        "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [2, 3, 4, 5]",
    ),
    "conv1d weight dims": (
        lambda lib: F(lib).conv1d(_r(2, 3, 5)(lib), _r(4, 3, 2, 2)(lib)),
        "Expected 4-dimensional input for 4-dimensional weight [4, 3, 2, 2]",
    ),
    "conv1d channels": (
        lambda lib: F(lib).conv1d(_r(2, 3, 5)(lib), _r(4, 2, 2)(lib)),
        "expected input[2, 3, 5] to have 2 channels, but got 3 channels instead",
    ),
    "conv1d groups": (
        lambda lib: F(lib).conv1d(_r(2, 4, 5)(lib), _r(3, 2, 2)(lib), groups=2),
        "expected weight to be divisible by 2 at dimension 0, but got weight of size [[3, 2, 2]] instead",
    ),
    "conv1d kernel": (
        lambda lib: F(lib).conv1d(_r(2, 3, 2)(lib), _r(4, 3, 5)(lib)),
        "Calculated padded input size per channel: (2). Kernel size: (5).",
    ),
    "conv1d same strided": (
        lambda lib: F(lib).conv1d(_r(2, 3, 5)(lib), _r(4, 3, 2)(lib), padding="same", stride=2),
        "padding='same' is not supported for strided convolutions",
    ),
    "conv1d stride pair": (
        lambda lib: F(lib).conv1d(_r(2, 3, 5)(lib), _r(4, 3, 2)(lib), stride=(1, 2)),
        "expected stride to be a single integer value or a list of 1 values",
    ),
    "transposed output padding": (
        lambda lib: F(lib).conv_transpose2d(_r(2, 3, 4, 4)(lib), _r(3, 2, 3, 3)(lib), stride=2, output_padding=2),
        "output padding must be smaller than either stride or dilation, but got output_padding_height: 2",
    ),
    "transposed channels": (
        lambda lib: F(lib).conv_transpose2d(_r(2, 3, 4, 4)(lib), _r(4, 2, 3, 3)(lib)),
        "Given transposed=1, weight of size [4, 2, 3, 3], expected input[2, 3, 4, 4] to have 4 channels",
    ),
    "transposed weight dims": (
        lambda lib: F(lib).conv_transpose2d(_r(2, 3, 4, 4)(lib), _r(3, 2, 3)(lib)),
        "a list of 1 values to match the convolution dimensions, but got stride=[1, 1]",
    ),
    "transposed bias": (
        lambda lib: F(lib).conv_transpose2d(_r(2, 3, 4, 4)(lib), _r(3, 2, 3, 3)(lib), _r(3)(lib)),
        "expected bias to be 1-dimensional with 2 elements, but got bias of size [3] instead",
    ),
    "transposed string padding": (
        lambda lib: F(lib).conv_transpose2d(_r(2, 3, 4, 4)(lib), _r(3, 2, 3, 3)(lib), padding="same"),
        "argument 'padding' must be tuple of ints, not str",
    ),
    "transposed groups": (
        lambda lib: F(lib).conv_transpose2d(_r(2, 4, 4, 4)(lib), _r(4, 2, 3, 3)(lib), groups=3),
        "expected weight to be divisible by 3 at dimension 0",
    ),
    "ConvTranspose2d padding_mode": (
        lambda lib: lib.nn.ConvTranspose2d(3, 2, 3, padding_mode="reflect"),
        'Only "zeros" padding mode is supported for ConvTranspose2d',
    ),
    "output_size range": (
        lambda lib: lib.nn.ConvTranspose2d(3, 2, 3)(_r(1, 3, 4, 4)(lib), output_size=(9, 9)),
        "requested an output size of (9, 9), but valid sizes range from [6, 6] to [6, 6]",
    ),
    "output_size length": (
        lambda lib: lib.nn.ConvTranspose2d(3, 2, 3, stride=2)(_r(1, 3, 4, 4)(lib), output_size=(10,)),
        "ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements (got 1)",
    ),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_errors_match_torch(case: tuple) -> None:
    raises_like(*case)
