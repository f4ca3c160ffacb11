"""Normalisation layers' ops: batch_norm, layer_norm and group_norm, one fused op each.

Each normalises x over some axes, xhat = (x - mean) * invstd with invstd = 1 / sqrt(var + eps)
(biased variance), then scales and shifts per channel (batch and group norm) or per element of
the normalised shape (layer norm). The forward saves x, the weight and the statistics (mean and
invstd: small, one per normalised group); the backward recomputes xhat from them and needs
nothing else:

    grad_bias   = sum(g)                           over every axis but the affine one(s)
    grad_weight = sum(g * xhat)
    grad_x      = invstd * (h - mean(h) - xhat * mean(h * xhat)),   h = g * weight

with the means taken over the normalised axes. Batch norm in evaluation mode normalises by the
running statistics, constants: there grad_x = g * weight * invstd. Batch norm also returns the
batch's mean and variance (not differentiable, like torch's native_batch_norm) so that
``batch_norm`` can update the running statistics.

The backwards are written with operators and ``namespace_of`` (issue 17), so they are differentiable
again: under ``create_graph`` the statistics, saved as intermediates, come back as None and are
recomputed from x on the graph (``_stats``).
"""

from __future__ import annotations

import math
from typing import Any

from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..tensor import Tensor
from .base import Op, array_of, is_tensor, namespace_of, require_floating

__all__ = ["batch_norm", "group_norm", "layer_norm"]


def _affine(xhat: Array, w: Array | None, b: Array | None, shape: tuple) -> Array:
    """xhat * weight + bias, the parameters reshaped to broadcast as ``shape``; in place on xhat."""
    if w is not None:
        xhat *= w.reshape(shape)
    if b is not None:
        xhat += b.reshape(shape)
    return xhat


def _normalized_grad(h: Array, xhat: Array, invstd: Array, axes: tuple) -> Array:
    """grad_x = invstd * (h - mean(h) - xhat * mean(h * xhat)), means over ``axes`` (kept)."""
    xp = namespace_of(h, xhat, invstd)
    return invstd * (h - xp.mean(h, axis=axes, keepdims=True) - xhat * xp.mean(h * xhat, axis=axes, keepdims=True))


def _stats(x: Array, axes: tuple, eps: float) -> tuple:
    """(mean, invstd) of ``x`` over ``axes`` (kept), biased variance: the forward's statistics recomputed under
    create_graph, differentiably."""
    xp = namespace_of(x)
    mean = xp.mean(x, axis=axes, keepdims=True)
    d = x - mean
    return mean, 1 / xp.sqrt(xp.mean(d * d, axis=axes, keepdims=True) + eps)


def channel_sum(*arrays: Array) -> Array:
    """The sum over every axis but 1 of ``arrays[0]`` (or of the product of two arrays), per channel.

    On arrays einsum does it in one pass without a temporary for the product: measured 2-3x faster
    than ``(a * b).sum(axis=(0, 2, 3))`` on a (64, 32, 16, 16) float32 batch. On tensors (create_graph)
    it is that product and sum, differentiably.
    """
    axes = tuple(i for i in range(arrays[0].ndim) if i != 1)
    xp = namespace_of(*arrays)
    if xp is not array_module(*[array_of(a) for a in arrays]):
        return xp.sum(arrays[0] if len(arrays) == 1 else arrays[0] * arrays[1], axis=axes)
    letters = "abcdefghij"[: arrays[0].ndim]
    return xp.einsum(",".join([letters] * len(arrays)) + "->b", *arrays)


