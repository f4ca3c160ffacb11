"""The elementwise nonlinearities of ``torch.nn.functional`` beyond relu, sigmoid and tanh.

Each op follows torch's CPU formula (so piecewise-linear ones agree bit for bit in float32) and
saves only its input: every backward is a formula of the input and the incoming gradient,
recomputing what the forward computed (issue 17 rewrites backward bodies against a namespace of
arrays or tensors; nothing here keeps a buffer that is not an input). The public functions take
``torch.nn.functional``'s arguments, ``inplace=`` included.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..tensor import Tensor
from .activation import softmax
from .base import Op

__all__ = [
    "celu",
    "elu",
    "gelu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "leaky_relu",
    "logsigmoid",
    "mish",
    "prelu",
    "relu6",
    "selu",
    "silu",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanhshrink",
    "threshold",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


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
        return array_module(x).where(x > 0, grad, grad * ctx.slope), None


class Elu(Op):
    """scale * x where x > 0, else alpha * scale * (exp(input_scale * x) - 1) (ELU, SELU; CELU below)."""

    @staticmethod
    def forward(ctx: Context, x: Array, alpha: float, scale: float, input_scale: float) -> Array:
        xp = array_module(x)
        ctx.save_for_backward(x)
        ctx.conf = (alpha * scale, scale, input_scale)
        with backend_of(x).quiet():  # expm1 of the large positive values overflows; where() drops them
            return xp.where(x <= 0, xp.expm1(x * input_scale) * (alpha * scale), x * scale)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        negcoef, scale, input_scale = ctx.conf
        xp = array_module(x)
        with backend_of(x).quiet():
            neg = grad * (input_scale * negcoef) * xp.exp(x * input_scale)
        return xp.where(x <= 0, neg, grad * scale), None, None, None


class Celu(Elu):
    """ELU with input_scale 1/alpha: max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""


class Gelu(Op):
    """x * Phi(x), Phi the standard normal CDF (exact, by erf) or its tanh approximation."""

    @staticmethod
    def forward(ctx: Context, x: Array, approximate: str) -> Array:
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        xp = array_module(x)
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * (x * x * x))
            return 0.5 * x * (1 + xp.tanh(inner))
        with backend_of(x).quiet():  # inf * 0 at -inf: NaN, as in torch
            return x * 0.5 * (1 + backend_of(x).erf(x * math.sqrt(0.5)))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        xp = array_module(x)
        if ctx.approximate == "tanh":
            beta, kappa = math.sqrt(2 / math.pi), 0.044715
            t = xp.tanh(beta * (x + kappa * (x * x * x)))
            slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * beta * (1 + 3 * kappa * (x * x))
            return grad * slope, None
        cdf = 0.5 * (1 + backend_of(x).erf(x * math.sqrt(0.5)))
        with backend_of(x).quiet():
            pdf = xp.exp(-0.5 * (x * x)) * (1 / math.sqrt(2 * math.pi))
            return grad * (cdf + x * pdf), None


class Silu(Op):
    """x * sigmoid(x), as x / (1 + exp(-x))."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        with backend_of(x).quiet():  # exp(-x) overflows for very negative x: the result is -0, as in torch
            return x / (1 + array_module(x).exp(-x))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        with backend_of(x).quiet():  # inf * 0 at the infinities: NaN, as in torch
            s = 1 / (1 + array_module(x).exp(-x))
            return grad * s * (1 + x * (1 - s))


class Softplus(Op):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x exceeds the threshold."""

    @staticmethod
    def forward(ctx: Context, x: Array, beta: float, threshold: float) -> Array:
        xp = array_module(x)
        ctx.save_for_backward(x)
        ctx.conf = (beta, threshold)
        bx = x * beta
        with backend_of(x).quiet():
            return xp.where(bx > threshold, x, xp.log1p(xp.exp(bx)) / beta)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.conf
        xp = array_module(x)
        bx = x * beta
        with backend_of(x).quiet():
            z = xp.exp(bx)
            return xp.where(bx > threshold, grad, grad * z / (z + 1)), None, None


class LogSigmoid(Op):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): no overflow for any x."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = array_module(x)
        ctx.save_for_backward(x)
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        xp = array_module(x)
        z = xp.exp(-xp.abs(x))
        t = z / (1 + z)  # sigmoid(-|x|)
        return grad * xp.where(x < 0, 1 - t, t)  # 1 - sigmoid(x) on each side of 0


class Hardtanh(Op):
    """x clamped to [min_val, max_val]; the gradient is 0 at and beyond the bounds."""

    @staticmethod
    def forward(ctx: Context, x: Array, low: float, high: float) -> Array:
        ctx.save_for_backward(x)
        ctx.bounds = (low, high)
        xp = array_module(x)
        return xp.minimum(xp.maximum(x, low), high).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        low, high = ctx.bounds
        return grad * ((x > low) & (x < high)), None, None


class Hardsigmoid(Op):
    """min(max(x + 3, 0), 6) / 6."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        xp = array_module(x)
        return xp.minimum(xp.maximum(x + 3, 0), 6) / 6

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        inside = (x > -3) & (x < 3)
        return array_module(x).where(inside, grad * (1 / 6), 0).astype(grad.dtype, copy=False)


class Hardswish(Op):
    """x * min(max(x + 3, 0), 6) / 6."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        xp = array_module(x)
        with backend_of(x).quiet():  # -inf * 0 is NaN, as in torch
            return x * xp.minimum(xp.maximum(x + 3, 0), 6) / 6

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        xp = array_module(x)
        # the middle branch is the default, so a NaN input gets a NaN gradient, as in torch's vectorised loop
        return xp.where(x <= -3, 0, xp.where(x >= 3, grad, grad * (x / 3 + 0.5))).astype(grad.dtype, copy=False)


class Mish(Op):
    """x * tanh(softplus(x))."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = array_module(x)
        ctx.save_for_backward(x)
        with backend_of(x).quiet():  # exp overflows to inf for large x: tanh(inf) = 1
            return x * xp.tanh(xp.log1p(xp.exp(x)))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        xp = array_module(x)
        with backend_of(x).quiet():
            s = 1 / (1 + xp.exp(-x))
            t = xp.tanh(xp.log1p(xp.exp(x)))
            return grad * (t + x * s * (1 - t * t))


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
        (x,) = ctx.saved_tensors
        return array_module(x).where(x <= ctx.threshold, 0, grad).astype(grad.dtype, copy=False), None, None


class Shrink(Op):
    """Hardshrink (x where |x| > lambd, else 0) or softshrink (x moved towards 0 by lambd, 0 within it)."""

    @staticmethod
    def forward(ctx: Context, x: Array, lambd: float, soft: bool) -> Array:
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        xp = array_module(x)
        if soft:  # x * 0 in the band: -0 for negative x and NaN for NaN, as torch's
            with backend_of(x).quiet():
                return xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, x * 0))
        return xp.where((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        return grad * ((x > ctx.lambd) | (x < -ctx.lambd)), None, None  # NaN: 0, as torch's vectorised loop


class Hardshrink(Shrink):
    """x where |x| > lambd, else 0."""


class Softshrink(Shrink):
    """x - lambd above lambd, x + lambd below -lambd, else 0."""


class Prelu(Op):
    """x where x > 0, else weight * x, with one weight per channel (dim 1) or one for all."""

    node_name = "PreluKernelBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, w: Array) -> Array:
        wb = w.reshape((1, w.size) + (1,) * (x.ndim - 2)) if w.size > 1 else w.reshape(())
        ctx.save_for_backward(x, wb)
        ctx.wshape = w.shape
        return array_module(x).where(x > 0, x, wb * x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, wb = ctx.saved_tensors
        xp = array_module(x)
        positive = x > 0
        gx = xp.where(positive, grad, wb * grad) if ctx.needs_input_grad[0] else None
        gw = None
        if ctx.needs_input_grad[1]:
            per_element = xp.where(positive, 0, x * grad)
            axes = tuple(i for i in range(x.ndim) if i != 1) if wb.ndim else None
            gw = per_element.sum(axis=axes).reshape(ctx.wshape).astype(x.dtype, copy=False)
        return gx, gw


# ------------------------------------------------------------------ public functions


def _floating(input: Tensor, kernel: str) -> None:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._scalar_name}'")


def _apply(input: Tensor, inplace: bool, op: Any, *args: Any) -> Tensor:
    """``op.apply(input, *args)``, or written into ``input`` (torch's inplace=True)."""
    if inplace:
        return input._inplace(lambda s: op.apply(s, *args))
    return op.apply(input, *args)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``negative_slope`` * x.

    Args:
        negative_slope: the slope below 0.
        inplace: write the result into ``input``.
    """
    _floating(input, "leaky_relu_cpu")
    return _apply(input, inplace, LeakyRelu, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha * (exp(x) - 1).

    Args:
        alpha: the value approached as x goes to -inf is -alpha.
        inplace: write the result into ``input``.
    """
    _floating(input, "elu_cpu")
    return _apply(input, inplace, Elu, alpha, 1.0, 1.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants (alpha 1.6733, scale 1.0507).

    Args:
        inplace: write the result into ``input``.
    """
    _floating(input, "elu_cpu")
    return _apply(input, inplace, Elu, SELU_ALPHA, SELU_SCALE, 1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    Args:
        alpha: the scale of the negative part (not 0).
        inplace: write the result into ``input``.
    """
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    _floating(input, "elu_cpu")
    return _apply(input, inplace, Celu, alpha, 1.0, 1.0 / alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF.

    Args:
        approximate: 'none' (Phi through erf) or 'tanh' (0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))).
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _floating(input, "GeluKernelImpl")
    return Gelu.apply(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish).

    Args:
        inplace: write the result into ``input``.
    """
    _floating(input, "silu_cpu")
    return _apply(input, inplace, Silu)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)).

    Args:
        inplace: write the result into ``input``.
    """
    _floating(input, "mish_cpu")
    return _apply(input, inplace, Mish)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, reverting to x where beta * x > threshold.

    Args:
        beta: sharpness.
        threshold: above this value of beta * x the function is taken as linear.
    """
    _floating(input, "softplus_cpu")
    return Softplus.apply(input, beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), computed without overflow or log(0) for any x."""
    _floating(input, "log_sigmoid_cpu")
    return LogSigmoid.apply(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val] (gradient 0 at the bounds, unlike ``clamp``).

    Args:
        min_val, max_val: the bounds; ``min_val`` may not exceed ``max_val``.
        inplace: write the result into ``input``.
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(input, inplace, Hardtanh, min_val, max_val)


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
    return _apply(input, inplace, Threshold, threshold, value)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    _floating(input, "hardshrink_cpu")
    return Hardshrink.apply(input, lambd, False)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (lambd must be >= 0)."""
    _floating(input, "softshrink_cpu")
    if lambd < 0:
        top = float(input._xp.finfo(input._data.dtype).max)
        raise RuntimeError(
            f"lambda must be in range [0, {top:g}] for input dtype {input.dtype._scalar_name}, but found {lambd}"
        )
    return Softshrink.apply(input, lambd, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x; ``weight`` holds one value, or one per channel (dim 1 of ``input``)."""
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


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - input.tanh()


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim``: weights that favour the smallest entries.

    Args:
        dim: the dimension that sums to 1 (None: torch's deprecated implicit choice, with its warning).
        dtype: cast ``input`` to this dtype first.
    """
    if dim is None:
        dim = _implicit_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def _implicit_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1
