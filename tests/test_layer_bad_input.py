"""Bad input to the layers, losses and pools added with the nn16 ops, against torch (issue 13's siblings).

Empty kernels, empty or negative sizes and integer or bool tensors given to floating-only kernels raise
torch's error type with its message (numpy's errors, wrong results or silent integer arithmetic before).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from tests.parity import outcome, raises_like


def F(lib: Any) -> Any:
    return lib.nn.functional


def assert_same_outcome(make: Any) -> None:
    """``make(lib)`` raises torch's error type with its very message, or gives torch's dtype, shape and bits."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = outcome(make, torch), outcome(make, minitorch)
    if isinstance(want[0], type):
        assert got[0] is want[0] and got[1] == want[1], (want, got)
    else:
        assert got == want


EMPTY_KERNELS = {
    "conv_transpose1d": lambda lib: F(lib).conv_transpose1d(lib.ones(1, 1, 5), lib.zeros(1, 1, 0)),
    "conv_transpose2d": lambda lib: F(lib).conv_transpose2d(lib.ones(1, 1, 5, 5), lib.zeros(1, 1, 0, 3)),
    "conv_transpose2d_w": lambda lib: F(lib).conv_transpose2d(lib.ones(1, 1, 5, 5), lib.zeros(1, 1, 2, 0)),
    "ConvTranspose1d": lambda lib: lib.nn.ConvTranspose1d(1, 1, 0)(lib.ones(1, 1, 5)),
    "ConvTranspose2d": lambda lib: lib.nn.ConvTranspose2d(1, 1, 0)(lib.ones(1, 1, 5, 5)),
    # torch checks the kernel before the output padding, the output size and the dtype
    "before_output_padding": lambda lib: F(lib).conv_transpose2d(
        lib.ones(1, 1, 5, 5), lib.zeros(1, 1, 0, 3), output_padding=2
    ),
    "before_output_size": lambda lib: F(lib).conv_transpose2d(lib.ones(1, 1, 1, 1), lib.zeros(1, 1, 0, 3), padding=3),
    "before_dtype": lambda lib: F(lib).conv_transpose2d(lib.ones(1, 1, 5, 5, dtype=lib.float64), lib.zeros(1, 1, 0, 3)),
}


@pytest.mark.parametrize("name", EMPTY_KERNELS)
def test_transposed_convolutions_refuse_an_empty_kernel(name: str) -> None:
    """A zero-size kernel gave a result of zeros (or 1e6 from the module's 1/sqrt(0) init) instead of torch's error."""
    raises_like(EMPTY_KERNELS[name], exact=True)


def test_transposed_convolution_checks_its_arguments_before_the_kernel() -> None:
    raises_like(
        lambda lib: F(lib).conv_transpose2d(lib.ones(1, 1, 5, 5), lib.zeros(1, 1, 0, 3), stride=0),
        "non-positive stride",
    )
    raises_like(
        lambda lib: F(lib).conv_transpose2d(lib.ones(1, 1, 5, 5), lib.zeros(1, 1, 0, 3), padding=-1),
        "negative padding",
    )


@given(
    dims=st.sampled_from([1, 2]),
    size_in=st.integers(0, 4),
    size_out=st.integers(-2, 4),
    mode=st.sampled_from(["nearest", "nearest-exact", "linear", "area"]),
)
def test_interpolate_sizes_below_one_raise_as_torch(dims: int, size_in: int, size_out: int, mode: str) -> None:
    """Empty input or output sizes: torch's RuntimeError naming both (ZeroDivisionError, IndexError or numpy's
    ValueError before); 'area' follows adaptive pooling, which accepts an empty output."""
    if mode == "linear" and dims == 2:
        mode = "bilinear"

    def make(lib: Any) -> Any:
        shape = (1, 2) + (size_in, 3)[:dims] if dims == 2 else (1, 2, size_in)
        x = lib.arange(float(np.prod(shape))).reshape(shape)
        return F(lib).interpolate(x, size=(size_out, 2)[:dims] if dims == 2 else size_out, mode=mode)

    if size_in and size_out > 0:  # a result: torch's values (the linear modes' weights round as their formulas do)
        np.testing.assert_allclose(make(minitorch).numpy(), make(torch).numpy(), rtol=1e-6, atol=1e-6)
        return
    assert_same_outcome(make)


@pytest.mark.parametrize("groups", [0, -1, 3])
def test_group_norm_checks_its_group_count_as_torch(groups: int) -> None:
    raises_like(lambda lib: F(lib).group_norm(lib.ones(2, 4, 3), groups), exact=True)


def test_interpolate_scale_factors_that_empty_the_output_raise_as_torch() -> None:
    for scale in (0.0, -1.0, 0.1):
        raises_like(lambda lib, s=scale: F(lib).interpolate(lib.ones(1, 1, 5), scale_factor=s), exact=True)
    raises_like(lambda lib: F(lib).interpolate(lib.ones(1, 1, 5, 5), size=(0, 3)), exact=True)


@pytest.mark.parametrize(
    "shape", [(1, 0, 5, 5), (0, 5, 5), (0, 1, 5, 5), (1, 0, 7, 3)], ids=lambda s: "x".join(map(str, s))
)
@pytest.mark.parametrize("size", [2, 1, (3, 2)])
def test_adaptive_average_pooling_takes_empty_channels(shape: tuple, size: Any) -> None:
    """Average pooling checks only the spatial dims for emptiness (max pooling the channels too), as torch."""
    for fn in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        assert_same_outcome(lambda lib, fn=fn: getattr(F(lib), fn)(lib.ones(*shape), size))
    if 0 in shape[:-2]:  # the 1-d form of an empty batch or channel dim, accepted too
        assert_same_outcome(lambda lib: F(lib).adaptive_avg_pool1d(lib.ones(*shape[:-1]), 2))


