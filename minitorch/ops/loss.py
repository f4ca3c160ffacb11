"""Pointwise losses (MSE, L1, binary cross-entropy on probabilities and on logits) and the reduction
helpers every loss shares; the class-axis losses live in ``cross_entropy.py``."""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..autograd.grad_mode import is_grad_enabled
from ..backend import Array
from ..tensor import Tensor
from .base import Op, astype_like, check_broadcast, namespace_of, require_floating, to_dtype

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "l1_loss", "mse_loss"]

REDUCTIONS = ("none", "mean", "sum")


def reduction_string(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The reduction to use, honouring the deprecated ``size_average``/``reduce`` pair as torch does."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else ("sum" if reduce else "none")
        warnings.warn(
            f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
            stacklevel=3,
        )
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def reduce_loss(loss: Any, reduction: str, count: Any) -> Any:
    """Per-element losses reduced: kept (none), summed, or summed and divided by ``count`` (mean; NaN for no
    elements, silently: the callers are ops, which run with numpy's warnings off)."""
    xp = backend.array_module(loss)
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return xp.asarray(total)
    return xp.asarray(total / count).astype(loss.dtype)


def upstream_grad(grad: Any, reduction: str, count: Any) -> Any:
    """The gradient reaching each element's loss."""
    if reduction != "mean":
        return grad
    return astype_like(grad / count, grad)


class BinaryCrossEntropy(Op):
    """-w (t log x + (1 - t) log(1 - x)) on probabilities, each log clamped at -100 as torch does."""

    @staticmethod
    def forward(ctx: Context, x: Array, t: Array, w: Array | None, reduction: str) -> Array:
        xp = backend.array_module(x)
        if not ((x >= 0) & (x <= 1)).all():
            raise RuntimeError("all elements of input should be between 0 and 1")
        log_x, log_1mx = xp.maximum(xp.log(x), -100), xp.maximum(xp.log1p(-x), -100)
        loss = -(t * log_x + (1 - t) * log_1mx)
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t)
        ctx.conf = (w, reduction, loss.size)
        return reduce_loss(loss, reduction, loss.size)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, t = ctx.saved_tensors
        w, reduction, count = ctx.conf
        xp = namespace_of(x, grad)
        a = upstream_grad(grad, reduction, count)
        if w is not None:
            a = a * w
        gx = a * (x - t) / xp.maximum((1 - x) * x, 1e-12)
        gt = None
        if ctx.needs_input_grad[1]:  # torch does not clamp here: -logit(x), infinite at 0 and 1
            gt = a * (xp.log1p(-x) - xp.log(x))
        return astype_like(gx, x), gt, None, None


class BinaryCrossEntropyWithLogits(Op):
    """Binary cross-entropy of sigmoid(x), computed from the logits: (1 - t) x + (1 + (pw - 1) t) softplus(-x)."""

    @staticmethod
    def forward(ctx: Context, x: Array, t: Array, w: Array | None, pos_weight: Array | None, reduction: str) -> Array:
        xp = backend.array_module(x)
        softplus_neg = xp.logaddexp(0, -x)  # -log(sigmoid(x)), finite for every x
        log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
        loss = (1 - t) * x + log_weight * softplus_neg
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t, softplus_neg)
        ctx.conf = (w, pos_weight, reduction, loss.size)
        return reduce_loss(loss, reduction, loss.size)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, t, softplus_neg = ctx.saved_tensors
        w, pos_weight, reduction, count = ctx.conf
        xp = namespace_of(x, grad)
        if softplus_neg is None:  # under create_graph: recomputed from x, on the graph
            softplus_neg = xp.logaddexp(0, -x)
        a = upstream_grad(grad, reduction, count)
        if w is not None:
            a = a * w
        sigmoid = xp.exp(-softplus_neg)
        if pos_weight is None:
            gx = a * (sigmoid - t)
            gt = -a * x if ctx.needs_input_grad[1] else None
        else:
            pt = pos_weight * t  # grouped as torch groups it: an out-of-range target gives torch's inf or NaN
            gx = a * ((pt + 1 - t) * sigmoid - pt)
            gt = a * ((pos_weight - 1) * softplus_neg - x) if ctx.needs_input_grad[1] else None
        return gx, gt, None, None, None


class MseLoss(Op):
    """Squared differences, reduced; the two operands may broadcast (torch broadcasts them first)."""

    @staticmethod
    def forward(ctx: Context, x: Array, t: Array, reduction: str) -> Array:
        diff = x - t
        ctx.save_for_backward(x, t, diff)
        ctx.conf = (reduction, diff.size)
        return reduce_loss(diff * diff, reduction, diff.size)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, t, diff = ctx.saved_tensors
        if diff is None:  # under create_graph: recomputed from the operands, on the graph
            diff = x - t
        g = 2 * diff * upstream_grad(grad, *ctx.conf)
        return g, -g, None


# ------------------------------------------------------------------ public functions


def not_differentiable(fn: str, name: str, t: Tensor | None) -> None:
    if t is not None and t.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"The function '{fn}' is not differentiable with respect to argument '{name}'. "
            "This input cannot have requires_grad True."
        )


