"""Distances between rows, and the triplet loss over any distance: ``pdist`` (the p-norm distance of every pair of
rows of a matrix) and ``triplet_margin_with_distance_loss``.

``pdist`` is one op with torch's gradient rules, which differ from the norm's in two places: a pair at distance
zero contributes no gradient, and for the infinity norm every coordinate tied for the maximum gets the full
gradient (the norm shares it among them). Its backward is an op of its own, ``_pdist_backward``, which torch does
not differentiate again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import backend, ops
from ..autograd.function import Context
from ..backend import Array
from ..ops.base import Op
from ..ops.distance import pairwise_distance
from ..tensor import Tensor

__all__ = ["pdist", "triplet_margin_with_distance_loss"]


def _pairs(x: Array) -> tuple:
    """Row indices (i, j), i < j, in torch's order (row-major upper triangle), and ``x[i] - x[j]``."""
    xp = backend.array_module(x)
    i, j = xp.triu_indices(x.shape[0], 1)
    return i, j, x[i] - x[j]


class Pdist(Op):
    """The p-norm distance between each pair of rows i < j of a matrix."""

    node_name = "PdistBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, p: float) -> Array:
        xp = backend.array_module(x)
        _, _, diff = _pairs(x)
        a = xp.abs(diff)
        if diff.shape[1] == 0:  # no coordinates: every distance is 0 (numpy has no max of nothing)
            dist = xp.zeros(diff.shape[0], dtype=x.dtype)
        elif p == 0:
            dist = (a != 0).sum(axis=1).astype(x.dtype)
        elif p == 1:
            dist = a.sum(axis=1)
        elif p == 2:
            dist = xp.sqrt((a * a).sum(axis=1))
        elif p == math.inf:
            dist = a.max(axis=1)
        else:
            dist = (a**p).sum(axis=1) ** (1 / p)
        ctx.save_for_backward(x, dist)
        ctx.p = p
        return dist

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, dist = ctx.saved_tensors
        return PdistBackward.call(grad, x, dist, ctx.p), None


class PdistBackward(Op):
    """pdist's gradient for the matrix: each pair's per-coordinate gradient added to row i and taken from row j."""

    node_name = "PdistBackwardBackward0"

    @staticmethod
    def forward(ctx: Context, grad: Array, x: Array, dist: Array, p: float) -> Array:
        xp = backend.array_module(x)
        i, j, diff = _pairs(x)
        g, d = grad[:, None], dist[:, None]
        sign, a = xp.sign(diff), xp.abs(diff)
        if p == 0:
            per = xp.zeros_like(diff)
        elif p == 1:
            per = sign * g
        elif p == math.inf:
            per = g * sign * (a == d)
        elif p == 2:
            per = xp.where(d == 0, 0, g * diff / d)
        elif p < 2:
            per = xp.where(d == 0, 0, sign * a ** (p - 1) * g / d ** (p - 1))
            if p < 1:  # |diff| ** (p - 1) is infinite at 0: torch takes that coordinate's gradient as 0
                per = xp.where(diff == 0, 0, per)
        else:
            per = xp.where(d == 0, 0, diff * a ** (p - 2) * g / d ** (p - 1))
        out = xp.zeros_like(x)
        per = per.astype(x.dtype, copy=False)
        backend.backend_of(out).scatter_add(out, i, per)
        backend.backend_of(out).scatter_add(out, j, -per)
        return out

    @staticmethod
    def backward(ctx: Context, *grads: Any) -> tuple:
        raise NotImplementedError("the derivative for '_pdist_backward' is not implemented.")


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between the rows of ``input`` (N, M): the upper triangle of the (N, N) distance matrix,
    row by row, as a vector of N * (N - 1) / 2 entries.

    Args:
        input: a floating (N, M) matrix.
        p: the norm's degree, in [0, inf].
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return Pdist.apply(input, float(p))


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) for a distance function d (default: the pairwise Euclidean distance).

    Args:
        anchor, positive, negative: the triplets, of the same number of dimensions.
        distance_function: d(x1, x2), giving one distance per triplet.
        margin: the required gap (positive).
        swap: use min(d(a, n), d(p, n)) as the negative distance.
        reduction: 'mean', 'sum' or 'none'.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative {negative.ndim}D inputs"
        )
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_neg = ops.minimum(d_neg, distance(positive, negative))
    loss = ops.clamp_min(margin + d_pos - d_neg, 0)
    if reduction == "sum":
        return ops.sum(loss)
    return ops.mean(loss) if reduction == "mean" else loss
