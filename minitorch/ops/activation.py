"""Normalising activations and dropout: softmax, log_softmax (both shift by the max first), dropout."""

from __future__ import annotations

from typing import Any

from .. import backend, dtypes
from ..tensor import _LEGACY_NAMES, Tensor
from .base import Op, to_dtype


def log_softmax_array(x: Any, axis: int | None) -> Any:
    """log(softmax(x)) along ``axis`` on a raw array, stable for any logits (also used by cross_entropy)."""
    xp = backend.array_module(x)
    if x.size == 0:  # numpy cannot take the max of an empty axis
        return x.copy()
    shift = x.max(axis=axis, keepdims=True)
    with backend.quiet(xp):
        # Shifted by the max itself, as torch: a row holding +inf (inf - inf) or only -inf is all NaN.
        z = x - shift
        return z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))


class LogSoftmax(Op):
    """x - log(sum(exp(x))) along one axis."""

    exponentiate = False  # Softmax reuses this forward and returns exp of the result

    @classmethod
    def forward(cls, ctx: Any, x: Any, axis: int | None) -> Any:
        if x.size == 0:  # numpy cannot take the max of an empty axis
            ctx.save_for_backward(None)
            return x.copy()
        out = log_softmax_array(x, axis)
        if cls.exponentiate:
            out = backend.array_module(x).exp(out)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (out,) = ctx.saved_tensors
        if out is None:
            return grad, None
        return grad - backend.array_module(out).exp(out) * grad.sum(axis=ctx.axis, keepdims=True), None


class Softmax(LogSoftmax):
    """exp(x) / sum(exp(x)) along one axis."""

    exponentiate = True

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (out,) = ctx.saved_tensors
        if out is None:
            return grad, None
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True)), None


class Dropout(Op):
    """x * mask, where the mask holds 0 or 1/(1-p)."""

    node_name = "MulBackward0"  # what torch's CPU dropout records

    @staticmethod
    def forward(ctx: Any, x: Any, mask: Any) -> Any:
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        return grad * ctx.mask, None


def _softmax_input(input: Tensor, dim: int, dtype: Any, name: str) -> tuple:
    if dtype is not None:
        input = to_dtype(input, dtype)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"{name}_lastdim_kernel_impl\" not implemented for '{_LEGACY_NAMES[input.dtype][6:-6]}'"
        )
    axis = input._wrap_dim(dim)
    return input, (axis if input.ndim else None)


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """exp(input) normalised to sum to 1 along ``dim`` (computed in ``dtype`` when given)."""
    x, axis = _softmax_input(input, dim, dtype, "softmax")
    return Softmax.apply(x, axis)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """log(softmax(input)) along ``dim``, without forming softmax (no underflow to -inf)."""
    x, axis = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(x, axis)


def dropout_mask(input: Tensor, p: float, generator: Any = None) -> Any:
    """Keep-mask scaled by 1/(1-p), drawn from minitorch's generator, on ``input``'s device and dtype."""
    from ..random import sample_uniform

    u = sample_uniform(input.shape, 0.0, 1.0, dtypes.float64, generator)
    keep = u >= p
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
    return backend.to_device((keep * scale).astype(input._data.dtype), input.device)


def dropout(input: Tensor, p: float = 0.5, train: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (identity when not training)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not train:
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {_LEGACY_NAMES[input.dtype][6:-6]}"
        )
    return Dropout.apply(input, dropout_mask(input, p))
