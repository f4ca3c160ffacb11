"""Elementwise functions beyond arithmetic: lerp, clamp_min, clamp_max, addcmul, addcdiv, xlogy, logit, nan_to_num,
copysign, ldexp, float_power, nextafter; and without gradients: heaviside, frexp, gcd, lcm."""

from __future__ import annotations

import collections
import math
from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .arithmetic import pow
from .base import Op, Operand, array_of, check_broadcast, float_operand, masked_grad, namespace_of, prepare, to_dtype
from .elementary import float_binary
from .selection import ClampMax, ClampMaxTensor, ClampMin, ClampMinTensor, clamp_as

__all__ = [
    "addcdiv",
    "addcmul",
    "clamp_max",
    "clamp_min",
    "copysign",
    "float_power",
    "frexp",
    "gcd",
    "heaviside",
    "lcm",
    "ldexp",
    "lerp",
    "logit",
    "nan_to_num",
    "nextafter",
    "xlogy",
]


class Copysign(Op):
    """The magnitude of ``input`` with the sign of ``other`` (a signed zero's sign counts, as in IEEE)."""

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Array:
        out = backend.array_module(a, b).copysign(a, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, out = ctx.saved_tensors
        xp = namespace_of(grad, a, out)
        # torch's rule: grad * (out / input), 0 where input is 0; ``other`` only decides a sign: zeros
        zero = array_of(a) == 0
        flips = xp.where(zero, 0, out / xp.where(zero, 1, a))
        return grad * flips, xp.zeros_like(grad)


class Ldexp(Op):
    """input * 2 ** other; ``other`` gets ``grad * input * 2 ** other * ln 2`` where it is a floating tensor."""

    @staticmethod
    def forward(ctx: Context, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a, b)
        return (a * backend.array_module(a, b).exp2(b)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        scale = 2.0**b  # recomputed: only inputs and outputs are saved values a create_graph backward can read
        return grad * scale, grad * a * scale * math.log(2.0)


class Heaviside(Op):
    """The step function: 0 below 0, ``values`` at 0, 1 above; torch has no derivative for it."""

    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx: Context, a: Array, values: Array) -> Array:
        xp = backend.array_module(a, values)
        return xp.where(a == 0, values, (a > 0).astype(a.dtype)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        raise RuntimeError("derivative for aten::heaviside is not implemented")


class CopysignScalar(Copysign):
    """copysign with a number for ``other`` (torch's second overload: the number gets no edge)."""

    node_name = "CopysignBackward1"

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return Copysign.backward(ctx, grad)[0], None


class _Frexp(collections.namedtuple("_Frexp", ["mantissa", "exponent"])):
    """``(mantissa, exponent)`` as torch.return_types.frexp names and prints them."""

    def __repr__(self) -> str:
        return f"torch.return_types.frexp(\nmantissa={self.mantissa!r},\nexponent={self.exponent!r})"


def _lerp(start: Any, end: Any, weight: Any) -> Any:
    """torch's formula: from the nearer end, so that weight 1 gives ``end`` exactly."""
    diff = end - start
    return backend.array_module(start, end, weight).where(
        abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight)
    )


class Lerp(Op):
    """``start + weight * (end - start)`` with a constant weight."""

    @staticmethod
    def forward(ctx: Context, start: Array, end: Array, weight: Any) -> Array:
        ctx.weight = weight
        return _lerp(start, end, weight)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad * (1 - ctx.weight), grad * ctx.weight, None


class LerpTensor(Op):
    """``start + weight * (end - start)`` with a tensor weight, which gets ``grad * (end - start)``."""

    node_name = "LerpBackward1"

    @staticmethod
    def forward(ctx: Context, start: Array, end: Array, weight: Operand) -> Array:
        ctx.save_for_backward(start, end, weight)
        return _lerp(start, end, weight)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        start, end, weight = ctx.saved_tensors
        return grad * (1 - weight), grad * weight, grad * (end - start)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)`` (``weight`` a number or a tensor); floats only."""
    if not isinstance(weight, (Tensor, complex)):
        dtypes.scalar(weight)  # read as torch's Scalar first: an int beyond 64 bits raises
    if not input.dtype.is_floating_point:
        kind = "tensor" if isinstance(weight, Tensor) else "scalar"
        raise NotImplementedError(f"\"lerp_kernel_{kind}\" not implemented for '{input.dtype._scalar_name}'")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype is not input.dtype:
            raise RuntimeError(
                f"expected dtype {input.dtype.name.replace('float32', 'float').replace('float64', 'double')} "
                f"for `{name}` but got dtype {t.dtype.name.replace('float32', 'float').replace('float64', 'double')}"
            )
    if isinstance(weight, Tensor):
        check_broadcast(input, end, weight)
        return LerpTensor.apply(input, end, weight)
    check_broadcast(input, end)
    if isinstance(weight, complex):
        return Lerp.apply(input, end, weight)
    # torch converts the weight to the type it computes in (float for float16), with its overflow check; the
    # formula's branch (|weight| < 0.5) is then taken on the converted value.
    w = dtypes.cast_scalar(weight, dtypes.float32 if input.dtype is dtypes.float16 else input.dtype)
    return Lerp.apply(input, end, float(w))


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """``max(input, min)`` elementwise (``min`` a number or a tensor)."""
    return clamp_as(ClampMin, ClampMinTensor, input, min, None, None)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """``min(input, max)`` elementwise (``max`` a number or a tensor)."""
    return clamp_as(ClampMax, ClampMaxTensor, input, None, max, None)


class Addcmul(Op):
    """input + value * tensor1 * tensor2."""

    @staticmethod
    def forward(ctx: Context, x: Array, t1: Array, t2: Array, value: Any) -> Array:
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None, t2 if ctx.needs_input_grad[1] else None)
        ctx.value = value
        return x + value * (t1 * t2)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        t1, t2 = ctx.saved_tensors
        v = ctx.value
        return grad, (None if t2 is None else grad * v * t2), (None if t1 is None else grad * v * t1), None


class Addcdiv(Op):
    """input + value * tensor1 / tensor2."""

    @staticmethod
    def forward(ctx: Context, x: Array, t1: Array, t2: Array, value: Any) -> Array:
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None, t2)
        ctx.value = value
        return x + value * (t1 / t2)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        t1, t2 = ctx.saved_tensors
        v = ctx.value
        g2 = None if t1 is None else -grad * v * t1 / (t2 * t2)
        return grad, grad * v / t2, g2, None


def _addc(name: str, cls: type[Op], input: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any) -> Tensor:
    a, b, c, dt = prepare(input, tensor1, tensor2)
    check_broadcast(a, b, c)
    if name == "addcdiv" and not dt.is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform "
            "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes."
        )
    return cls.apply(a, b, c, dtypes.cast_scalar(value, dt))


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 * tensor2`` (broadcast together)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(addcmul):
        return autocast_mode.run("addcmul", addcmul, input, tensor1, tensor2, value=value)
    return _addc("addcmul", Addcmul, input, tensor1, tensor2, value)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 / tensor2`` (broadcast together; floating tensors only, as torch's)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(addcdiv):
        return autocast_mode.run("addcdiv", addcdiv, input, tensor1, tensor2, value=value)
    return _addc("addcdiv", Addcdiv, input, tensor1, tensor2, value)


class Xlogy(Op):
    """x * log(y), 0 where x is 0 (unless y is NaN)."""

    @staticmethod
    def forward(ctx: Context, x: Operand, y: Operand) -> Array:
        ctx.save_for_backward(x, y)
        xp = backend.array_module(x, y)
        return xp.where((x == 0) & ~xp.isnan(y), 0, x * xp.log(y))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, y = ctx.saved_tensors
        raw_x, raw_y = array_of(x), array_of(y)
        xp = namespace_of(grad, x, y)
        # torch's: xlogy(grad, y), 0 where x is 0 and y <= 0; and grad * x / y
        return masked_grad(grad * xp.log(y), (raw_x != 0) | (raw_y > 0)), grad * x / y


class XlogyScalarSelf(Xlogy):
    node_name = "XlogyBackward1"


class XlogyScalarOther(Xlogy):
    node_name = "XlogyBackward2"


def xlogy(input: Any, other: Any) -> Tensor:
    """``input * log(other)``, 0 where ``input`` is 0 (either may be a number; integers compute in the default
    float)."""
    x, y, dt = prepare(input, other)
    if not dt.is_floating_point:
        x, y, dt = prepare(input, other, dtype=dtypes.get_default_dtype())
    check_broadcast(x, y)
    if not isinstance(other, Tensor):
        return XlogyScalarOther.apply(x, y)
    return (Xlogy if isinstance(input, Tensor) else XlogyScalarSelf).apply(x, y)


class Logit(Op):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when ``eps`` is given."""

    @staticmethod
    def forward(ctx: Context, x: Array, eps: float | None) -> Array:
        ctx.save_for_backward(x)
        ctx.eps = eps
        xp = backend.array_module(x)
        z = x if eps is None else xp.clip(x, eps, 1 - eps)
        return xp.log(z / (1 - z)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (x,) = ctx.saved_tensors
        g = grad / (x * (1 - x))
        if ctx.eps is None:
            return g, None
        raw = array_of(x)
        return masked_grad(g, (raw >= ctx.eps) & (raw <= 1 - ctx.eps)), None  # 0 where the clamp held x


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """The log-odds ``log(input / (1 - input))``, ``input`` first clamped to [eps, 1 - eps] when ``eps`` is given."""
    return Logit.apply(float_operand(input), eps)


class NanToNum(Op):
    """NaN, inf and -inf replaced by finite numbers; the gradient passes where x was finite."""

    @staticmethod
    def forward(ctx: Context, x: Array, nan: float, posinf: float | None, neginf: float | None) -> Array:
        xp = backend.array_module(x)
        ctx.finite = xp.isfinite(x)
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return masked_grad(grad, ctx.finite), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """``input`` with NaN as ``nan`` and +-inf as ``posinf``/``neginf`` (default: the dtype's largest and smallest)."""
    if not input.dtype.is_floating_point:
        return input.clone()
    return NanToNum.apply(input, nan, posinf, neginf)


def copysign(input: Tensor, other: Any) -> Tensor:
    """The magnitude of ``input`` with the sign of ``other`` (a tensor or a number); integers give floats."""
    if not isinstance(input, Tensor):
        raise TypeError(f"copysign(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    number = not isinstance(other, Tensor)
    a, b, dt = prepare(input, other)
    if not dt.is_floating_point:
        a, b, _ = prepare(input, other, dtype=dtypes.get_default_dtype())
    check_broadcast(a, b)
    return (CopysignScalar if number else Copysign).apply(a, b)


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input * 2 ** other (integers give floats)."""
    a, b, dt = prepare(input, other)
    if not dt.is_floating_point:
        a, b, _ = prepare(input, other, dtype=dtypes.get_default_dtype())
    check_broadcast(a, b)
    return Ldexp.apply(a, b)


def float_power(input: Any, exponent: Any) -> Tensor:
    """input ** exponent computed in float64 (both converted first), as torch's."""
    base = to_dtype(input, dtypes.float64) if isinstance(input, Tensor) else float(input)
    power = to_dtype(exponent, dtypes.float64) if isinstance(exponent, Tensor) else exponent
    return pow(base, power)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """0 where input < 0, ``values`` where it is 0, 1 where it is > 0 (no gradient, as torch's)."""
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    if input.dtype is not values.dtype:
        raise RuntimeError(
            "heaviside is not yet implemented for tensors with different dtypes, but got "
            f"{input.dtype._scalar_name} and {values.dtype._scalar_name}"
        )
    check_broadcast(input, values)
    return Heaviside.apply(input, values)


def frexp(input: Tensor) -> Any:
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1) (floating inputs)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = backend.array_module(input._data).frexp(input._data)
    return _Frexp(Tensor._wrap(mantissa), Tensor._wrap(exponent.astype("int32", copy=False)))


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """Greatest common divisor of integers (non-negative; gcd(0, 0) = 0)."""
    return _integer_pair("gcd", input, other)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """Least common multiple of integers (non-negative; 0 where either is 0)."""
    return _integer_pair("lcm", input, other)


def _integer_pair(name: str, input: Tensor, other: Tensor) -> Tensor:
    a, b, dt = prepare(input, other)
    if dt.is_floating_point or dt is dtypes.bool_:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{dt._scalar_name}'")
    check_broadcast(a, b)
    return Tensor._wrap(getattr(backend.array_module(a._data, b._data), name)(a._data, b._data))


class Nextafter(Op):
    """The floating value next to ``input`` towards ``other``; torch's gradients: ``input``'s passes where the two
    differ (0 where they are equal, the result then being ``other``), ``other``'s is zero."""

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Array:
        ctx.moved = a != b
        return backend.array_module(a, b).nextafter(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return masked_grad(grad, ctx.moved), namespace_of(grad).zeros_like(grad)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next representable floating value after ``input`` towards ``other``, elementwise (floating tensors,
    broadcast)."""
    return float_binary("nextafter", Nextafter, input, other, floats_only=True)