class BatchNorm(Op):
    """Per-channel (dim 1) normalisation by the batch's statistics (training) or by given ones (eval).

    Training computes the mean in two steps (a first estimate, then the mean of the residuals
    x - estimate, which also gives the variance) so that a large common offset costs no precision.
    """

    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(
        ctx: Context, x: Array, w: Array | None, b: Array | None, mean: Any, var: Any, training: bool, eps: float
    ) -> tuple:
        xp = array_module(x)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if training:
            n = x.size // x.shape[1]
            estimate = channel_sum(x) / n
            d = x - estimate.reshape(shape)
            shift = channel_sum(d) / n
            var = channel_sum(d, d) / n - shift * shift
            mean = estimate + shift
        else:
            d = x - mean.reshape(shape)
            shift = xp.zeros_like(mean)
        # a zero variance with eps 0 gives inf, as in torch
        invstd = 1 / xp.sqrt(var + eps)
        scale = invstd if w is None else invstd * w
        offset = -shift * scale if b is None else b - shift * scale
        d *= scale.reshape(shape)  # out = (d - shift) * scale + b, in place on d
        d += offset.reshape(shape)
        return BatchNorm.keep(ctx, x, w, mean, var, invstd, training, eps, d)

    @staticmethod
    def keep(
        ctx: Context,
        x: Array,
        w: Array | None,
        mean: Any,
        var: Any,
        invstd: Any,
        training: bool,
        eps: float,
        out: Array,
    ) -> tuple:
        """Save what backward reads (also for the host's compiled variant) and return the op's three outputs."""
        # The batch's statistics depend on x: saved as intermediates (recomputed under create_graph); the
        # running ones of evaluation mode are constants.
        ctx.save_for_backward(x, w, mean if training else None, invstd if training else None)
        ctx.stats = (None, None) if training else (mean, invstd)
        ctx.training, ctx.eps = training, eps
        ctx.mark_non_differentiable(mean, var)
        return out, mean, var

    @staticmethod
    def gradients(ctx: Context, gx: Array, sum_g: Array, sum_gd: Array, invstd: Array) -> tuple:
        """The backward's results from a variant's input gradient and per-channel sums of g and g * (x - mean)
        (the host's compiled and the GPU's variants): the weight's and bias's gradients as ``backward`` forms them."""
        need = ctx.needs_input_grad
        gw = sum_gd * invstd if need[1] else None
        return gx if need[0] else None, gw, sum_g if need[2] else None, None, None, None, None

    @staticmethod
    def backward(ctx: Context, grad: Array, _gmean: Any = None, _gvar: Any = None) -> tuple:
        x, w, mean, invstd = ctx.saved_tensors
        training = ctx.training
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if not training:
            mean, invstd = ctx.stats
        elif invstd is None:  # under create_graph: the batch's statistics again, on the graph (mean, an output
            # marked non-differentiable, comes back detached: recomputed too)
            mean, invstd = _stats(x, tuple(i for i in range(x.ndim) if i != 1), ctx.eps)
            mean, invstd = mean.reshape((-1,)), invstd.reshape((-1,))
        d = x - mean.reshape(shape)  # xhat = d * invstd
        gw = gb = gx = None
        sum_g = channel_sum(grad) if (ctx.needs_input_grad[2] or training) else None
        sum_gd = channel_sum(grad, d) if (ctx.needs_input_grad[1] or training) else None
        if ctx.needs_input_grad[0]:
            a = invstd if w is None else invstd * w
            gx = grad * a.reshape(shape)
            if training:
                # grad_x = a * (g - mean(g) - xhat * mean(g * xhat)) = a g + d * k - c per channel
                n = math.prod(x.shape) // x.shape[1]
                k, c = (-a * invstd * invstd * sum_gd / n).reshape(shape), (a * sum_g / n).reshape(shape)
                if is_tensor(d):
                    gx = gx + d * k - c
                else:  # first order: accumulated in d's memory (fresh arrays of activation size cost page faults)
                    d *= k
                    d -= c
                    gx += d
        if ctx.needs_input_grad[1]:
            gw = sum_gd * invstd
        if ctx.needs_input_grad[2]:
            gb = sum_g
        return gx, gw, gb, None, None, None, None


class LayerNorm(Op):
    """Normalisation over the trailing ``k`` dims, with an elementwise weight and bias of their shape."""

    node_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, w: Array | None, b: Array | None, k: int, eps: float) -> Array:
        xp = array_module(x)
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        d = x - mean
        invstd = 1 / xp.sqrt((d * d).mean(axis=axes, keepdims=True) + eps)
        out = _affine(d * invstd, w, b, x.shape[x.ndim - k :])
        ctx.save_for_backward(x, w, mean, invstd)  # the statistics: intermediates, recomputed under create_graph
        ctx.axes, ctx.eps = axes, eps
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, w, mean, invstd = ctx.saved_tensors
        axes = ctx.axes
        if mean is None:
            mean, invstd = _stats(x, axes, ctx.eps)
        lead = tuple(range(x.ndim - len(axes)))
        xhat = (x - mean) * invstd
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = _normalized_grad(grad if w is None else grad * w, xhat, invstd, axes)
        xp = namespace_of(grad, xhat)
        if ctx.needs_input_grad[1]:
            gw = xp.sum(grad * xhat, axis=lead)
        if ctx.needs_input_grad[2]:
            gb = xp.sum(grad, axis=lead)
        return gx, gw, gb, None, None


