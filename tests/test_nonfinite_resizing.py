"""Infinite and NaN inputs to the resizing layers computed as products of matrices (interpolate's linear
modes, adaptive average pooling) reach the outputs torch's loops reach: 0 * inf made every output NaN.

Adaptive average pooling matches torch everywhere. Linear interpolation matches it except where torch's
kernels read an inf with a zero weight, which they treat inconsistently (1x1 to 3x3 bilinear: NaN in the first
row and column only; resizing to the same size, [inf, 1] gives [nan, 1] but [1, inf] gives [1, nan]).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch

SPECIAL = [np.inf, -np.inf, np.nan]


@st.composite
def planes(draw: Any, dims: int) -> np.ndarray:
    shape = (1, 2) + tuple(draw(st.integers(1, 5)) for _ in range(dims))
    x = np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal(shape)
    flat = x.reshape(-1)
    for i in draw(st.lists(st.integers(0, flat.size - 1), min_size=1, max_size=3)):
        flat[i] = draw(st.sampled_from(SPECIAL))
    return x


def _same(make: Any) -> None:
    """torch's dtype and shape, its NaNs and infinities exactly, its finite values closely (the products sum in
    another order)."""
    want, got = make(torch).numpy(), make(minitorch).numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.where(np.isinf(got), got, 0), np.where(np.isinf(want), want, 0))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [5, 7])  # (not an input size: see above)
@pytest.mark.parametrize("values", [[np.inf, 1.0], [1.0, np.inf], [np.inf, -1.0, 2.0], [-np.inf, np.nan, 2.0, np.inf]])
def test_linear_interpolation_of_infinities_matches_torch(values: list, size: int, dtype: str) -> None:
    """An inf reaches the outputs that weigh it (and makes NaN where torch reads it with a zero weight), not all."""

    def make(lib: Any) -> Any:
        t = lib.tensor([[values]], dtype=getattr(lib, dtype))
        return lib.nn.functional.interpolate(t, size=size, mode="linear")

    _same(make)


@given(x=st.one_of(planes(1), planes(2)), size=st.integers(1, 5), dtype=st.sampled_from(["float32", "float64"]))
def test_adaptive_average_pooling_of_infinities_and_nans_matches_torch(x: np.ndarray, size: int, dtype: str) -> None:
    def make(lib: Any) -> Any:
        t = lib.tensor(x, dtype=getattr(lib, dtype))
        f = lib.nn.functional
        return f.adaptive_avg_pool1d(t, size) if x.ndim == 3 else f.adaptive_avg_pool2d(t, size)

    _same(make)
