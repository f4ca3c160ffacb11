"""Regression and divergence losses: smooth L1, Huber, KL divergence, Poisson and Gaussian NLL.

Smooth L1, Huber and KL divergence are one op each (their backward: a formula of the saved
difference or inputs and the upstream gradient); the two likelihood losses are compositions of
existing ops, as torch writes them.
"""

from __future__ import annotations

import math
import warnings

from .. import dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..autograd.grad_mode import no_grad
from ..backend import Array, array_module
from ..tensor import Tensor
from .arithmetic import mul
from .base import Op, array_of, check_broadcast, namespace_of, require_floating, to_dtype
from .loss import _size_warning, reduce_loss, reduction_string, upstream_grad
from .shape import clone, unsqueeze

__all__ = ["gaussian_nll_loss", "huber_loss", "kl_div", "poisson_nll_loss", "smooth_l1_loss"]


class SmoothL1Loss(Op):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - t), reduced."""

    @staticmethod
    def forward(ctx: Context, x: Array, t: Array, beta: float, reduction: str) -> Array:
        xp = array_module(x)
        d = x - t
        a = xp.abs(d)
        loss = xp.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
        ctx.save_for_backward(x, t, d)  # the difference: an intermediate, recomputed under create_graph
        ctx.conf = (beta, reduction, d.size)
        return reduce_loss(loss, reduction, d.size)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, t, d = ctx.saved_tensors
        if d is None:
            d = x - t
        beta, reduction, count = ctx.conf
        xp, raw = namespace_of(d, grad), array_of(d)
        g = upstream_grad(grad, reduction, count)
        gx = xp.where(raw < -beta, -g, xp.where(raw > beta, g, g * d / beta))
        return gx, -gx, None, None


class HuberLoss(Op):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = x - t), reduced."""

    @staticmethod
    def forward(ctx: Context, x: Array, t: Array, delta: float, reduction: str) -> Array:
        xp = array_module(x)
        d = x - t
        a = xp.abs(d)
        loss = xp.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
        ctx.save_for_backward(x, t, d)  # the difference: an intermediate, recomputed under create_graph
        ctx.conf = (delta, reduction, d.size)
        return reduce_loss(loss, reduction, d.size)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, t, d = ctx.saved_tensors
        if d is None:
            d = x - t
        delta, reduction, count = ctx.conf
        xp, raw = namespace_of(d, grad), array_of(d)
        g = upstream_grad(grad, reduction, count)
        gx = xp.where(raw < -delta, -delta * g, xp.where(raw > delta, delta * g, g * d))
        return gx, -gx, None, None


class KlDiv(Op):
    """target * (log(target) - input), 0 where target is 0; or exp(t) (t - input) for a log target."""

    @staticmethod
    def forward(ctx: Context, x: Array, t: Array, log_target: bool, reduction: str) -> Array:
        xp = array_module(x)
        if log_target:
            loss = xp.exp(t) * (t - x)
        else:  # xlogy(t, t): 0 * log(0) is 0
            loss = xp.where(t == 0, 0, t * xp.log(t)) - t * x
        ctx.save_for_backward(x, t)
        ctx.conf = (log_target, reduction, loss.size)
        return reduce_loss(loss.astype(x.dtype, copy=False), reduction, loss.size)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, t = ctx.saved_tensors
        log_target, reduction, count = ctx.conf
        xp = namespace_of(x, t, grad)
        g = upstream_grad(grad, reduction, count)
        if log_target:
            e = xp.exp(t)
            gx = -g * e
            gt = g * e * (t - x + 1) if ctx.needs_input_grad[1] else None
        else:
            gx = -g * t
            gt = None
            if ctx.needs_input_grad[1]:  # d xlogy(t, t) / dt as torch sums it: log t (0 at t = 0) + t / t
                gt = g * (xp.where(array_of(t) == 0, 0, xp.log(t)) + t / t - x)
        return gx, gt, None, None


def _broadcast_pair(fn: str, input: Tensor, target: Tensor) -> tuple:
    """(input, target) promoted to one dtype and broadcast to one shape, with torch's warning and error."""
    _size_warning(input, target, stacklevel=4)
    check_broadcast(input, target)
    dt = dtypes.promote_types(input.dtype, target.dtype)
    input, target = to_dtype(input, dt), to_dtype(target, dt)
    shape = array_module(input._data).broadcast_shapes(tuple(input.shape), tuple(target.shape))
    return input.expand(*shape), target.expand(*shape)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Squared error below ``beta``, absolute error (less beta/2) above, reduced.

    Args:
        reduction: 'none', 'mean' or 'sum'.
        beta: where the quadratic part ends (0 gives the L1 loss; negative is an error).
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(smooth_l1_loss):
        return autocast_mode.run("smooth_l1_loss", smooth_l1_loss, input, target, size_average, reduce, reduction, beta)
    reduction = reduction_string(size_average, reduce, reduction)
    input, target = _broadcast_pair("smooth_l1_loss", input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return reduce_tensor((input - target).abs(), reduction)
    require_floating(input, "smooth_l1_cpu")
    return SmoothL1Loss.apply(input, target, float(beta), reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight: Tensor | None = None
) -> Tensor:
    """Squared error (halved) below ``delta``, delta * (|error| - delta/2) above, reduced.

    Args:
        reduction: 'none', 'mean' or 'sum'.
        delta: where the quadratic part ends (positive).
        weight: per-element weights shaped like ``input``, applied before the reduction.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(huber_loss):
        return autocast_mode.run("huber_loss", huber_loss, input, target, reduction, delta, weight)
    input_shape, input_dtype = tuple(input.shape), input.dtype
    input, target = _broadcast_pair("huber_loss", input, target)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if input.dtype.is_floating_point and not input_dtype.is_floating_point:  # torch writes into input's dtype
        raise RuntimeError(
            f"result type {input.dtype._scalar_name} can't be cast to the desired output type "
            f"{input_dtype._scalar_name}"
        )
    require_floating(input, "huber_cpu")
    if weight is None:
        return HuberLoss.apply(input, target, float(delta), reduction)
    if tuple(weight.shape) != input_shape:
        raise ValueError("Weights and input must have the same size.")
    return reduce_tensor(HuberLoss.apply(input, target, float(delta), "none") * weight, reduction)


def reduce_tensor(loss: Tensor, reduction: str) -> Tensor:
    """A loss tensor kept, summed or averaged (composite losses end here)."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL divergence of ``target`` from the distribution whose log-probabilities are ``input``.

    Args:
        input: log-probabilities.
        target: probabilities, or log-probabilities with ``log_target``.
        reduction: 'none', 'sum', 'mean' (over every element, with torch's warning) or 'batchmean'
            (the sum divided by the batch size: the divergence's mathematical definition).
        log_target: ``target`` holds log-probabilities.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(kl_div):
        return autocast_mode.run("kl_div", kl_div, input, target, size_average, reduce, reduction, log_target)
    if size_average is not None or reduce is not None:
        reduction = reduction_string(size_average, reduce, "mean")
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    elif reduction not in ("none", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    check_broadcast(input, target)
    if not (input.dtype.is_floating_point and target.dtype.is_floating_point):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    dt = dtypes.promote_types(input.dtype, target.dtype)
    input, target = to_dtype(input, dt), to_dtype(target, dt)
    shape = array_module(input._data).broadcast_shapes(tuple(input.shape), tuple(target.shape))
    a, b = input.expand(*shape), target.expand(*shape)
    out = KlDiv.apply(a, b, bool(log_target), "sum" if reduction == "batchmean" else reduction)
    if reduction == "batchmean" and input.ndim != 0:
        out = out / input.shape[0]
    return out


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of ``target`` under a Poisson distribution of rate ``input``.

    Args:
        log_input: ``input`` is the log of the rate (loss exp(input) - target * input); otherwise the
            rate itself (loss input - target * log(input + eps)).
        full: add Stirling's approximation of log(target!) (for targets above 1).
        eps: keeps log away from 0 when ``log_input`` is False.
        reduction: 'none', 'mean' or 'sum'.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(poisson_nll_loss):
        return autocast_mode.run(
            "poisson_nll_loss", poisson_nll_loss, input, target, log_input, full, size_average, eps, reduce, reduction
        )
    reduction = reduction_string(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        t = target
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + stirling.masked_fill(t <= 1, 0)
    return reduce_tensor(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of ``target`` under Gaussians of mean ``input`` and variance ``var``.

    Args:
        var: variances: shaped like ``input``, one dimension short of it, or broadcastable to it with one
            dimension of size 1 (a shared variance), or a float.
        full: add the constant 0.5 * log(2 pi).
        eps: the smallest variance used (clamped without affecting the gradient, as torch).
        reduction: 'none', 'mean' or 'sum'.
    """
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = mul(input.new_ones(input.shape), var)  # the functions, not Tensor's spellings: typed as Tensors
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = unsqueeze(var, -1)
        elif not (input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = clone(var)
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce_tensor(loss, reduction)