def _check_fits_input(weight: Tensor, input: Tensor, expanded: bool = False) -> None:
    """torch's errors for a weight that does not broadcast to ``input``'s shape.

    Args:
        expanded: the loss expands the weight to the input (binary_cross_entropy: torch's expand message),
            rather than broadcasting the two together.
    """
    ws, xs = tuple(weight.shape), tuple(input.shape)
    for i in range(1, min(len(ws), len(xs)) + 1):
        if ws[-i] != xs[-i] and ws[-i] != 1 and xs[-i] != 1:
            if expanded:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {ws[-i]} at -{i}! Mismatching "
                    f"argument at index 1 had torch.Size({list(ws)}); but expected shape should be "
                    f"broadcastable to {list(xs)}"
                )
            check_broadcast(input, weight)
    n = max(len(ws), len(xs))
    full = tuple(b if a == 1 else a for a, b in zip((1,) * (n - len(ws)) + ws, (1,) * (n - len(xs)) + xs))
    if full != xs:
        raise RuntimeError(f"output with shape {list(xs)} doesn't match the broadcast shape {list(full)}")


def _size_warning(input: Tensor, target: Tensor, stacklevel: int = 3) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=stacklevel,
        )


def _pointwise_loss(loss: Tensor, input: Tensor, weight: Tensor | None, reduction: str) -> Tensor:
    if weight is None:
        if reduction == "none":
            return loss
        return loss.sum() if reduction == "sum" else loss.mean()
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / weight.sum()


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error, reduced; warns when ``target``'s shape differs from ``input``'s (they broadcast).

    Args:
        reduction: 'none', 'mean' or 'sum'.
        weight: per-element weights shaped like ``input``; 'mean' then divides by their sum.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(mse_loss):
        return autocast_mode.run("mse_loss", mse_loss, input, target, size_average, reduce, reduction, weight)
    _size_warning(input, target)
    check_broadcast(input, target)
    reduction = reduction_string(size_average, reduce, reduction)
    if weight is None:
        dt = dtypes.promote_types(input.dtype, target.dtype)
        if not dt.is_floating_point:
            raise NotImplementedError(f"\"mse_cpu\" not implemented for '{dt._scalar_name}'")
        return MseLoss.apply(to_dtype(input, dt), to_dtype(target, dt), reduction)
    diff = input - target
    return _pointwise_loss(diff * diff, input, weight, reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Absolute error, reduced; warns when ``target``'s shape differs from ``input``'s (they broadcast).

    Args:
        reduction: 'none', 'mean' or 'sum'.
        weight: per-element weights shaped like ``input``; 'mean' then divides by their sum.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(l1_loss):
        return autocast_mode.run("l1_loss", l1_loss, input, target, size_average, reduce, reduction, weight)
    _size_warning(input, target)
    reduction = reduction_string(size_average, reduce, reduction)
    return _pointwise_loss((input - target).abs(), input, weight, reduction)


def _raw_like(t: Tensor | None, like: Tensor) -> Any | None:
    """A non-differentiable weight as a raw array of ``like``'s dtype."""
    if t is None:
        return None
    return t._data.astype(like._data.dtype, copy=False)


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy between probabilities, each log clamped at -100 as torch does.

    Args:
        input: probabilities in [0, 1] (RuntimeError otherwise).
        target: same shape and dtype as ``input``.
        weight: rescaling broadcast to ``input``'s shape, or None.
        reduction: 'none', 'mean' or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(binary_cross_entropy):
        return autocast_mode.run(
            "binary_cross_entropy", binary_cross_entropy, input, target, weight, size_average, reduce, reduction
        )
    reduction = reduction_string(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {target.dtype._scalar_name} but expected {input.dtype._scalar_name}")
    if weight is not None:
        _check_fits_input(weight, input, expanded=True)
    require_floating(input, "binary_cross_entropy")
    not_differentiable("binary_cross_entropy", "weight", weight)
    return BinaryCrossEntropy.apply(input, target, _raw_like(weight, input), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(``input``), computed stably from the logits.

    Args:
        input: logits.
        target: same shape as ``input``, values in [0, 1].
        weight: rescaling broadcast to ``input``'s shape, or None.
        reduction: 'none', 'mean' or 'sum'.
        pos_weight: weight of the positive term, broadcast along the last dims (e.g. one per class), or None.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(binary_cross_entropy_with_logits):
        return autocast_mode.run(
            "binary_cross_entropy_with_logits",
            binary_cross_entropy_with_logits,
            input,
            target,
            weight,
            size_average,
            reduce,
            reduction,
            pos_weight,
        )
    reduction = reduction_string(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"log_sigmoid_cpu\" not implemented for '{input.dtype._scalar_name}'")
    if target.dtype is dtypes.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {target.dtype._scalar_name}")
    if pos_weight is not None:
        check_broadcast(pos_weight, target)
        _check_fits_input(pos_weight, input)
    if weight is not None:
        _check_fits_input(weight, input)
    not_differentiable("binary_cross_entropy_with_logits", "weight", weight)
    not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    dt = dtypes.promote_types(input.dtype, target.dtype)
    input, target = to_dtype(input, dt), to_dtype(target, dt)
    return BinaryCrossEntropyWithLogits.apply(
        input, target, _raw_like(weight, input), _raw_like(pos_weight, input), reduction
    )
