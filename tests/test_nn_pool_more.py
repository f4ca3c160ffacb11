"""Adaptive pooling (2-d and 1-d) and 1-d max/avg pooling against torch: outputs, indices, gradients in
float64 and float32, gradcheck, ties and NaNs, the modules and their reprs, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.parity import check_both, check_parity, raises_like
from tests.test_nn_conv_pool import GRADCHECK_NUMEL, distinct
from tests.test_nn_layers import DTYPES, check_layer


def F(lib: Any) -> Any:
    return lib.nn.functional


@st.composite
def adaptive_cases(draw: Any, dims: int) -> tuple:
    """(x, output_size): sizes that divide, that do not (overlapping windows), and outputs larger than the input."""
    space = tuple(draw(st.integers(1, 7)) for _ in range(dims))
    out = [draw(st.integers(1, n + 2)) for n in space]
    if dims == 2:
        size = draw(st.sampled_from([tuple(out), out[0], (None, out[1]), (out[0], None), list(out)]))
    else:
        size = draw(st.sampled_from([out[0], (out[0],)]))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    return draw(distinct(batch + (draw(st.integers(1, 2)),) + space)), size


@given(case=adaptive_cases(2))
def test_adaptive_avg_pool2d(case: tuple) -> None:
    x, size = case
    check_both(lambda lib, t: F(lib).adaptive_avg_pool2d(t, size), x, gradcheck=x.size <= GRADCHECK_NUMEL)


@given(case=adaptive_cases(2), indices=st.booleans())
def test_adaptive_max_pool2d(case: tuple, indices: bool) -> None:
    x, size = case
    fn = lambda lib, t: F(lib).adaptive_max_pool2d(t, size, return_indices=indices)  # noqa: E731
    check_both(fn, x, gradcheck=x.size <= GRADCHECK_NUMEL)


@given(case=adaptive_cases(1), indices=st.booleans())
def test_adaptive_pool1d(case: tuple, indices: bool) -> None:
    x, size = case
    check_both(lambda lib, t: F(lib).adaptive_avg_pool1d(t, size), x)
    check_both(lambda lib, t: F(lib).adaptive_max_pool1d(t, size, return_indices=indices), x)
    check_both(lambda lib, t: lib.adaptive_avg_pool1d(t, size), x, gradcheck=False)


@pytest.mark.parametrize("size", [(2, 3), (4, 4), 3])
def test_adaptive_max_pool2d_ties_and_nans_like_torch(size: Any) -> None:
    """Ties go to the first maximum, a window with NaNs to its last NaN; the gradient follows."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, (2, 2, 5, 7)).astype(np.float64)
    x[0, 0, 1, 2] = x[1, 1, 4, 6] = x[1, 1, 3, 6] = np.nan
    x[0, 1, :2, :3] = -np.inf
    grad = None
    for dtype in (np.float64, np.float32):
        results = []
        for lib in (minitorch, torch):
            t = lib.tensor(x.astype(dtype), requires_grad=True)
            values, index = F(lib).adaptive_max_pool2d(t, size, return_indices=True)
            grad = np.random.default_rng(0).uniform(-1, 1, tuple(values.shape)).astype(dtype)
            values.backward(lib.tensor(grad))
            results.append([values.detach().numpy(), index.numpy(), t.grad.numpy()])
        for got, want in zip(*results):
            np.testing.assert_array_equal(got, want)