class GroupNorm(Op):
    """Normalisation over each group of channels (and all positions) of each sample; per-channel affine."""

    node_name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, w: Array | None, b: Array | None, groups: int, eps: float) -> Array:
        xp = array_module(x)
        n, c = x.shape[:2]
        xg = x.reshape(n, groups, -1)
        mean = xg.mean(axis=2, keepdims=True)
        d = xg - mean
        invstd = 1 / xp.sqrt((d * d).mean(axis=2, keepdims=True) + eps)
        shape = (1, c) + (1,) * (x.ndim - 2)
        out = _affine((d * invstd).reshape(x.shape), w, b, shape)
        ctx.save_for_backward(x, w, mean, invstd)  # the statistics: intermediates, recomputed under create_graph
        ctx.groups, ctx.eps = groups, eps
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, w, mean, invstd = ctx.saved_tensors
        groups = ctx.groups
        n, c = x.shape[:2]
        shape = (1, c) + (1,) * (x.ndim - 2)
        xg = x.reshape((n, groups, -1))
        if mean is None:
            mean, invstd = _stats(xg, (2,), ctx.eps)
        xhat = ((xg - mean) * invstd).reshape(tuple(x.shape))
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            h = (grad if w is None else grad * w.reshape(shape)).reshape((n, groups, -1))
            gx = _normalized_grad(h, xhat.reshape((n, groups, -1)), invstd, (2,)).reshape(tuple(x.shape))
        if ctx.needs_input_grad[1]:
            gw = channel_sum(grad, xhat)
        if ctx.needs_input_grad[2]:
            gb = channel_sum(grad)
        return gx, gw, gb, None, None


# ------------------------------------------------------------------ public functions


def _check_vector(name: str, t: Tensor | None, c: int) -> None:
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) of a (N, C, *) input, then scale by ``weight`` and shift by ``bias``.

    Args:
        running_mean, running_var: (C,) running statistics, or None. In training they are updated in place,
            running = (1 - momentum) * running + momentum * batch statistic (the variance unbiased);
            in evaluation they normalise the input.
        weight, bias: (C,) or None.
        training: normalise by the batch's statistics (more than one value per channel needed).
        momentum: the running statistics' update factor.
        eps: added to the variance.
    """
    if training:
        count = input.shape[0] * math.prod(input.shape[2:]) if input.ndim >= 2 else input.numel()
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.ndim < 2:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    c = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        _check_vector(name, t, c)
    if not training and running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    require_floating(input, "batch_norm")
    dt = input._data.dtype
    if training:
        stats: tuple = (None, None)
    elif running_mean is None or running_var is None:  # both or neither (checked above)
        raise RuntimeError("running_mean must be defined in evaluation mode")
    else:
        stats = (running_mean._data.astype(dt), running_var._data.astype(dt))
    op = backend_of(input._data).kernel(BatchNorm)  # (the host's compiled variant: normalization_numba.py)
    out, mean, var = op.apply(input, weight, bias, *stats, bool(training), float(eps))
    if training and running_mean is not None and running_var is not None:
        n = input.numel() // c
        with backend_of(mean._data).quiet():
            unbiased = var._data * (n / (n - 1))
        rm, rv = running_mean._data, running_var._data
        running_mean._write(momentum * mean._data.astype(rm.dtype) + (1 - momentum) * rm)
        running_var._write(momentum * unbiased.astype(rv.dtype) + (1 - momentum) * rv)
    return out


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing dims of shape ``normalized_shape``, then scale and shift elementwise.

    Args:
        normalized_shape: a sequence of ints (a torch.Size, a tuple or a list): the input's last dims.
        weight, bias: of shape ``normalized_shape``, or None.
        eps: added to the variance.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(layer_norm):
        return autocast_mode.run("layer_norm", layer_norm, input, normalized_shape, weight, bias, eps)
    if not isinstance(normalized_shape, (tuple, list)) and not hasattr(normalized_shape, "__len__"):
        raise TypeError(
            "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, "
            f"not {type(normalized_shape).__name__}"
        )
    shape = [int(n) for n in normalized_shape]
    k = len(shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and list(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(t.shape)} and normalized_shape = {shape}"
            )
    if k == 0 or input.ndim < k or list(input.shape[input.ndim - k :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={shape}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    require_floating(input, "LayerNormKernelImpl")
    return LayerNorm.apply(input, weight, bias, k, float(eps))


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample over groups of ``C / num_groups`` channels (and all positions), then scale and
    shift per channel.

    Args:
        num_groups: how many groups the channels (dim 1) split into.
        weight, bias: (C,) or None.
        eps: added to the variance.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(group_norm):
        return autocast_mode.run("group_norm", group_norm, input, num_groups, weight, bias, eps)
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[:2]
    if num_groups == 0:  # torch's Python-level batch-size check divides by it first
        raise ZeroDivisionError("integer division or modulo by zero")
    if num_groups < 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    if c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}"
        )
    if n * c // num_groups * math.prod(input.shape[2:]) == 1:
        size = [n * c // num_groups, num_groups] + list(input.shape[2:])
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, but got "
                f"{name} of shape {list(t.shape)} and input of shape {list(input.shape)}"
            )
    require_floating(input, "GroupNormKernelImpl")
    return GroupNorm.apply(input, weight, bias, int(num_groups), float(eps))
