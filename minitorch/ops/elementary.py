"""More elementary functions, elementwise: hyperbolic and inverse trigonometric functions, logarithms and
exponentials in other bases and near zero, rsqrt, erf, degrees and radians, frac; of two tensors, atan2,
hypot and logaddexp.

Each gradient is torch's formula (``derivatives.yaml``), written once for arrays and tensors (with
``namespace_of``), so every op here is differentiable to any order. Integer inputs compute in the
default float dtype, as torch's do.
"""

from __future__ import annotations

import math

from .. import backend, dtypes
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, Operand, check_broadcast, float_operand, namespace_of, prepare, require_floating
from .selection import require_tensors
from .unary import Erf, Log1p

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
    "erf",
    "exp2",
    "expm1",
    "frac",
    "hypot",
    "log10",
    "log1p",
    "log2",
    "logaddexp",
    "rad2deg",
    "rsqrt",
    "sinh",
    "tan",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


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


class Log2(Op):
    """Logarithm to base 2."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).log2(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / (x * _LN2)


class Log10(Op):
    """Logarithm to base 10."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.save_for_backward(x)
        return backend.array_module(x).log10(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (x,) = ctx.saved_tensors
        return grad / (x * _LN10)


class Exp2(Op):
    """2 ** x."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        out = backend.array_module(x).exp2(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad * out * _LN2


class Expm1(Op):
    """e ** x - 1, exact near 0."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        out = backend.array_module(x).expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


class Rsqrt(Op):
    """1 / sqrt(x) (inf at 0, NaN below)."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        xp = backend.array_module(x)
        out = xp.reciprocal(xp.sqrt(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (out,) = ctx.saved_tensors
        return -0.5 * grad * (out * out * out)


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


class Logaddexp(Op):
    """log(exp(input) + exp(other)), without overflow."""

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Array:
        ctx.save_for_backward(a, b)
        return backend.array_module(a, b).logaddexp(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        xp = namespace_of(a, b)
        return grad / (1 + xp.exp(b - a)), grad / (1 + xp.exp(a - b))


# ------------------------------------------------------------------ public functions
def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine."""
    return Sinh.apply(float_operand(input))


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine."""
    return Cosh.apply(float_operand(input))


def tan(input: Tensor) -> Tensor:
    """Tangent."""
    return Tan.apply(float_operand(input))


def asin(input: Tensor) -> Tensor:
    """Inverse sine (NaN outside [-1, 1])."""
    return Asin.apply(float_operand(input))


def acos(input: Tensor) -> Tensor:
    """Inverse cosine (NaN outside [-1, 1])."""
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


def log2(input: Tensor) -> Tensor:
    """Logarithm to base 2."""
    return Log2.apply(float_operand(input))


def log10(input: Tensor) -> Tensor:
    """Logarithm to base 10."""
    return Log10.apply(float_operand(input))


def log1p(input: Tensor) -> Tensor:
    """log(1 + input), exact near 0."""
    return Log1p.apply(float_operand(input))


def exp2(input: Tensor) -> Tensor:
    """2 ** input."""
    return Exp2.apply(float_operand(input))


def expm1(input: Tensor) -> Tensor:
    """e ** input - 1, exact near 0."""
    return Expm1.apply(float_operand(input))


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(input)."""
    return Rsqrt.apply(float_operand(input))


def erf(input: Tensor) -> Tensor:
    """The error function."""
    return Erf.apply(float_operand(input))


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


def _binary(name: str, cls: type[Op], input: Tensor, other: Tensor, floats_only: bool = False) -> Tensor:
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
    return _binary("atan2", Atan2, input, other)


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input ** 2 + other ** 2), without overflow in the squares (floating tensors only, as torch's)."""
    return _binary("hypot", Hypot, input, other, floats_only=True)


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)), without overflow (floating tensors only, as torch's)."""
    return _binary("logaddexp", Logaddexp, input, other, floats_only=True)


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh
