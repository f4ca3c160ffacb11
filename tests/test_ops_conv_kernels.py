"""Each fast window kernel against its plain twin, and the per-device kernel registry they plug into.

- ``FlatConvolution`` (conv_flat.py, stride 1) against the general ``Convolution`` (conv.py): the same
  sums in another order, so equal to float rounding (float64 tight, float32 relative to the sizes).
- ``MaxPool2DTiled`` (pool_tiled.py) against ``MaxPool2DWithIndices`` (pool.py): a maximum and its
  routing involve no arithmetic, so bit for bit, ties, infinities and NaN included.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minitorch
from minitorch.backend import HOST
from minitorch.ops import conv, conv_flat, pool
from minitorch.ops.conv import Convolution
from minitorch.ops.conv_flat import FlatConvolution
from minitorch.ops.pool import MaxPool2DWithIndices
from minitorch.ops.pool_tiled import MaxPool2DTiled

CONV_CASES = [
    dict(n=2, c=3, o=4, hw=(9, 8), k=(3, 3)),
    dict(n=1, c=1, o=6, hw=(12, 12), k=(5, 5)),  # LeNet's conv1 at batch 1
    dict(n=3, c=4, o=6, hw=(7, 9), k=(3, 2), padding=(2, 1), dilation=(1, 2)),
    dict(n=2, c=4, o=6, hw=(6, 6), k=(3, 3), padding=1, groups=2),
    dict(n=2, c=2, o=2, hw=(5, 7), k=(4, 3), padding="same"),  # odd total padding: the extra row last
    dict(n=7, c=4, o=6, hw=(9, 8), k=(3, 3), chunk_bytes=70_000),  # several chunks, the last partial
    dict(n=2, c=3, o=2, hw=(4, 5), k=(1, 1)),
]


def _conv_pair(case: dict, dtype: Any, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """(flat, plain): output and (input, weight, bias) gradients of both kernels on one random problem."""
    if "chunk_bytes" in case:
        monkeypatch.setattr(conv_flat, "CHUNK_BYTES", case["chunk_bytes"])
    rng = np.random.default_rng(7)
    groups = case.get("groups", 1)
    x = rng.standard_normal((case["n"], case["c"]) + case["hw"]).astype(dtype)
    w = rng.standard_normal((case["o"], case["c"] // groups) + case["k"]).astype(dtype)
    b = rng.standard_normal(case["o"]).astype(dtype)
    plan = conv._plan(
        minitorch.tensor(x),
        minitorch.tensor(w),
        minitorch.tensor(b),
        1,
        case.get("padding", 0),
        case.get("dilation", 1),
        groups,
    )
    assert plan.flat is not None  # stride 1: the flat kernel's geometry

    def run(apply: Any) -> list:
        xt, wt, bt = (minitorch.tensor(a, requires_grad=True) for a in (x, w, b))
        out = apply(xt, wt, bt)
        g = np.random.default_rng(8).standard_normal(tuple(out.shape)).astype(dtype)
        out.backward(minitorch.tensor(g))
        return [out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()]

    flat = run(lambda xt, wt, bt: FlatConvolution.apply(xt, wt, bt, plan.pads, plan.dilation, groups, plan.flat))
    plain = run(lambda xt, wt, bt: Convolution.apply(xt, wt, bt, (1, 1), plan.pads, plan.dilation, groups))
    return flat, plain


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_flat_convolution_agrees_with_the_general_path(case: dict, dtype: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    flat, plain = _conv_pair(case, dtype, monkeypatch)
    for what, f, p in zip(("output", "input grad", "weight grad", "bias grad"), flat, plain):
        assert f.shape == p.shape and f.dtype == p.dtype, what
        # Sums of up to a few hundred products: float rounding of their magnitudes, not of the (maybe tiny) result.
        scale = max(1.0, float(np.abs(p).max()))
        tol = 1e-12 if dtype == np.float64 else 2e-5
        np.testing.assert_allclose(f, p, rtol=0, atol=tol * scale, err_msg=what)


def test_conv2d_takes_the_flat_kernel_at_stride_1_and_the_general_one_otherwise() -> None:
    x, w = minitorch.randn(2, 3, 8, 8, requires_grad=True), minitorch.randn(4, 3, 3, 3)
    assert minitorch.nn.functional.conv2d(x, w).grad_fn._function is HOST.kernel(FlatConvolution)
    assert minitorch.nn.functional.conv2d(x, w, stride=2).grad_fn._function is Convolution


def _pool_inputs(dtype: Any) -> list:
    rng = np.random.default_rng(3)
    ties = rng.integers(0, 3, (2, 3, 8, 8)).astype(dtype)  # many tied maxima
    special = rng.standard_normal((2, 2, 7, 9)).astype(dtype)  # leftover rows and columns
    special[0, 0, :2, :2] = np.nan
    special[0, 1, 2, 2] = np.nan
    special[1, 0, :2, 2:4] = -np.inf
    special[1, 1, 4, 4] = np.inf
    return [ties, special, rng.standard_normal((4, 6, 14, 14)).astype(dtype)]  # LeNet's second pool


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", [(2, 2), (3, 2)])
def test_tiled_max_pool_agrees_bitwise_with_the_general_path(dtype: Any, kernel: tuple) -> None:
    for x in _pool_inputs(dtype):
        out_hw = tuple(n // k for n, k in zip(x.shape[-2:], kernel))
        g = np.random.default_rng(4).standard_normal(x.shape[:2] + out_hw).astype(dtype)
        results = []
        for run in (
            lambda t: MaxPool2DTiled.apply(t, kernel, out_hw),
            lambda t: MaxPool2DWithIndices.apply(t, kernel, kernel, (0, 0), (1, 1), False)[0],
        ):
            t = minitorch.tensor(x, requires_grad=True)
            out = run(t)
            out.backward(minitorch.tensor(g))
            results.append((out.detach().numpy(), t.grad.numpy()))
        (tiled, tiled_grad), (plain, plain_grad) = results
        np.testing.assert_array_equal(tiled, plain)
        np.testing.assert_array_equal(tiled_grad, plain_grad)


def test_max_pool2d_takes_the_tiled_kernel_only_where_it_applies() -> None:
    x = minitorch.randn(1, 2, 8, 8, requires_grad=True)
    F = minitorch.nn.functional
    assert F.max_pool2d(x, 2).grad_fn._function is HOST.kernel(MaxPool2DTiled)
    assert F.max_pool2d(x, 3, 2).grad_fn._function is MaxPool2DWithIndices
    assert F.max_pool2d(x, 2, return_indices=True)[0].grad_fn._function is MaxPool2DWithIndices


def test_a_device_registered_kernel_replaces_the_plain_one_and_unregisters(plain_host_kernels: None) -> None:
    calls = []

    class CountingFlat(FlatConvolution):
        @staticmethod
        def forward(ctx: Any, *args: Any) -> Any:
            calls.append("flat")
            return FlatConvolution.forward(ctx, *args)

    class CountingTiled(MaxPool2DTiled):
        @staticmethod
        def forward(ctx: Any, *args: Any) -> Any:
            calls.append("tiled")
            return MaxPool2DTiled.forward(ctx, *args)

    x, w = minitorch.randn(1, 1, 6, 6), minitorch.randn(2, 1, 3, 3)
    undo = [HOST.register_kernel(FlatConvolution, CountingFlat), HOST.register_kernel(MaxPool2DTiled, CountingTiled)]
    try:
        assert HOST.kernel(FlatConvolution) is CountingFlat and HOST.kernel(Convolution) is Convolution
        expected = minitorch.nn.functional.max_pool2d(minitorch.nn.functional.conv2d(x, w), 2)
        assert calls == ["flat", "tiled"]
    finally:
        for u in undo:
            u()
    assert HOST.kernels() == {}
    again = minitorch.nn.functional.max_pool2d(minitorch.nn.functional.conv2d(x, w), 2)
    assert calls == ["flat", "tiled"]  # the plain kernels again
    np.testing.assert_array_equal(again.numpy(), expected.numpy())


def test_pool_and_conv_share_one_pair_parser() -> None:
    assert pool.pair is conv.pair


def test_the_general_max_pool_indexes_a_window_s_last_nan_as_torch_does() -> None:
    """Found by the twin test above: argmax picked a window's first NaN, torch's kernel keeps the last."""
    import torch

    x = np.array([[[[np.nan, 1.0, 0.0], [np.nan, 2.0, np.nan], [0.0, np.nan, 0.0]]]])
    for kernel, stride in ((2, 1), (2, 2), (3, 1)):
        ours = minitorch.nn.functional.max_pool2d(minitorch.tensor(x), kernel, stride, return_indices=True)[1]
        theirs = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, return_indices=True)[1]
        assert ours.tolist() == theirs.tolist(), (kernel, stride)
