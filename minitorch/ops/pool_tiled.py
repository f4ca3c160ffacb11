"""Max pooling over non-overlapping tiles: the fast kernel beside ``MaxPool2DWithIndices`` (pool.py).

When the stride equals the kernel, with no padding or dilation and no indices asked for (LeNet's
2x2 pooling), the maximum is an elementwise ``maximum`` over the kh*kw strided views of the input,
and the backward routes each gradient by equality masks, with no gather or scatter. ``max_pool2d``
picks it in one place; the general windows path is its plain twin, and
``tests/test_ops_conv_kernels.py`` checks that the two agree bit for bit.
"""

from __future__ import annotations

from typing import Any

from ..autograd.function import Context
from ..backend import Array, array_module
from .base import Op


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
        kernel, out = ctx.conf
        xp = array_module(grad)
        gx = xp.zeros(x.shape, dtype=grad.dtype)
        views, targets = _tiles(x, kernel, out), _tiles(gx, kernel, out)
        # torch's choice in a tile: the first maximum, or the last NaN (max propagates a NaN).
        # min propagates NaN: one reduction tells whether any tile has one.
        nan_pick = _last_nan(xp, views) if x.dtype.kind == "f" and res.size and bool(xp.isnan(res.min())) else None
        taken = None
        for k, (v, t) in enumerate(zip(views, targets)):
            if k == len(views) - 1 and taken is not None and nan_pick is None:
                xp.multiply(grad, ~taken, out=t)
                break
            hit = v == res
            if taken is None:
                taken = hit.copy()
            else:
                hit &= ~taken
                taken |= hit
            if nan_pick is not None:
                hit |= nan_pick[k]
            xp.multiply(grad, hit, out=t)
        return gx, None, None


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
