"""2-D max and average pooling on strided window views, with vectorised backward passes.

Max pooling remembers torch's flat per-plane index of each maximum and scatters the
gradient back through it in one ``scatter_add`` (``ScatterRegion``, whose own gradient is the
gather); average pooling's gradient is a transposed window sum (the output gradient spread by
``stride``, summed over stride-1 windows; ``AvgPool2DGrad``, whose own gradient is average
pooling again), so neither backward loops in Python. Non-overlapping max pooling without
indices takes the tiled fast kernel in ``pool_tiled.py``. The window ops take any number of spatial
dims: ``pool3d.py`` runs them on (N, C, D, H, W) arrays.
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes
from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..caches import POOL2D_PLANS
from ..tensor import Tensor
from .base import INTEGER_DTYPES, Op, require_floating
from .pool_tiled import MaxPool2DTiled
from .regions import IndexRegion, ScatterRegion
from .windows import IntPair, pair, plain_args, ravel, sliding_windows, spread, unravel

__all__ = ["avg_pool2d", "max_pool2d"]


def output_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling output length; in ceil mode the last window must start inside the input or left padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pad_for_windows(
    x: Array, out: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, fill: Any
) -> Array:
    """``x`` padded by ``padding`` (and on the bottom/right as far as ceil-mode windows reach) with ``fill``,
    over its last ``len(kernel)`` dims."""
    xp = array_module(x)
    nd = len(kernel)
    space = tuple(x.shape[-nd:])
    need = [(o - 1) * s + d * (k - 1) + 1 for o, k, s, d in zip(out, kernel, stride, dilation)]
    size = tuple(max(m, n + p) for m, n, p in zip(need, space, padding))
    if size == space:
        return x
    xpad = xp.full(x.shape[:-nd] + size, fill, dtype=x.dtype)
    xpad[(Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(padding, space))] = x
    return xpad


def _window_starts(xp: Any, out: int, s: int, p: int) -> Array:
    return xp.arange(out) * s - p


class MaxPool2DWithIndices(Op):
    """Max over each window of a (N, C, H, W) array; also torch's flat per-plane index of that maximum.

    Any number of spatial dims, as many as ``kernel`` has (``MaxPool3DWithIndices`` in pool3d.py names the 3-d
    one): the index is then flat within each (D, H, W) volume, as torch's.
    """

    @staticmethod
    def forward(
        ctx: Context, x: Array, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, ceil_mode: bool
    ) -> tuple:
        xp = array_module(x)
        nd = len(kernel)
        space = x.shape[-nd:]
        out = tuple(
            output_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(space, kernel, stride, padding, dilation)
        )
        lowest = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        xpad = _pad_for_windows(x, out, kernel, stride, padding, dilation, lowest)
        win = sliding_windows(xpad, kernel, stride, dilation)
        flat: Array = win.reshape(win.shape[: 2 + nd] + (math.prod(kernel),))  # (not -1: an empty batch has no size)
        pick = xp.argmax(flat, axis=-1)
        values = xp.take_along_axis(flat, pick[..., None], axis=-1)[..., 0]
        if x.dtype.kind == "f" and values.size and bool(xp.isnan(values.min())):
            # torch keeps a window's last NaN (its max propagates every NaN it meets); argmax finds the first.
            last_nan = flat.shape[-1] - 1 - xp.argmax(xp.isnan(flat)[..., ::-1], axis=-1)
            pick = xp.where(xp.isnan(values), last_nan, pick)
        # Window position -> input row/col (per spatial dim: the window's start, each axis broadcast along its
        # own output dim, plus the picked tap); a window with no finite value points, as torch's does, at its
        # first tap inside the input.
        taps = unravel(pick, kernel)
        coords, firsts = [], []
        for i, (o, s, p, d) in enumerate(zip(out, stride, padding, dilation)):
            along = (-1,) + (1,) * (nd - 1 - i)  # (rows: [:, None]; columns: as they are)
            coords.append(_window_starts(xp, o, s, p).reshape(along) + taps[i] * d)
            firsts.append(_first_inside(xp, o, s, p, d).reshape(along))
        inside = (coords[0] >= 0) & (coords[0] < space[0])
        for coord, n in zip(coords[1:], space[1:]):
            inside &= (coord >= 0) & (coord < n)
        index = xp.where(inside, ravel(coords, space), ravel(firsts, space)).astype(xp.int64)
        ctx.shape, ctx.index = x.shape, index
        ctx.mark_non_differentiable(index)
        return values, index

    @staticmethod
    def backward(ctx: Context, grad: Array, _grad_index: Array | None = None) -> tuple:
        xp = array_module(ctx.index)
        n, c = ctx.shape[:2]
        plane = math.prod(ctx.shape[2:])
        planes = xp.arange(n * c).reshape((n, c) + (1,) * (len(ctx.shape) - 2)) * plane
        # A dilated window can miss the input entirely; its index then points past the plane, like torch's.
        inside = ctx.index < plane
        region = IndexRegion((xp.where(inside, planes + ctx.index, 0).reshape(-1),))
        out = ScatterRegion.call((grad * inside).reshape((-1,)), region, (n * c * plane,))
        return out.reshape(ctx.shape), None, None, None, None, None


def _first_inside(xp: Any, out: int, s: int, p: int, d: int) -> Array:
    start = _window_starts(xp, out, s, p)
    return xp.where(start < 0, start + ((-start + d - 1) // d) * d, start)


class AvgPool2D(Op):
    """Mean over each window of a (N, C, H, W) array, with torch's divisor rules.

    Any number of spatial dims, as many as ``kernel`` has (``AvgPool3D`` in pool3d.py names the 3-d one).
    """

    @staticmethod
    def forward(
        ctx: Context,
        x: Array,
        kernel: tuple,
        stride: tuple,
        padding: tuple,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int | None,
    ) -> Array:
        xp = array_module(x)
        nd = len(kernel)
        space, ones = x.shape[-nd:], (1,) * nd
        out = tuple(output_size(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip(space, kernel, stride, padding))
        xpad = _pad_for_windows(x, out, kernel, stride, padding, ones, 0)
        sums = sliding_windows(xpad, kernel, stride, ones).sum(axis=tuple(range(-nd, 0)))
        divisor: int | Array
        if divisor_override:
            divisor = divisor_override
        else:
            spans = [_spans(xp, *a, count_include_pad) for a in zip(space, out, kernel, stride, padding)]
            divisor = spans[0]
            for span in spans[1:]:  # the product of the per-dim counts: spans[0][:, None] * spans[1] in 2-d
                divisor = divisor[..., None] * span
            divisor = divisor.astype(x.dtype)
        ctx.conf = (x.shape, kernel, stride, padding, divisor)
        ctx.args = (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
        return (sums / divisor).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return AvgPool2DGrad.call(grad, ctx.conf, ctx.args), None, None, None, None, None, None


class AvgPool2DGrad(Op):
    """The input gradient of average pooling: the transpose of a linear map, whose own gradient is that map."""

    node_name = "AvgPool2DBackwardBackward0"

    @staticmethod
    def forward(ctx: Context, grad: Array, conf: tuple, args: tuple) -> Array:
        ctx.args = args
        shape, kernel, stride, padding, divisor = conf
        nd = len(kernel)
        g = (grad / divisor).astype(grad.dtype, copy=False)
        offset = tuple(k - 1 - p for k, p in zip(kernel, padding))
        spread_out = spread(g, tuple(n + k - 1 for n, k in zip(shape[-nd:], kernel)), offset, stride)
        return sliding_windows(spread_out, kernel, (1,) * nd, (1,) * nd).sum(axis=tuple(range(-nd, 0)))

    @staticmethod
    def backward(ctx: Context, ggx: Array) -> tuple:
        return AvgPool2D.call(ggx, *ctx.args), None, None


def _spans(xp: Any, n: int, out: int, k: int, s: int, p: int, include_pad: bool) -> Array:
    """Per-window count along one axis: taps inside input + padding (include_pad) or inside the input only."""
    start = _window_starts(xp, out, s, p)
    end = xp.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return xp.minimum(end, n) - xp.maximum(start, 0)


def _check_pool(x: Tensor, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple) -> None:
    if x.ndim not in (3, 4) or any(n == 0 for n in x.shape[-3:]):
        raise RuntimeError(
            f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:{list(x.shape)}"
        )
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}")
    if min(stride) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}")
    if min(dilation) <= 0:
        raise RuntimeError(
            f"dilation should be greater than zero, but got dilationH: {dilation[0]} dilationW: {dilation[1]}"
        )
    for p, k, d in zip(padding, kernel, dilation):
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > k // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )


def _check_output(x: Tensor, out: tuple) -> None:
    if min(out) < 1:
        c, h, w = x.shape[-3:]
        raise RuntimeError(
            f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{out[0]}x{out[1]}). "
            "Output size is too small"
        )


def _pool_args(fn: str, kernel_size: IntPair, stride: IntPair | None, padding: IntPair) -> tuple[tuple, tuple, tuple]:
    kernel = pair(kernel_size, "kernel_size", fn)
    if stride is None or (not isinstance(stride, int) and len(stride) == 0):
        stride = kernel
    stride = pair(stride, "stride", fn)
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    return kernel, stride, pair(padding, "padding", fn)


def max_pool2d(
    input: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over windows of a (N, C, H, W) or (C, H, W) input, padding with -inf.

    Args:
        kernel_size, stride, padding, dilation: an int or a pair; ``stride`` defaults to ``kernel_size``;
            ``padding`` is at most half the kernel.
        ceil_mode: round the output size up (a last partial window, if it starts inside the input).
        return_indices: also return int64 indices of the maxima, flat within each (H, W) plane.
    """
    key = (
        (input._data.shape, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        if plain_args(kernel_size, stride, padding, dilation)
        and type(ceil_mode) is bool
        and type(return_indices) is bool
        else None
    )
    plan = POOL2D_PLANS.get(key) if key is not None else None
    if plan is not None:
        kernel, stride, padding, dilation, out, tiled = plan
    else:
        kernel, stride, padding = _pool_args("max_pool2d", kernel_size, stride, padding)
        dilation = pair(dilation, "dilation", "max_pool2d")
        _check_pool(input, kernel, stride, padding, dilation)
        out = tuple(
            output_size(n, k, s, p, d, ceil_mode)
            for n, k, s, p, d in zip(input.shape[-2:], kernel, stride, padding, dilation)
        )
        _check_output(input, out)
        tiled = (
            not return_indices
            and kernel == stride
            and padding == (0, 0)
            and dilation == (1, 1)
            and all(o * k <= n for o, k, n in zip(out, kernel, input.shape[-2:]))
        )
        if key is not None:  # checked once per call signature (input shape included), not per batch
            POOL2D_PLANS.put(key, (kernel, stride, padding, dilation, out, tiled))
    require_floating(input, "max_pool2d", also=INTEGER_DTYPES)  # (outside the plan: not cached per dtype)
    x = input if input._data.ndim == 4 else input.unsqueeze(0)
    # The one place an implementation is chosen: non-overlapping tiles without indices take the tiled
    # kernel (pool_tiled.py), everything else the general windows path; a device may register variants.
    if tiled:
        values = backend_of(x._data).kernel(MaxPool2DTiled).apply(x, kernel, out)
        return values if input._data.ndim == 4 else values.squeeze(0)
    values, index = (
        backend_of(x._data).kernel(MaxPool2DWithIndices).apply(x, kernel, stride, padding, dilation, ceil_mode)
    )
    if input.ndim == 3:
        values, index = values.squeeze(0), index.squeeze(0)
    return (values, index) if return_indices else values


def avg_pool2d(
    input: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over windows of a (N, C, H, W) or (C, H, W) input (zero padding).

    Args:
        kernel_size, stride, padding: an int or a pair; ``stride`` defaults to ``kernel_size``.
        ceil_mode: round the output size up (a last partial window, if it starts inside the input).
        count_include_pad: divide by the window size including padding (not the part beyond it in ceil
            mode); otherwise by the number of input elements in the window.
        divisor_override: divide every window by this instead.
    """
    input.size(-3)  # torch reads the channel count first: IndexError for a 1-D or 0-D input
    kernel, stride, padding = _pool_args("avg_pool2d", kernel_size, stride, padding)
    _check_pool(input, kernel, stride, padding, (1, 1))
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    out = tuple(output_size(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip(input.shape[-2:], kernel, stride, padding))
    _check_output(input, out)
    require_floating(input, "avg_pool2d", also=(dtypes.int64,))
    x = input if input.ndim == 4 else input.unsqueeze(0)
    res = AvgPool2D.apply(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return res if input.ndim == 4 else res.squeeze(0)
