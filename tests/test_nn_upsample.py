"""interpolate and the Upsample modules against torch: every mode, sizes and scale factors (fractional,
per axis, recomputed), align_corners, values and gradients in float64 and float32, nearest bit for bit,
reprs, deprecation warnings and errors."""

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
from tests.test_nn_layers import DTYPES, check_layer


def F(lib: Any) -> Any:
    return lib.nn.functional


@st.composite
def resize_cases(draw: Any) -> tuple:
    dims = draw(st.sampled_from([1, 2]))
    mode = draw(st.sampled_from(["nearest", "nearest-exact", "area", "linear" if dims == 1 else "bilinear"]))
    space = tuple(draw(st.integers(1, 6)) for _ in range(dims))
    kw: dict = {"mode": mode}
    if mode in ("linear", "bilinear"):
        kw["align_corners"] = draw(st.sampled_from([None, False, True]))
    if draw(st.booleans()):
        sizes = tuple(draw(st.integers(1, 9)) for _ in range(dims))
        kw["size"] = draw(st.sampled_from([sizes, list(sizes)] + ([sizes[0]] if len(set(sizes)) == 1 else [])))
    else:
        factors = tuple(draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.7, 3.0])) for _ in range(dims))
        if any(int(n * f) == 0 for n, f in zip(space, factors)):  # an empty output: not this test's subject
            factors = tuple(max(f, 1.0) for f in factors)
        kw["scale_factor"] = factors if len(set(factors)) > 1 or draw(st.booleans()) else factors[0]
        if mode != "area":
            kw["recompute_scale_factor"] = draw(st.sampled_from([None, True]))
    batch = draw(st.integers(1, 2))
    return draw(S.arrays((batch, draw(st.integers(1, 2))) + space)), kw


@given(resize_cases())
def test_interpolate(case: tuple) -> None:
    x, kw = case
    check_both(lambda lib, t: F(lib).interpolate(t, **kw), x, gradcheck=x.size <= 40)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("size", [(9, 4), (3, 17), (10, 14)])
def test_nearest_agrees_bit_for_bit(mode: str, size: tuple) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 7)).astype(np.float32)
    grad = np.random.default_rng(1).standard_normal((2, 3) + size).astype(np.float32)
    results = []
    for lib in (minitorch, torch):
        t = lib.tensor(x, requires_grad=True)
        y = F(lib).interpolate(t, size=size, mode=mode)
        y.backward(lib.tensor(grad))
        results.append((y.detach().numpy(), t.grad.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6, atol=1e-6)  # summed in another order


def _x(*shape: int) -> np.ndarray:
    return np.random.default_rng(2).uniform(-1, 1, shape)


MODULES: dict = {
    "Upsample nearest": (lambda nn: nn.Upsample(scale_factor=2), _x(2, 3, 4, 5)),
    "Upsample bilinear": (lambda nn: nn.Upsample(size=(7, 3), mode="bilinear"), _x(2, 3, 4, 5)),
    "Upsample linear": (lambda nn: nn.Upsample(scale_factor=1.5, mode="linear", align_corners=True), _x(2, 3, 5)),
    "UpsamplingNearest2d": (lambda nn: nn.UpsamplingNearest2d(size=6), _x(1, 2, 3, 3)),
    "UpsamplingBilinear2d": (lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), _x(1, 2, 3, 3)),
}


@DTYPES
@pytest.mark.parametrize("case", MODULES.values(), ids=list(MODULES))
def test_module_parity(case: tuple, dtype: Any) -> None:
    make, x = case
    check_layer(lambda lib: make(lib.nn), [x], dtype)


REPRS: dict = {
    "modules": lambda nn: nn.Sequential(
        nn.Upsample(scale_factor=2),
        nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True),
        nn.Upsample(scale_factor=(2, 3)),
        nn.UpsamplingNearest2d(size=5),
        nn.UpsamplingBilinear2d(scale_factor=2),
    ),
}


@pytest.mark.parametrize("make", REPRS.values(), ids=list(REPRS))
def test_repr_matches_torch(make: Callable) -> None:
    assert repr(make(minitorch.nn)) == repr(make(torch.nn))


DEPRECATED = {
    "upsample": lambda lib, t: F(lib).upsample(t, scale_factor=2, mode="bilinear"),
    "upsample_nearest": lambda lib, t: F(lib).upsample_nearest(t, scale_factor=2),
    "upsample_bilinear": lambda lib, t: F(lib).upsample_bilinear(t, size=(5, 7)),
}


@pytest.mark.parametrize("name", DEPRECATED)
def test_deprecated_spellings_warn_and_resize(name: str) -> None:
    x = _x(1, 2, 3, 4)
    outs = []
    for lib in (minitorch, torch):
        with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
            outs.append(DEPRECATED[name](lib, lib.tensor(x)).numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)


def _r(*shape: int) -> Callable:
    return lambda lib: lib.ones(*shape)


ERRORS = {
    "size and scale": (
        lambda lib: F(lib).interpolate(_r(1, 1, 4, 4)(lib), size=2, scale_factor=2.0),
        "only one of size or scale_factor should be defined",
    ),
    "neither": (lambda lib: F(lib).interpolate(_r(1, 1, 4, 4)(lib)), "either size or scale_factor should be defined"),
    "align_corners with nearest": (
        lambda lib: F(lib).interpolate(_r(1, 1, 4, 4)(lib), scale_factor=2.0, align_corners=True),
        "align_corners option can only be set with the interpolating modes",
    ),
    "bilinear on 3-d": (
        lambda lib: F(lib).interpolate(_r(1, 1, 4)(lib), scale_factor=2.0, mode="bilinear"),
        "Got 3D input, but bilinear mode needs 4D input",
    ),
    "size length": (
        lambda lib: F(lib).interpolate(_r(1, 1, 4, 4)(lib), size=(2, 3, 4)),
        "Input and output must have the same number of spatial dimensions",
    ),
    "scale length": (
        lambda lib: F(lib).interpolate(_r(1, 1, 4, 4)(lib), scale_factor=(2.0, 3.0, 1.0)),
        "Input and scale_factor must have the same number of spatial dimensions",
    ),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=list(ERRORS))
def test_errors_match_torch(case: tuple) -> None:
    raises_like(*case)
