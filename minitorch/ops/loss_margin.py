"""Margin and embedding losses: margin ranking, hinge embedding, soft margin, multi-label soft margin,
cosine embedding and triplet margin.

Soft margin is one op (log1p(exp(-y x)): its backward needs the inputs only); the others are
compositions of existing ops in torch's own order of operations, so their gradients follow.
"""

from __future__ import annotations

from .. import dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, check_broadcast, namespace_of
from .distance import pairwise_distance
from .loss import not_differentiable, reduce_loss, reduction_string, upstream_grad
from .loss_regression import reduce_tensor
from .nonlinearity import logsigmoid

__all__ = [
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
]


class SoftMarginLoss(Op):
    """log(1 + exp(-y x)), reduced."""

    @staticmethod
    def forward(ctx: Context, x: Array, y: Array, reduction: str) -> Array:
        xp = array_module(x)
        # exp overflows to inf for large -y x, as in torch
        loss = xp.log1p(xp.exp(-y * x))
        ctx.save_for_backward(x, y)
        ctx.conf = (reduction, loss.size)
        return reduce_loss(loss, reduction, loss.size)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, y = ctx.saved_tensors
        xp = namespace_of(x, y, grad)
        g = upstream_grad(grad, *ctx.conf)
        z = xp.exp(-y * x)
        slope = z / (1 + z)  # d/dx = -y * slope, d/dy = -x * slope
        gy = -x * slope * g if ctx.needs_input_grad[1] else None
        return -y * slope * g, gy, None


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -target * (input1 - input2) + margin), reduced.

    Args:
        input1, input2: scores to rank, of the same number of dimensions as ``target``.
        target: 1 where input1 should rank higher, -1 where input2 should.
        margin: the required gap.
        reduction: 'none', 'mean' or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(margin_ranking_loss):
        return autocast_mode.run(
            "margin_ranking_loss", margin_ranking_loss, input1, input2, target, margin, size_average, reduce, reduction
        )
    reduction = reduction_string(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    # margin is a double to torch, so integer operands give a floating loss
    return reduce_tensor((-target * (input1 - input2) + float(margin)).clamp(min=0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``input`` where target is 1, max(0, margin - input) where it is -1, reduced.

    Args:
        input: distances (or any scores).
        target: 1 or -1 per element.
        margin: the margin for the -1 entries.
        reduction: 'none', 'mean' or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(hinge_embedding_loss):
        return autocast_mode.run(
            "hinge_embedding_loss", hinge_embedding_loss, input, target, margin, size_average, reduce, reduction
        )
    reduction = reduction_string(size_average, reduce, reduction)
    check_broadcast(input, target)
    zeros = input.new_zeros(())
    if not input.dtype.is_floating_point:  # torch converts the margin into an integer input's type (1.5 -> 1)
        margin = dtypes.cast_scalar(margin, input.dtype, checked=False).item()
    margin_part = (margin - input).clamp(min=0).where(target != 1, zeros)
    self_part = input.where(target != -1, zeros)
    return reduce_tensor(margin_part + self_part, reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """log(1 + exp(-target * input)), reduced (a two-class logistic loss with targets 1 and -1).

    Args:
        target: 1 or -1 per element, shaped like ``input``.
        reduction: 'none', 'mean' or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(soft_margin_loss):
        return autocast_mode.run("soft_margin_loss", soft_margin_loss, input, target, size_average, reduce, reduction)
    reduction = reduction_string(size_average, reduce, reduction)
    not_differentiable("soft_margin_loss", "target", target)
    check_broadcast(input, target)
    if input.dtype is dtypes.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, "
            "use the `~` or `logical_not()` operator instead."
        )
    if not input.dtype.is_floating_point:  # torch writes the loss into input's dtype
        raise RuntimeError(f"result type Float can't be cast to the desired output type {input.dtype._scalar_name}")
    shape = array_module(input._data).broadcast_shapes(tuple(input.shape), tuple(target.shape))
    target = target.to(input.dtype) if target.dtype is not input.dtype else target
    return SoftMarginLoss.apply(input.expand(*shape), target.expand(*shape), reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample, the mean over classes of binary cross-entropy on logits (targets 0 or 1), reduced.

    Args:
        input: (N, C) or (C,) logits.
        target: 0 or 1 per class, shaped like ``input``.
        weight: per-class weights.
        reduction: 'none' (one loss per sample), 'mean' or 'sum'.
    """
    if size_average is not None or reduce is not None:
        reduction = reduction_string(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return reduce_tensor(loss, reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where it is -1, reduced.

    Args:
        input1, input2: (N, D) with a (N,) target, or (D,) with a 0-d target.
        target: 1 (similar) or -1 (dissimilar).
        margin: the cosine below which dissimilar pairs cost nothing.
        reduction: 'none', 'mean' or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(cosine_embedding_loss):
        return autocast_mode.run(
            "cosine_embedding_loss",
            cosine_embedding_loss,
            input1,
            input2,
            target,
            margin,
            size_average,
            reduce,
            reduction,
        )
    reduction = reduction_string(size_average, reduce, reduction)
    tdim = target.ndim
    if tdim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if tdim == 1 and (input1.ndim != 2 or input2.ndim != 2):
        raise RuntimeError(
            "1D target tensor expects 2D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    if tdim == 0 and (input1.ndim != 1 or input2.ndim != 1):
        raise RuntimeError(
            "0D target tensor expects 1D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    eps = 1e-12
    prod = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + eps
    mag2 = (input2 * input2).sum(tdim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    zeros = cos.new_zeros(())
    positive = (1 - cos).where(target == 1, zeros)
    negative = (cos - margin).clamp(min=0).where(target == -1, zeros)
    return reduce_tensor(positive + negative, reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, d(anchor, positive) - d(anchor, negative) + margin), d the pairwise p-distance, reduced.

    Args:
        anchor, positive, negative: (N, D) or (D,), all with the same number of dimensions.
        margin: the required gap (positive).
        p: the distance's norm degree.
        eps: added to differences, as in ``pairwise_distance``.
        swap: use the smaller of d(anchor, negative) and d(positive, negative).
        reduction: 'none', 'mean' or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(triplet_margin_loss):
        return autocast_mode.run(
            "triplet_margin_loss",
            triplet_margin_loss,
            anchor,
            positive,
            negative,
            margin,
            p,
            eps,
            swap,
            size_average,
            reduce,
            reduction,
        )
    reduction = reduction_string(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pos == neg):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {a}D, positive {pos}D, and negative {neg}D inputs"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return reduce_tensor((margin + d_pos - d_neg).clamp(min=0), reduction)