@st.composite
def pool1d_cases(draw: Any, kind: str) -> tuple:
    k = draw(st.integers(1, 4))
    kw: dict = dict(
        kernel_size=draw(st.sampled_from([k, (k,)])),
        stride=draw(st.sampled_from([None, 1, 2, (3,)])),
        padding=draw(st.integers(0, k // 2)),
        ceil_mode=draw(st.booleans()),
    )
    d = 1
    if kind == "max":
        d = kw["dilation"] = draw(st.integers(1, 2))
        kw["return_indices"] = draw(st.booleans())
    else:
        kw["count_include_pad"] = draw(st.booleans())
    first_tap = -kw["padding"] + -(-kw["padding"] // d) * d
    low = max(1, d * (k - 1) + 1 - 2 * kw["padding"], first_tap + 1)
    length = draw(st.integers(low, low + 5))
    batch = draw(st.sampled_from([(), (2,)]))
    return draw(distinct(batch + (draw(st.integers(1, 2)), length))), kw


POOL1D = {
    "max": (lambda lib, t, kw: F(lib).max_pool1d(t, **kw), lambda lib, t, kw: lib.max_pool1d(t, **kw)),
    "avg": (lambda lib, t, kw: F(lib).avg_pool1d(t, **kw), lambda lib, t, kw: lib.avg_pool1d(t, **kw)),
}


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool1d(kind: str) -> None:
    functional, top_level = POOL1D[kind]

    @given(pool1d_cases(kind))
    def run(case: tuple) -> None:
        x, kw = case
        check_both(lambda lib, t: functional(lib, t, kw), x)
        kw.pop("return_indices", None)  # torch.max_pool1d has no return_indices
        check_both(lambda lib, t: top_level(lib, t, kw), x, gradcheck=False)

    run()


def test_with_indices_spellings() -> None:
    x = np.random.default_rng(1).permutation(2 * 3 * 16).reshape(2, 3, 4, 4).astype(np.float64)
    check_both(lambda lib, t: F(lib).max_pool2d_with_indices(t, 2), x, gradcheck=False)
    check_both(lambda lib, t: F(lib).adaptive_max_pool2d_with_indices(t, 3), x, gradcheck=False)
    check_both(lambda lib, t: F(lib).max_pool1d_with_indices(t[0], 3, stride=1), x, gradcheck=False)
    check_both(lambda lib, t: F(lib).adaptive_max_pool1d_with_indices(t[0], 3), x, gradcheck=False)


# ---------------------------------------------------------------- modules
def _x(*shape: int) -> np.ndarray:
    return np.random.default_rng(4).permutation(int(np.prod(shape))).reshape(shape) / np.prod(shape)


MODULES: dict = {
    "AdaptiveAvgPool2d": (lambda nn: nn.AdaptiveAvgPool2d((3, None)), _x(2, 3, 7, 5)),
    "AdaptiveAvgPool2d global": (lambda nn: nn.AdaptiveAvgPool2d(1), _x(2, 3, 7, 5)),
    "AdaptiveMaxPool2d": (lambda nn: nn.AdaptiveMaxPool2d(4, return_indices=True), _x(2, 3, 7, 5)),
    "AdaptiveAvgPool1d": (lambda nn: nn.AdaptiveAvgPool1d(4), _x(2, 3, 9)),
    "AdaptiveMaxPool1d": (lambda nn: nn.AdaptiveMaxPool1d(5), _x(2, 3, 9)),
    "MaxPool1d": (lambda nn: nn.MaxPool1d(3, stride=2, padding=1, dilation=1, ceil_mode=True), _x(2, 3, 9)),
    "MaxPool1d indices": (lambda nn: nn.MaxPool1d(2, return_indices=True), _x(3, 9)),
    "AvgPool1d": (lambda nn: nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), _x(2, 3, 9)),
}


@DTYPES
@pytest.mark.parametrize("case", MODULES.values(), ids=list(MODULES))
def test_module_parity(case: tuple, dtype: Any) -> None:
    make, x = case
    check_layer(lambda lib: make(lib.nn), [x], dtype)


REPRS: dict = {
    "adaptive": lambda nn: nn.Sequential(
        nn.AdaptiveAvgPool2d((5, None)),
        nn.AdaptiveAvgPool2d(3),
        nn.AdaptiveMaxPool2d((2, 3), return_indices=True),
        nn.AdaptiveAvgPool1d(4),
        nn.AdaptiveMaxPool1d(2),
    ),
    "1-d": lambda nn: nn.Sequential(
        nn.MaxPool1d(3), nn.MaxPool1d(3, 2, 1, 2, True, True), nn.AvgPool1d(3), nn.AvgPool1d(3, 2, 1, True, False)
    ),
}


@pytest.mark.parametrize("make", REPRS.values(), ids=list(REPRS))
def test_repr_matches_torch(make: Callable) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


# ---------------------------------------------------------------- errors
def _r(*shape: int) -> Callable:
    return lambda lib: lib.ones(*shape)


ERRORS = {
    "adaptive dims": (lambda lib: F(lib).adaptive_avg_pool2d(_r(2, 3)(lib), 2), "Expected 3D or 4D tensor, but got"),
    "adaptive size length": (
        lambda lib: F(lib).adaptive_max_pool2d(_r(2, 3, 4, 5)(lib), (2, 3, 4)),
        "output_size.size() must be 2",
    ),
    "adaptive empty": (
        lambda lib: F(lib).adaptive_avg_pool2d(_r(2, 3, 0, 4)(lib), 2),
        "but input has sizes [2, 3, 0, 4] with dimension 2 being empty",
    ),
    "adaptive negative": (
        lambda lib: F(lib).adaptive_avg_pool2d(_r(2, 3, 4, 4)(lib), -1),
        "elements of output_size must be greater than or equal to 0 but received {-1, -1}",
    ),
    "adaptive 1d size": (
        lambda lib: F(lib).adaptive_avg_pool1d(_r(2, 3, 4)(lib), (2, 3)),
        "argument 'output_size' should contain one int (got 2)",
    ),
    "max_pool1d dims": (lambda lib: F(lib).max_pool1d(_r(2, 3, 4, 5)(lib), 2), "but got:[2, 3, 4, 5]"),
    "max_pool1d kernel": (lambda lib: F(lib).max_pool1d(_r(2, 3, 6)(lib), 0), "kernel_size must be greater than zero"),
    "max_pool1d stride": (lambda lib: F(lib).max_pool1d(_r(2, 3, 6)(lib), 2, 0), "stride must be greater than zero"),
    "max_pool1d padding": (
        lambda lib: F(lib).max_pool1d(_r(2, 3, 4)(lib), 2, padding=2),
        "padding should be at most half of kernel size, but got padding=2 and kernel_size=2",
    ),
    "max_pool1d output": (lambda lib: F(lib).max_pool1d(_r(1, 2, 1)(lib), 3), "Invalid computed output size: 0"),
    "max_pool1d pair": (
        lambda lib: F(lib).max_pool1d(_r(2, 3, 6)(lib), (2, 3)),
        "kernel_size must be an int, list of ints or tuple of ints of size 1 but got size 2",
    ),
    "max_pool1d float": (lambda lib: F(lib).max_pool1d(_r(2, 3, 6)(lib), 2.0), "must be tuple of ints, not float"),
    "avg_pool1d dims": (
        lambda lib: F(lib).avg_pool1d(_r(3)(lib), 2),
        "Expected 2 to 3 dimensions, but got 1-dimensional tensor",
    ),
    "avg_pool1d pair": (
        lambda lib: F(lib).avg_pool1d(_r(2, 3, 4)(lib), (2, 2)),
        "argument 'kernel_size' should contain one int (got 2)",
    ),
    "avg_pool1d output": (lambda lib: F(lib).avg_pool1d(_r(2, 3, 6)(lib), 7), "Output size is too small"),
    "adaptive_avg_pool1d dims": (
        lambda lib: F(lib).adaptive_avg_pool1d(_r(3)(lib), 1),
        "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while checking arguments "
        "for adaptive_avg_pool1d)",
    ),
    "adaptive_max_pool1d dims": (
        lambda lib: F(lib).adaptive_max_pool1d(_r(1, 1, 1, 3)(lib), 1),
        "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while checking arguments "
        "for adaptive_max_pool1d)",
    ),
    "adaptive_avg_pool1d negative": (
        lambda lib: F(lib).adaptive_avg_pool1d(lib.zeros(1, 2, 3), -1),
        "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {1, -1}",
    ),
    "adaptive_max_pool1d negative": (
        lambda lib: F(lib).adaptive_max_pool1d(lib.zeros(1, 2, 3), -1),
        "Trying to create tensor with negative dimension -1: [1, 2, 1, -1]",
    ),
    "adaptive_max_pool2d negative": (
        lambda lib: F(lib).adaptive_max_pool2d(lib.zeros(2, 3, 3), (2, -1)),
        "Trying to create tensor with negative dimension -1: [2, 2, -1]",
    ),
    "adaptive_avg_pool1d empty": (  # the check of the 2-d pooling it is, on the input with a height of 1
        lambda lib: F(lib).adaptive_avg_pool1d(lib.zeros(1, 2, 0), 2),
        "but input has sizes [1, 2, 1, 0] with dimension 3 being empty",
    ),
    "avg_pool1d padding": (
        lambda lib: F(lib).avg_pool1d(_r(2, 3, 6)(lib), 2, padding=2),
        "pad should be at most half of effective kernel size",
    ),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_errors_match_torch(case: tuple) -> None:
    raises_like(*case)


@pytest.mark.parametrize(
    "dims, shape", [(1, (1, 2, 0)), (1, (2, 0)), (2, (1, 2, 0, 3)), (2, (2, 3, 0)), (3, (1, 2, 0, 3, 3))]
)
def test_adaptive_average_pooling_of_an_empty_plane_to_one_value_is_nan_as_torch(dims: int, shape: tuple) -> None:
    """An output of one value is the mean of the plane, which torch computes before its check for empty input:
    NaN, where a larger output raises."""
    check_parity(lambda lib, x: getattr(F(lib), f"adaptive_avg_pool{dims}d")(x, 1), np.zeros(shape), grad=False)
