"""More elementary functions, elementwise: hyperbolic and inverse trigonometric functions, degrees and radians,
frac; of two tensors, atan2 and hypot (logarithms and exponentials in other bases: exponential.py).

Each gradient is torch's formula (``derivatives.yaml``), written once for arrays and tensors (with
``namespace_of``), so every op here is differentiable to any order. Integer inputs compute in the
default float dtype, as torch's do.
"""

from __future__ import annotations

import math

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, Operand, array_of, check_broadcast, float_operand, namespace_of, prepare, require_floating
from .selection import require_tensors

__all__ = [
    "acos",
    "acosh",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cosh",
    "deg2rad",
    "frac",
    "hypot",
    "rad2deg",
    "sinc",
    "sinh",
    "tan",
]


# ------------------------------------------------------------------ one tensor
class Sinh(Op):
    """Hyperbolic sine."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).sinh(x)  # overflow gives inf: silently, as in torch

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * namespace_of(x).cosh(x)


class Cosh(Op):
    """Hyperbolic cosine."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).cosh(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad * namespace_of(x).sinh(x)


class Tan(Op):
    """Tangent; the gradient 1 + tan(x)^2 from the result."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        out = backend.array_module(x).tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


class Asin(Op):
    """Inverse sine (NaN outside [-1, 1])."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).arcsin(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / namespace_of(x).sqrt(-x * x + 1)


class Acos(Op):
    """Inverse cosine (NaN outside [-1, 1])."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).arccos(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return -grad / namespace_of(x).sqrt(-x * x + 1)


class Atan(Op):
    """Inverse tangent."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).arctan(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / (x * x + 1)


class Asinh(Op):
    """Inverse hyperbolic sine."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).arcsinh(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / namespace_of(x).sqrt(x * x + 1)


class Acosh(Op):
    """Inverse hyperbolic cosine (NaN below 1)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).arccosh(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / namespace_of(x).sqrt(x * x - 1)


class Atanh(Op):
    """Inverse hyperbolic tangent (NaN outside [-1, 1], infinite at the ends)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).arctanh(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / (1 - x * x)


class Frac(Op):
    """x - trunc(x), the fractional part with x's sign; the gradient passes unchanged."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        return x - backend.array_module(x).trunc(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        return grad


class Deg2Rad(Op):
    """Degrees to radians."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        return x * (math.pi / 180)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        return grad * (math.pi / 180)


class Rad2Deg(Op):
    """Radians to degrees."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        return x * (180 / math.pi)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        return grad * (180 / math.pi)


class Sinc(Op):
    """The normalized sinc, sin(pi x) / (pi x), 1 at 0."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).sinc(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        xp = namespace_of(x)
        # torch's formula, and its mask: 0 where pi x^2 is 0, a tiny x's underflow included
        zero = array_of(x) * array_of(x) * math.pi == 0
        safe = xp.where(zero, 1, x)
        px = safe * math.pi
        return xp.where(zero, 0, grad * (px * xp.cos(px) - xp.sin(px)) / (safe * safe * math.pi))


# ------------------------------------------------------------------ two tensors
class Atan2(Op):
    """The angle of the point (other, input): atan(input / other) in the right quadrant."""

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Array:
        ctx.save_for_backward(a, b)
        return backend.array_module(a, b).arctan2(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        recip = 1 / (a * a + b * b)
        return grad * b * recip, grad * -a * recip


class Hypot(Op):
    """sqrt(input ** 2 + other ** 2), without overflow in the squares."""

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Array:
        out = backend.array_module(a, b).hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b, out = ctx.saved_tensors
        return grad * a / out, grad * b / out


# ------------------------------------------------------------------ public functions
def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine."""
    if autocast_mode.enabled_threads and autocast_mode.wants(sinh):
        return autocast_mode.run("sinh", sinh, input)
    return Sinh.apply(float_operand(input))


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine."""
    if autocast_mode.enabled_threads and autocast_mode.wants(cosh):
        return autocast_mode.run("cosh", cosh, input)
    return Cosh.apply(float_operand(input))


def tan(input: Tensor) -> Tensor:
    """Tangent."""
    if autocast_mode.enabled_threads and autocast_mode.wants(tan):
        return autocast_mode.run("tan", tan, input)
    return Tan.apply(float_operand(input))


def asin(input: Tensor) -> Tensor:
    """Inverse sine (NaN outside [-1, 1])."""
    if autocast_mode.enabled_threads and autocast_mode.wants(asin):
        return autocast_mode.run("asin", asin, input)
    return Asin.apply(float_operand(input))


def acos(input: Tensor) -> Tensor:
    """Inverse cosine (NaN outside [-1, 1])."""
    if autocast_mode.enabled_threads and autocast_mode.wants(acos):
        return autocast_mode.run("acos", acos, input)
    return Acos.apply(float_operand(input))


def atan(input: Tensor) -> Tensor:
    """Inverse tangent."""
    return Atan.apply(float_operand(input))


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine."""
    return Asinh.apply(float_operand(input))


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine (NaN below 1)."""
    return Acosh.apply(float_operand(input))


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent (NaN outside [-1, 1])."""
    return Atanh.apply(float_operand(input))


def frac(input: Tensor) -> Tensor:
    """The fractional part, input - trunc(input) (floating tensors only, as torch's)."""
    require_floating(input, "frac_cpu")
    return Frac.apply(input)


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians."""
    return Deg2Rad.apply(float_operand(input))


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees."""
    return Rad2Deg.apply(float_operand(input))


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc, sin(pi x) / (pi x), with 1 at 0."""
    return Sinc.apply(float_operand(input))


def float_binary(name: str, cls: type[Op], input: Tensor, other: Tensor, floats_only: bool = False) -> Tensor:
    """``cls`` on two tensors promoted as torch promotes them; integers compute in the default float, or
    (``floats_only``) are refused with torch's error."""
    require_tensors(name, input, other)
    a, b, dt = prepare(input, other)
    if not dt.is_floating_point:
        if floats_only:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{dt._scalar_name}'")
        a, b, _ = prepare(input, other, dtype=dtypes.get_default_dtype())
    check_broadcast(a, b)
    return cls.apply(a, b)


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (other, input), in [-pi, pi]."""
    if autocast_mode.enabled_threads and autocast_mode.wants(atan2):
        return autocast_mode.run("atan2", atan2, input, other)
    return float_binary("atan2", Atan2, input, other)


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input ** 2 + other ** 2), without overflow in the squares (floating tensors only, as torch's)."""
    return float_binary("hypot", Hypot, input, other, floats_only=True)


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh
