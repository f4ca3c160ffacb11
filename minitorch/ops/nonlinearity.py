"""The smooth elementwise nonlinearities of ``torch.nn.functional``: the ELU family, GELU, SiLU, Mish,
softplus, logsigmoid (and softmin, softsign, tanhshrink by composition); the piecewise-linear ones
are in ``piecewise.py``.

Each op follows torch's CPU formula (the piecewise-linear ones agree bit for bit in float32) and
saves only its input: every backward is a formula of the input and the incoming gradient, written
with operators and ``namespace_of`` (so it is differentiable again under ``create_graph``), its
masks computed from ``array_of``. The public functions take ``torch.nn.functional``'s arguments,
``inplace=`` included.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..tensor import Tensor
from .activation import softmax
from .base import Op, array_of, namespace_of, require_floating
from .unary import Erf

__all__ = [
    "celu",
    "elu",
    "gelu",
    "glu",
    "logsigmoid",
    "mish",
    "selu",
    "silu",
    "softmin",
    "softplus",
    "softsign",
    "tanhshrink",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class Elu(Op):
    """scale * x where x > 0, else alpha * scale * (exp(input_scale * x) - 1) (ELU, SELU; CELU below)."""

    @staticmethod
    def forward(ctx: Context, x: Array, alpha: float, scale: float, input_scale: float) -> Array:
        xp = array_module(x)
        ctx.save_for_backward(x)
        ctx.conf = (alpha * scale, scale, input_scale)
        # expm1 of the large positive values overflows; where() drops them
        return xp.where(x <= 0, xp.expm1(x * input_scale) * (alpha * scale), x * scale)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        negcoef, scale, input_scale = ctx.conf
        xp = namespace_of(x, grad)
        neg = grad * (input_scale * negcoef) * xp.exp(x * input_scale)
        return xp.where(array_of(x) <= 0, neg, grad * scale), None, None, None


class Celu(Elu):
    """ELU with input_scale 1/alpha: max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

    @staticmethod
    def forward(ctx: Context, x: Array, alpha: float, scale: float, input_scale: float) -> Array:
        out = Elu.forward(ctx, x, alpha, scale, input_scale)
        # torch's gradient takes 1 / alpha with alpha rounded to float32 (derivatives.yaml: 1.0/alpha.toFloat()),
        # its forward the exact one: so does this (their second derivatives differ by ~1e-8 otherwise).
        ctx.conf = (ctx.conf[0], scale, 1.0 / float(array_module(x).float32(alpha)))
        return out


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
        # inf * 0 at -inf: NaN, as in torch
        return x * 0.5 * (1 + backend_of(x).erf(x * math.sqrt(0.5)))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        xp = namespace_of(x, grad)
        if ctx.approximate == "tanh":
            beta, kappa = math.sqrt(2 / math.pi), 0.044715
            t = xp.tanh(beta * (x + kappa * (x * x * x)))
            slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * beta * (1 + 3 * kappa * (x * x))
            return grad * slope, None
        cdf = 0.5 * (1 + Erf.call(x * math.sqrt(0.5)))
        pdf = xp.exp(-0.5 * (x * x)) * (1 / math.sqrt(2 * math.pi))
        return grad * (cdf + x * pdf), None


class Silu(Op):
    """x * sigmoid(x), as x / (1 + exp(-x))."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        # exp(-x) overflows for very negative x: the result is -0, as in torch
        return x / (1 + array_module(x).exp(-x))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        # inf * 0 at the infinities: NaN, as in torch
        s = 1 / (1 + namespace_of(x).exp(-x))
        return grad * s * (1 + x * (1 - s))


class Softplus(Op):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x exceeds the threshold."""

    @staticmethod
    def forward(ctx: Context, x: Array, beta: float, threshold: float) -> Array:
        xp = array_module(x)
        ctx.save_for_backward(x)
        ctx.conf = (beta, threshold)
        bx = x * beta
        return xp.where(bx > threshold, x, xp.log1p(xp.exp(bx)) / beta)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.conf
        xp = namespace_of(x, grad)
        z = xp.exp(x * beta)
        return xp.where(array_of(x) * beta > threshold, grad, grad * z / (z + 1)), None, None


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
        xp, negative = namespace_of(x, grad), array_of(x) < 0
        z = xp.exp(xp.where(negative, x, -x))  # exp(-|x|), |x| by a select: its derivative at 0 is one side's
        t = z / (1 + z)  # sigmoid(-|x|)
        return grad * xp.where(negative, 1 - t, t)  # 1 - sigmoid(x) on each side of 0


class Mish(Op):
    """x * tanh(softplus(x))."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = array_module(x)
        ctx.save_for_backward(x)
        # exp overflows to inf for large x: tanh(inf) = 1
        return x * xp.tanh(xp.log1p(xp.exp(x)))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        xp = namespace_of(x, grad)
        s = 1 / (1 + xp.exp(-x))
        t = xp.tanh(xp.log1p(xp.exp(x)))
        return grad * (t + x * s * (1 - t * t))


# ------------------------------------------------------------------ public functions


_floating = require_floating


def _number(value: Any, input: Tensor, opmath: bool = True) -> Any:
    """A number argument as torch converts it: checked against ``input``'s dtype, or with ``opmath`` against
    the type torch computes in (float for float16); then a Python number, which numpy keeps weak (a numpy
    scalar would promote the result)."""
    d = dtypes.float32 if opmath and input.dtype is dtypes.float16 else input.dtype
    return dtypes.cast_scalar(value, d).item()


def _apply(input: Tensor, inplace: bool, op: Any, *args: Any) -> Tensor:
    """``op.apply(input, *args)``, or written into ``input`` (torch's inplace=True)."""
    if inplace:
        return input._inplace(lambda s: op.apply(s, *args))
    return op.apply(input, *args)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha * (exp(x) - 1).

    Args:
        alpha: the value approached as x goes to -inf is -alpha.
        inplace: write the result into ``input``.
    """
    dtypes.scalar(alpha)  # read as torch's Scalar first: an int beyond 64 bits raises
    _floating(input, "elu_cpu")
    return _apply(input, inplace, Elu, _number(alpha, input), 1.0, 1.0)


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
    dtypes.scalar(alpha)
    _floating(input, "elu_cpu")
    alpha = _number(alpha, input)
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
    if autocast_mode.enabled_threads and autocast_mode.wants(softplus):
        return autocast_mode.run("softplus", softplus, input, beta, threshold)
    for v in (beta, threshold):
        dtypes.scalar(v)
    _floating(input, "softplus_cpu")
    return Softplus.apply(input, _number(beta, input), _number(threshold, input))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), computed without overflow or log(0) for any x."""
    _floating(input, "log_sigmoid_cpu")
    return LogSigmoid.apply(input)


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


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: the first half of ``input`` along ``dim`` times the sigmoid of the second half."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim if -input.ndim <= dim < input.ndim else dim
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    first, second = input.chunk(2, dim=d)
    return first * second.sigmoid()
