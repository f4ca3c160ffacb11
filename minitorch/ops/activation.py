"""Normalising activations and dropout: softmax, log_softmax (both shift by the max first), dropout and
channel-wise (feature) dropout."""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..random import sample_uniform
from ..tensor import Tensor
from .base import Op, float_operand, namespace_of, to_dtype
from .reduce import normalize_dims

__all__ = ["dropout", "dropout1d", "dropout2d", "log_softmax", "logsumexp", "softmax"]


def log_softmax_array(x: Any, axis: int | None) -> Any:
    """log(softmax(x)) along ``axis`` on a raw array, stable for any logits (also used by cross_entropy)."""
    xp = backend.array_module(x)
    if x.size == 0:  # numpy cannot take the max of an empty axis
        return x.copy()
    shift = x.max(axis=axis, keepdims=True)
    # Shifted by the max itself, as torch: a row holding +inf (inf - inf) or only -inf is all NaN (silently: the
    # callers are ops' forwards, run with numpy's warnings off).
    z = x - shift
    return z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))


_EMPTY = "empty"  # ctx.axis of an empty input: its gradient passes through


class LogSoftmax(Op):
    """x - log(sum(exp(x))) along one axis."""

    exponentiate = False  # Softmax reuses this forward and returns exp of the result

    @classmethod
    def forward(cls, ctx: Context, x: Array, axis: int | None) -> Array:
        if x.size == 0:  # numpy cannot take the max of an empty axis
            ctx.axis = _EMPTY
            return x.copy()
        out = log_softmax_array(x, axis)
        if cls.exponentiate:
            out = backend.array_module(x).exp(out)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (out,) = ctx.saved_tensors
        if ctx.axis is _EMPTY:
            return grad, None
        return LogSoftmaxBackwardData.call(grad, out, ctx.axis), None


class LogSoftmaxBackwardData(Op):
    """log_softmax's gradient, grad - softmax * sum(grad), as an op of its own (as in torch)."""

    @staticmethod
    def forward(ctx: Context, grad: Array, out: Array, axis: int | None) -> Array:
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, out)
        ctx.axis = axis
        xp = backend.array_module(grad)
        return grad - xp.exp(out) * grad.sum(axis=axis, keepdims=True)

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        grad, out = ctx.saved_tensors
        xp = namespace_of(gg, out)
        soft = xp.exp(out)
        d_grad = gg - xp.sum(gg * soft, axis=ctx.axis, keepdims=True)
        d_out = -gg * soft * xp.sum(grad, axis=ctx.axis, keepdims=True) if grad is not None else None
        return d_grad, d_out, None


class Softmax(LogSoftmax):
    """exp(x) / sum(exp(x)) along one axis."""

    exponentiate = True

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (out,) = ctx.saved_tensors
        if ctx.axis is _EMPTY:
            return grad, None
        return SoftmaxBackwardData.call(grad, out, ctx.axis), None


class SoftmaxBackwardData(Op):
    """softmax's gradient, out * (grad - sum(grad * out)), as an op of its own (as in torch)."""

    @staticmethod
    def forward(ctx: Context, grad: Array, out: Array, axis: int | None) -> Array:
        ctx.save_for_backward(grad if ctx.needs_input_grad[1] else None, out)
        ctx.axis = axis
        return out * (grad - (grad * out).sum(axis=axis, keepdims=True))

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        # The Jacobian diag(out) - out out^T is symmetric: the gradient's own gradient in grad is itself.
        grad, out = ctx.saved_tensors
        d_out = None
        if grad is not None:
            xp = namespace_of(gg, out)
            s = xp.sum(grad * out, axis=ctx.axis, keepdims=True)
            d_out = gg * (grad - s) - grad * xp.sum(gg * out, axis=ctx.axis, keepdims=True)
        return SoftmaxBackwardData.call(gg, out, ctx.axis), d_out, None


class Logsumexp(Op):
    """``log(sum(exp(x)))`` over ``axes``, shifted by the largest element so nothing overflows; the gradient is
    ``exp(x - out)`` (the softmax) times the incoming one."""

    @staticmethod
    def forward(ctx: Context, x: Array, axes: tuple | None, keepdim: bool) -> Array:
        xp = backend.array_module(x)
        top = x.max(axis=axes, keepdims=True) if x.size else xp.zeros((1,) * x.ndim, dtype=x.dtype)
        top = xp.where(xp.isfinite(top), top, 0)  # all -inf (or inf) slices: no shift
        out = xp.log(xp.exp(x - top).sum(axis=axes, keepdims=True)) + top
        ctx.keepdim_shape = out.shape
        if not keepdim:
            out = out.reshape([n for d, n in enumerate(out.shape) if axes is not None and d not in axes])
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, out = ctx.saved_tensors
        softmax = namespace_of(x).exp(x - out.reshape(ctx.keepdim_shape))
        return grad.reshape(ctx.keepdim_shape) * softmax, None, None


