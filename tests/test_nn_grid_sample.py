"""F.affine_grid and F.grid_sample against torch (the spatial transformer tutorial's pair): bilinear and nearest
sampling, every padding mode, both corner conventions, gradients for the image, the grid and the transform in
float64 and float32, finite differences, a spatial-transformer step, torch's errors and warning."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests import parity


@st.composite
def sampling_case(draw: Any) -> tuple:
    n, c = draw(st.integers(1, 2), label="n"), draw(st.integers(1, 2), label="c")
    h, w = draw(st.integers(1, 4), label="h"), draw(st.integers(1, 4), label="w")
    ho, wo = draw(st.integers(1, 3), label="ho"), draw(st.integers(1, 3), label="wo")
    rng = np.random.default_rng(draw(st.integers(0, 2**16), label="seed"))
    image = rng.uniform(-1, 1, (n, c, h, w))
    # points off the pixel lattice and its half-way lines (where bilinear weights and nearest jump)
    grid = rng.uniform(-1.4, 1.4, (n, ho, wo, 2))
    return image, grid


MODES = [(m, p, a) for m in ("bilinear", "nearest") for p in ("zeros", "border", "reflection") for a in (False, True)]


@pytest.mark.parametrize("mode,padding,align", MODES, ids=[f"{m}-{p}-{a}" for m, p, a in MODES])
@given(case=sampling_case())
def test_grid_sample(mode: str, padding: str, align: bool, case: tuple) -> None:
    image, grid = case

    def sample(lib: Any, image: Any, grid: Any) -> Any:
        return lib.nn.functional.grid_sample(image, grid, mode=mode, padding_mode=padding, align_corners=align)

    parity.check_parity(sample, image, grid, dtype=np.float64)
    parity.check_parity(sample, image, grid, dtype=np.float32)


def test_grid_sample_gradcheck() -> None:
    """Finite differences for the image and the grid (points kept away from pixel lines, where it has kinks)."""
    rng = np.random.default_rng(3)
    image = rng.uniform(-1, 1, (1, 2, 4, 5))
    grid = (rng.integers(-3, 3, (1, 3, 2, 2)) + 0.37) / 3.1  # never on a pixel line or an edge
    for padding in ("zeros", "border", "reflection"):
        parity.check_gradcheck(
            lambda lib, x, g, padding=padding: lib.nn.functional.grid_sample(
                x, g, padding_mode=padding, align_corners=False
            ),
            image,
            grid,
        )


@pytest.mark.parametrize("align", [False, True])
@given(n=st.integers(1, 3), h=st.integers(1, 4), w=st.integers(1, 4), seed=st.integers(0, 100))
def test_affine_grid(align: bool, n: int, h: int, w: int, seed: int) -> None:
    theta = np.random.default_rng(seed).uniform(-1, 1, (n, 2, 3))
    parity.check_both(lambda lib, t: lib.nn.functional.affine_grid(t, (n, 3, h, w), align_corners=align), theta)


def test_a_spatial_transformer_step_matches_torch() -> None:
    """The tutorial's pattern: a localisation net predicts theta, affine_grid + grid_sample warp the input, a
    loss on the warped image trains the net: the same loss and gradients as torch's."""
    rng = np.random.default_rng(4)
    images = rng.uniform(-1, 1, (2, 1, 6, 6))
    weight = rng.uniform(-0.1, 0.1, (6, 36))
    bias = np.array([1.0, 0.0, 0.0, 0.0, 1.0, 0.0])
    results = []
    for lib in (torch, minitorch):
        x = lib.tensor(images)
        w, b = lib.tensor(weight, requires_grad=True), lib.tensor(bias, requires_grad=True)
        theta = (x.reshape(2, 36) @ w.t() + b).reshape(2, 2, 3)
        grid = lib.nn.functional.affine_grid(theta, x.size(), align_corners=False)
        warped = lib.nn.functional.grid_sample(x, grid, align_corners=False)
        loss = (warped - x).pow(2).mean()
        loss.backward()
        results.append((loss, w.grad, b.grad))
    for got, want, name in zip(results[1], results[0], ("loss", "grad of w", "grad of b")):
        parity.assert_close(got, want, 1e-10, 1e-12, name)


def test_errors_and_warning_as_torch() -> None:
    parity.raises_like(
        lambda lib: lib.nn.functional.affine_grid(lib.ones(1, 3, 3), (1, 1, 2, 3), align_corners=False),
        "Expected a batch of 2D affine matrices of shape Nx2x3",
    )
    parity.raises_like(
        lambda lib: lib.nn.functional.grid_sample(lib.ones(1, 1, 2, 2), lib.ones(1, 2, 2, 2), mode="area"),
        "expected mode to be 'bilinear', 'nearest' or 'bicubic'",
    )
    parity.raises_like(
        lambda lib: lib.nn.functional.grid_sample(lib.ones(1, 1, 2, 2), lib.ones(1, 2, 2, 2), padding_mode="wrap"),
        "expected padding_mode to be 'zeros', 'border', or 'reflection'",
    )
    for lib in (torch, minitorch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.functional.affine_grid(lib.ones(1, 2, 3), (1, 1, 2, 2))
        assert any("align_corners=False since 1.3.0" in str(w.message) for w in caught), lib
