"""The piecewise-linear nonlinearities of ``torch.nn.functional``: leaky_relu, hardtanh, relu6, hardsigmoid,
hardswish, threshold, hardshrink, softshrink and prelu.

Each follows torch's CPU formula, so values and gradients agree with torch's bit for bit in
float32, at the kinks, infinities and NaN included (where torch's vectorised loop and its scalar
tail disagree on a NaN's gradient, the vectorised loop's answer is taken). Each op saves only its
input (and prelu its weight); every backward is a mask or a select on them, the masks computed from
``array_of`` (constants of the gradient) and the selects with ``namespace_of``, so that it is
differentiable again under ``create_graph``.
"""

from __future__ import annotations

from .. import dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, array_of, astype_like, masked_grad, namespace_of
from .nonlinearity import _apply, _floating, _number

__all__ = [
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "leaky_relu",
    "prelu",
    "relu6",
    "softshrink",
    "threshold",
]


class LeakyRelu(Op):
    """x where x > 0, else slope * x."""

    @staticmethod
    def forward(ctx: Context, x: Array, slope: float) -> Array:
        ctx.save_for_backward(x)
        ctx.slope = slope
        return array_module(x).where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        return namespace_of(grad).where(array_of(x) > 0, grad, grad * ctx.slope), None


class Hardtanh(Op):
    """x clamped to [min_val, max_val]; the gradient is 0 at and beyond the bounds."""

    @staticmethod
    def forward(ctx: Context, x: Array, low: float, high: float) -> Array:
        ctx.save_for_backward(x)
        ctx.bounds = (low, high)
        xp = array_module(x)
        # Selected, not numpy's minimum/maximum: x equal to a bound stays x (0.0 against a bound of -0.0, as torch's
        # clamp keeps it), and NaN stays NaN.
        return xp.where(x < low, low, xp.where(x > high, high, x)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x = array_of(ctx.saved_tensors[0])
        low, high = ctx.bounds
        # Selected, not multiplied: an infinite gradient beyond the bounds gives 0, as torch's (NaN x: 0 too).
        return masked_grad(grad, (x > low) & (x < high)), None, None


class Hardsigmoid(Op):
    """min(max(x + 3, 0), 6) / 6."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        xp = array_module(x)
        return xp.minimum(xp.maximum(x + 3, 0), 6) / 6

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        return HardsigmoidBackward.call(grad, ctx.saved_tensors[0])


class HardsigmoidBackward(Op):
    """hardsigmoid's gradient, ``grad / 6`` inside (-3, 3): a piece torch records but does not differentiate
    (its graph holds a NotImplemented node; differentiating through it raises), and neither does this."""

    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx: Context, grad: Array, x: Array) -> Array:
        inside = (x > -3) & (x < 3)
        return array_module(grad).where(inside, grad * (1 / 6), 0).astype(grad.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, gg: Array) -> tuple:
        raise RuntimeError("derivative for aten::hardsigmoid_backward is not implemented")


class Hardswish(Op):
    """x * min(max(x + 3, 0), 6) / 6."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        xp = array_module(x)
        # -inf * 0 is NaN, as in torch
        return x * xp.minimum(xp.maximum(x + 3, 0), 6) / 6

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        xp, raw = namespace_of(x, grad), array_of(x)
        # the middle branch is the default, so a NaN input gets a NaN gradient, as in torch's vectorised loop
        return astype_like(xp.where(raw <= -3, 0, xp.where(raw >= 3, grad, grad * (x / 3 + 0.5))), grad)


class Threshold(Op):
    """x where x > threshold, else value."""

    @staticmethod
    def forward(ctx: Context, x: Array, threshold: float, value: float) -> Array:
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        xp = array_module(x)
        return xp.where(x <= threshold, xp.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x = array_of(ctx.saved_tensors[0])
        return astype_like(namespace_of(grad).where(x <= ctx.threshold, 0, grad), grad), None, None


class Shrink(Op):
    """Hardshrink (x where |x| > lambd, else 0) or softshrink (x moved towards 0 by lambd, 0 within it)."""

    @staticmethod
    def forward(ctx: Context, x: Array, lambd: float, soft: bool) -> Array:
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        xp = array_module(x)
        if soft:  # x * 0 in the band: -0 for negative x and NaN for NaN, as torch's
            return xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, x * 0))
        return xp.where((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x = array_of(ctx.saved_tensors[0])
        # Selected, not multiplied (an infinite gradient inside the band gives 0); NaN x: 0, as torch's vectorised loop
        return masked_grad(grad, (x > ctx.lambd) | (x < -ctx.lambd)), None, None


class Hardshrink(Shrink):
    """x where |x| > lambd, else 0."""


class Softshrink(Shrink):
    """x - lambd above lambd, x + lambd below -lambd, else 0."""


class Prelu(Op):
    """x where x > 0, else weight * x, with one weight per channel (dim 1) or one for all."""

    node_name = "PreluKernelBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, w: Array) -> Array:
        ctx.save_for_backward(x, w)
        ctx.wshape = w.shape
        return array_module(x).where(x > 0, x, _per_channel(w, x.ndim) * x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, w = ctx.saved_tensors
        xp, wb = namespace_of(x, w, grad), _per_channel(w, x.ndim)
        positive = array_of(x) > 0
        gx = xp.where(positive, grad, wb * grad) if ctx.needs_input_grad[0] else None
        gw = None
        if ctx.needs_input_grad[1]:
            per_element = xp.where(positive, 0, x * grad)
            axes = tuple(i for i in range(x.ndim) if i != 1) if wb.ndim else None
            gw = astype_like(xp.sum(per_element, axis=axes).reshape(ctx.wshape), x)
        return gx, gw


def _per_channel(w: Array, ndim: int) -> Array:
    """prelu's weight shaped to broadcast along dim 1 of an ``ndim``-dim input (or as one number)."""
    n = w.shape[0] if w.ndim else 1  # (w.size is a method on a tensor: the shape serves both)
    return w.reshape((1, n) + (1,) * (ndim - 2)) if n > 1 else w.reshape(())


# ------------------------------------------------------------------ public functions


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``negative_slope`` * x.

    Args:
        negative_slope: the slope below 0.
        inplace: write the result into ``input``.
    """
    dtypes.scalar(negative_slope)  # read as torch's Scalar first: an int beyond 64 bits raises
    _floating(input, "leaky_relu_cpu")
    return _apply(input, inplace, LeakyRelu, _number(negative_slope, input))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val] (gradient 0 at the bounds, unlike ``clamp``).

    Args:
        min_val, max_val: the bounds; ``min_val`` may not exceed ``max_val``.
        inplace: write the result into ``input``.
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    for v in (min_val, max_val):
        dtypes.scalar(v)  # both read as torch's Scalars before either is converted
    if input.dtype is dtypes.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if not input.dtype.is_floating_point:
        for v in (min_val, max_val):  # an integer input reads its limits as int64 first
            if dtypes.overflows(dtypes.scalar(v), dtypes.int64):
                raise dtypes.overflow_error(dtypes.int64)
    if input.dtype is dtypes.uint8:
        if min_val < 0 or max_val < 0:
            raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    low, high = _number(min_val, input, opmath=False), _number(max_val, input, opmath=False)
    return _apply(input, inplace, Hardtanh, low, high)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6).

    Args:
        inplace: write the result into ``input``.
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x + 3, 0), 6) / 6.

    Args:
        inplace: write the result into ``input``.
    """
    _floating(input, "hardsigmoid_cpu")
    return _apply(input, inplace, Hardsigmoid)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x).

    Args:
        inplace: write the result into ``input``.
    """
    _floating(input, "hardswish_cpu")
    return _apply(input, inplace, Hardswish)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > ``threshold``, else ``value``.

    Args:
        threshold: the cut.
        value: what replaces the elements at or below it.
        inplace: write the result into ``input``.
    """
    for v in (threshold, value):
        dtypes.scalar(v)  # both read as torch's Scalars first
    if input.dtype is dtypes.bool_:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    return _apply(input, inplace, Threshold, _number(threshold, input), _number(value, input, opmath=False))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    dtypes.scalar(lambd)
    _floating(input, "hardshrink_cpu")
    return Hardshrink.apply(input, _number(lambd, input, opmath=False), False)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (lambd must be >= 0)."""
    dtypes.scalar(lambd)  # read as torch's Scalar first: an int beyond 64 bits raises
    _floating(input, "softshrink_cpu")
    top = float(input._xp.finfo(input._data.dtype).max)
    if not 0 <= lambd <= top:  # NaN and infinities too
        raise RuntimeError(
            f"lambda must be in range [0, {top:g}] for input dtype {input.dtype._scalar_name}, but found {lambd:g}"
        )
    return Softshrink.apply(input, float(lambd), True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x; ``weight`` holds one value, or one per channel (dim 1 of ``input``)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(prelu):
        return autocast_mode.run("prelu", prelu, input, weight)
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    n = weight.numel()
    if n != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. "
                f"Found parameter numbers = {n} and channel size = {channels}."
            )
    _floating(input, "prelu_cpu")
    return Prelu.apply(input, weight)