# Floating-only kernels given integer or bool tensors: torch's kernel has no such version (NotImplementedError)
# or its result cannot be written back (RuntimeError); minitorch computed with integers or silently in floats.
FLOATING_ONLY = {
    "smooth_l1_loss": lambda lib, a, b: F(lib).smooth_l1_loss(a, b),
    "huber_loss": lambda lib, a, b: F(lib).huber_loss(a, b),
    "huber_loss_float_target": lambda lib, a, b: F(lib).huber_loss(a, b.float()),
    "kl_div": lambda lib, a, b: F(lib).kl_div(a, b, reduction="sum"),
    "kl_div_float_input": lambda lib, a, b: F(lib).kl_div(a.float(), b, reduction="sum"),
    "kl_div_log_target": lambda lib, a, b: F(lib).kl_div(a, b, reduction="sum", log_target=True),
    "soft_margin_loss": lambda lib, a, b: F(lib).soft_margin_loss(a, b),
    "binary_cross_entropy": lambda lib, a, b: F(lib).binary_cross_entropy(a, b),
    "normalize": lambda lib, a, b: F(lib).normalize(a),
    "cosine_similarity": lambda lib, a, b: F(lib).cosine_similarity(a, b),
    "layer_norm": lambda lib, a, b: F(lib).layer_norm(a, (3,)),
    "group_norm": lambda lib, a, b: F(lib).group_norm(a[None], 1),
    "batch_norm": lambda lib, a, b: F(lib).batch_norm(a, None, None, training=True),
    "adaptive_avg_pool1d": lambda lib, a, b: F(lib).adaptive_avg_pool1d(a[None], 2),
    "adaptive_max_pool1d": lambda lib, a, b: F(lib).adaptive_max_pool1d(a[None], 2),
    "adaptive_avg_pool2d": lambda lib, a, b: F(lib).adaptive_avg_pool2d(a[None, None], 2),
    "interpolate_area": lambda lib, a, b: F(lib).interpolate(a[None], size=2, mode="area"),
    "max_pool1d": lambda lib, a, b: F(lib).max_pool1d(a[None], 2),
    "max_pool2d": lambda lib, a, b: F(lib).max_pool2d(a[None], 1),
    "avg_pool1d": lambda lib, a, b: F(lib).avg_pool1d(a[None], 2),
    "avg_pool2d": lambda lib, a, b: F(lib).avg_pool2d(a[None], 1),
    "conv1d": lambda lib, a, b: F(lib).conv1d(a[None], b[None]),
    "conv2d": lambda lib, a, b: F(lib).conv2d(a[None, None], b[None, None]),
    "conv_transpose1d": lambda lib, a, b: F(lib).conv_transpose1d(a[None], b[None]),
    "conv_transpose2d": lambda lib, a, b: F(lib).conv_transpose2d(a[None, None], b[None, None]),
    "dropout1d": lambda lib, a, b: F(lib).dropout1d(a, training=True),
    "dropout2d": lambda lib, a, b: F(lib).dropout2d(a[None, None], training=True),
    "margin_ranking_loss": lambda lib, a, b: F(lib).margin_ranking_loss(a, b, b, reduction="none"),
    "margin_ranking_loss_mean": lambda lib, a, b: F(lib).margin_ranking_loss(a, b, b),
    "hinge_embedding_loss_sum": lambda lib, a, b: F(lib).hinge_embedding_loss(a, b * 2 - 1, reduction="sum"),
    "hinge_embedding_loss_mean": lambda lib, a, b: F(lib).hinge_embedding_loss(a, b * 2 - 1),
}


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8", "bool"])
@pytest.mark.parametrize("name", FLOATING_ONLY)
def test_integer_and_bool_tensors_are_refused_or_computed_as_torch(name: str, dtype: str) -> None:
    """The same error (type and message), or the same values and dtype."""
    if dtype == "bool" and name.startswith(("hinge", "margin")):
        pytest.skip("b * 2 - 1 on a bool tensor: refused before the loss")

    def make(lib: Any) -> Any:
        d = getattr(lib, dtype)
        a = lib.tensor([[1, 2, 3], [0, 1, 0]]).to(d)
        b = lib.tensor([[1, 0, 1], [1, 1, 0]]).to(d)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = FLOATING_ONLY[name](lib, a, b)
        return out.float() * 0 + out.float() if "dropout" in name else out  # dropout: random values

    assert_same_outcome(make)


@given(
    values=st.lists(st.integers(-5, 5), min_size=1, max_size=6),
    margin=st.one_of(st.integers(-3, 3), st.floats(-3, 3)),
    dtype=st.sampled_from(["int64", "int32", "float32", "float64"]),
)
def test_margin_losses_of_integer_tensors_convert_the_margin_as_torch(values: list, margin: Any, dtype: str) -> None:
    """hinge_embedding_loss converts the margin into an integer input's type (1.5 -> 1); margin_ranking_loss
    takes it as a double, so integer operands give a floating loss."""
    target = [1 if v % 2 else -1 for v in values]

    def hinge(lib: Any) -> Any:
        x = lib.tensor(values, dtype=getattr(lib, dtype))
        return F(lib).hinge_embedding_loss(x, lib.tensor(target), margin=margin, reduction="none")

    def ranking(lib: Any) -> Any:
        x = lib.tensor(values, dtype=getattr(lib, dtype))
        return F(lib).margin_ranking_loss(x, x.flip(0), lib.tensor(target), margin=margin, reduction="none")

    for make in (hinge, ranking):
        assert_same_outcome(make)
