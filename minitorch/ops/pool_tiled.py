"""Max pooling over non-overlapping tiles: the fast kernel beside ``MaxPool2DWithIndices`` (pool.py).

When the stride equals the kernel, with no padding or dilation and no indices asked for (LeNet's
2x2 pooling), the maximum is an elementwise ``maximum`` over the kh*kw strided views of the input,
and the backward routes each gradient by equality masks, with no gather or scatter. ``max_pool2d``
picks it in one place; the general windows path is its plain twin, and
``tests/test_ops_conv_kernels.py`` checks that the two agree bit for bit.

The routing (``TileRoute``, which finds the masks; ``TileScatter``, given them) and its transpose
(``TileGather``: each tile's gradient read back through the same masks) are ops of each other's
gradient, so the kernel is differentiable to any order.
"""

from __future__ import annotations

from typing import Any

from ..autograd.function import Context
from ..backend import Array, array_module
from .base import Op, array_of


class MaxPool2DTiled(Op):
    """Max over non-overlapping kh x kw tiles (stride = kernel, no padding or dilation), without indices.

    The forward is ``maximum`` over the kh*kw strided views of the input; the backward
    routes each gradient to the first maximum of its tile (torch's choice on ties) by
    equality masks, one view at a time, with no gather or scatter.
    """

    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, kernel: tuple, out: tuple) -> Array:
        xp = array_module(x)
        views = _tiles(x, kernel, out)
        res = xp.maximum(views[0], views[1]) if len(views) > 1 else views[0].copy()
        for v in views[2:]:
            xp.maximum(res, v, out=res)
        ctx.save_for_backward(x, res)
        ctx.conf = (kernel, out)
        return res

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, res = ctx.saved_tensors
        # x and the maxima only decide where each gradient goes: constants of the routing
        return TileRoute.call(grad, array_of(x), array_of(res), *ctx.conf), None, None


def _picks(x: Array, res: Array, kernel: tuple, out: tuple) -> list:
    """Per tap of the tiles, where it is the one that gets the gradient (a bool mask of the output's shape)."""
    xp = array_module(x)
    views = _tiles(x, kernel, out)
    # torch's choice in a tile: the first maximum, or the last NaN (max propagates a NaN).
    # min propagates NaN: one reduction tells whether any tile has one.
    nan_pick = _last_nan(xp, views) if x.dtype.kind == "f" and res.size and bool(xp.isnan(res.min())) else None
    taken, picks = None, []
    for k, v in enumerate(views):
        if k == len(views) - 1 and taken is not None and nan_pick is None:
            picks.append(~taken)
            break
        hit = v == res
        if taken is None:
            taken = hit.copy()
        else:
            hit &= ~taken
            taken |= hit
        if nan_pick is not None:
            hit |= nan_pick[k]
        picks.append(hit)
    return picks


class TileRoute(Op):
    """Each tile's gradient sent to the tap that holds its maximum (``x`` and the maxima ``res`` decide
    which), zeros elsewhere: an input-shaped result."""

    node_name = "MaxPool2DWithIndicesBackwardBackward0"

    @staticmethod
    def forward(ctx: Context, grad: Array, x: Array, res: Array, kernel: tuple, out: tuple) -> Array:
        picks = _picks(x, res, kernel, out)
        ctx.conf, ctx.shape = (picks, kernel, out), x.shape
        return _route(grad, picks, kernel, out, x.shape)

    @staticmethod
    def backward(ctx: Context, ggx: Array) -> tuple:
        return TileGather.call(ggx, *ctx.conf), None, None, None, None, None


class TileScatter(Op):
    """``TileRoute`` with the picks made: the gradient of ``TileGather``."""

    node_name = "MaxPool2DWithIndicesBackwardBackward0"

    @staticmethod
    def forward(ctx: Context, grad: Array, picks: list, kernel: tuple, out: tuple, shape: tuple) -> Array:
        ctx.conf = (picks, kernel, out)
        return _route(grad, picks, kernel, out, shape)

    @staticmethod
    def backward(ctx: Context, ggx: Array) -> tuple:
        return TileGather.call(ggx, *ctx.conf), None, None, None, None


def _route(grad: Array, picks: list, kernel: tuple, out: tuple, shape: tuple) -> Array:
    xp = array_module(grad)
    gx = xp.zeros(shape, dtype=grad.dtype)
    for pick, target in zip(picks, _tiles(gx, kernel, out)):
        xp.multiply(grad, pick, out=target)
    return gx


class TileGather(Op):
    """Each tile's value at the tap ``picks`` chose (an output-shaped result): the transpose of the routing."""

    @staticmethod
    def forward(ctx: Context, gx: Array, picks: list, kernel: tuple, out: tuple) -> Array:
        ctx.conf, ctx.shape = (picks, kernel, out), gx.shape
        views = _tiles(gx, kernel, out)
        acc = views[0] * picks[0]
        for v, pick in zip(views[1:], picks[1:]):
            acc += v * pick
        return acc

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return TileScatter.call(grad, *ctx.conf, ctx.shape), None, None, None


def _last_nan(xp: Any, views: list) -> list:
    """Per tap, where it is the last NaN of its tile."""
    later, picks = None, []
    for v in reversed(views):
        nan = xp.isnan(v)
        picks.append(nan if later is None else nan & ~later)
        later = nan if later is None else later | nan
    return picks[::-1]


def _tiles(x: Array, kernel: tuple, out: tuple) -> list:
    """The kh*kw strided views of ``x`` (row-major tap order), each holding one tap of every tile."""
    (kh, kw), (ho, wo) = kernel, out
    return [
        x[..., i : i + kh * (ho - 1) + 1 : kh, j : j + kw * (wo - 1) + 1 : kw] for i in range(kh) for j in range(kw)
    ]