class Dropout(Op):
    """x * mask, where the mask holds 0 or 1/(1-p)."""

    node_name = "MulBackward0"  # what torch's CPU dropout records

    @staticmethod
    def forward(ctx: Context, x: Array, mask: Array) -> Array:
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad * ctx.mask, None


def _softmax_input(input: Tensor, dim: int, dtype: Any, name: str) -> tuple:
    if dtype is not None:
        input = to_dtype(input, dtype)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}_lastdim_kernel_impl\" not implemented for '{input.dtype._scalar_name}'")
    axis = input._wrap_dim(dim)
    return input, (axis if input.ndim else None)


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """exp(input) normalised to sum to 1 along ``dim`` (computed in ``dtype`` when given)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(softmax):
        return autocast_mode.run("softmax", softmax, input, dim, dtype)
    x, axis = _softmax_input(input, dim, dtype, "softmax")
    return Softmax.apply(x, axis)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """log(softmax(input)) along ``dim``, without forming softmax (no underflow to -inf)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(log_softmax):
        return autocast_mode.run("log_softmax", log_softmax, input, dim, dtype)
    x, axis = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(x, axis)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim`` (an int or a tuple of ints), computed without overflow."""
    if autocast_mode.enabled_threads and autocast_mode.wants(logsumexp):
        return autocast_mode.run("logsumexp", logsumexp, input, dim, keepdim)
    x = float_operand(input)
    return Logsumexp.apply(x, normalize_dims(dim, x.ndim) if x.ndim else None, keepdim)


def dropout_mask(input: Tensor, p: float, generator: Any = None, shape: tuple | None = None) -> Any:
    """Keep-mask scaled by 1/(1-p), drawn on ``input``'s device (the host: from minitorch's generator).

    ``shape`` (default: the input's) may have size-1 dims, over which the mask broadcasts.
    """
    u = sample_uniform(input.shape if shape is None else shape, 0.0, 1.0, dtypes.float64, generator, input.device)
    keep = u >= p
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
    return (keep * scale).astype(input._data.dtype)


def dropout(input: Tensor, p: float = 0.5, train: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (identity when not training)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not train or p == 0 or input.numel() == 0:  # torch hands the input itself back, and draws nothing
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {input.dtype._scalar_name}")
    return Dropout.apply(input, dropout_mask(input, p))


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, batched: bool = True) -> Tensor:
    """Zero whole channels (dim 1, or dim 0 of an unbatched input) with probability ``p``, scaling the rest
    by 1/(1-p)."""
    if not training or p == 0:
        return input
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {input.dtype._scalar_name}")
    lead = 2 if batched else 1
    mask = dropout_mask(input, p, shape=tuple(input.shape[:lead]) + (1,) * (input.ndim - lead))
    if inplace:
        return input._inplace(lambda s: Dropout.apply(s, mask))
    return Dropout.apply(input, mask)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of a (N, C, L) or (C, L) input with probability ``p``; scale the rest by 1/(1-p).

    Args:
        p: the probability of zeroing a channel.
        training: when False, ``input`` is returned unchanged.
        inplace: write the result into ``input``.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. "
            "Note that dropout1d exists to provide channel-wise dropout on inputs with 1 "
            "spatial dimension, a channel dimension, and an optional batch dimension "
            "(i.e. 2D or 3D inputs)."
        )
    return _feature_dropout(input, p, training, inplace, batched=input.ndim == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels (dim 1) of a (N, C, H, W) input with probability ``p``; scale the rest by 1/(1-p).

    A 3-d input is taken as (N, C, L), with torch's warning; other ranks warn as torch's do.

    Args:
        p: the probability of zeroing a channel.
        training: when False, ``input`` is returned unchanged.
        inplace: write the result into ``input``.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior "
            "and silence this warning, please use dropout instead. Note that dropout2d "
            "exists to provide channel-wise dropout on inputs with 2 spatial dimensions, "
            "a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
            "1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _feature_dropout(input, p, training, inplace)
