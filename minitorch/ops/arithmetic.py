"""Binary arithmetic: add, sub, mul, div, pow (maximum, minimum, where and clamp choose between values: selection.py)."""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..autograd.grad_mode import is_grad_enabled
from ..backend import Array, elementwise
from ..tensor import Tensor
from .base import (
    Op,
    Operand,
    Scalar,
    array_of,
    check_broadcast,
    namespace_of,
    plain_operands,
    prepare,
)
from .rounding import rounded_div

__all__ = [
    "add",
    "div",
    "divide",
    "mul",
    "multiply",
    "positive",
    "pow",
    "sub",
    "subtract",
    "true_divide",
]


class Add(Op):
    """a + alpha * b."""

    scalar_edges = (0, 1)

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand, alpha: Any = 1) -> Operand:
        ctx.alpha = alpha
        return elementwise.run_combine(a, "add", b) if alpha == 1 else a + alpha * b

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha), None


class Sub(Op):
    """a - alpha * b."""

    scalar_edges = (0, 1)

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand, alpha: Any = 1) -> Operand:
        ctx.alpha = alpha
        return elementwise.run_combine(a, "subtract", b) if alpha == 1 else a - alpha * b

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if not ctx.needs_input_grad[1]:  # (loss - target: the target needs none)
            return grad, None, None
        return grad, (-grad if ctx.alpha == 1 else grad * -ctx.alpha), None


class Rsub(Sub):
    """scalar - tensor, named as torch names it."""

    node_name = "RsubBackward1"
    scalar_edges: tuple = ()  # torch's rsub(Tensor, Scalar) overload records only the tensor


class Mul(Op):
    """a * b."""

    scalar_edges = (0, 1)

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Operand:
        # Save only what the gradients that are needed will read.
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return elementwise.run_combine(a, "multiply", b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


class Div(Op):
    """a / b (true division)."""

    scalar_edges = (0, 1)

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Operand:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        # x / 0 is inf or nan silently, as in torch
        return a / b

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        ga = grad / b if ctx.needs_input_grad[0] else None
        gb = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Op):
    """a ** b, for tensor or constant base and exponent."""

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand) -> Array:
        xp = backend.array_module(a, b)
        # 0 ** -1 is inf, (-1) ** 0.5 nan, silently as in torch
        out = _power(xp, a, b)
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b, out = ctx.saved_tensors
        xp = namespace_of(a, b, grad)
        ga = gb = None
        if type(b) is int and b == 2:  # x ** 2 (the squared error's): torch's grad * (2 * x ** 1), skipping the ** 1
            return grad * (a * 2), None
        if ctx.needs_input_grad[0]:
            # d/da a**b = b * a**(b-1) (torch's grad * (b * a ** (b - 1)), in that order), taken as 0 where
            # b == 0 (torch's convention).
            if isinstance(b, (int, float)):  # a constant exponent (x ** 2): no mask needed
                ga = grad * (b * a ** (b - 1)) if b != 0 else xp.zeros_like(grad)
            else:
                ga = xp.where(array_of(b) == 0, 0, grad * b * a ** (b - 1))
        if ctx.needs_input_grad[1]:
            # d/db a**b = a**b * log(a), taken as 0 where a == 0 and b >= 0; the gradient multiplies after
            # the selection, as in torch (an infinite gradient there gives NaN, not 0).
            a_raw = array_of(a)
            gb = grad * xp.where((a_raw == 0) & (array_of(b) >= 0), 0, out * xp.log(a))
        return ga, gb


def _power(xp: Any, a: Any, b: Any) -> Any:
    """a ** b in the operands' dtype; integers to negative powers truncate as in torch (0, or ±1 for bases ±1)."""
    if type(b) is int or type(b) is float:
        if a.dtype.kind == "f":  # a Python number keeps a float array's dtype (weakly typed)
            if a.dtype.itemsize >= 4 and b in _TORCH_POWERS:  # torch's own products for these: its bits (and
                return xp.asarray(_TORCH_POWERS[b](xp, a))  # signs: numpy's float32 (-x) ** 3 is not -(x ** 3))
            return xp.asarray(a**b)  # numpy gives a 0-d result as a scalar
    dtype = xp.result_type(a, b)  # operands share a dtype, up to Python numbers (weakly typed)
    if dtype.kind in "iu" and xp.any(xp.asarray(b) < 0):
        out = a ** xp.where(b < 0, 0, b).astype(dtype)
        inverse = xp.where(a == 1, 1, xp.where(a == -1, 1 - 2 * (b % 2), 0))
        out = xp.where(b < 0, inverse, out)
    else:
        out = a**b
    return xp.asarray(out, dtype=dtype)  # numpy raises bool ** bool to int8


# Exponents that torch's CPU and CUDA kernels compute as products rather than with pow() (float and double):
# x * x * x, 1 / (x * x), 1 / sqrt(x). (x ** 2 and x ** -1 are numpy's square and reciprocal, torch's bits already.)
_TORCH_POWERS = {
    3: lambda xp, a: a * a * a,
    -2: lambda xp, a: 1 / (a * a),
    -0.5: lambda xp, a: 1 / xp.sqrt(a),
}


class PowTensor(Pow):
    """tensor ** tensor, named as torch names that overload."""

    node_name = "PowBackward1"


class RPow(Pow):
    """scalar ** tensor, named as torch names that overload."""

    node_name = "PowBackward2"


# ------------------------------------------------------------------ wrappers
def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """input + alpha * other, broadcasting and promoting as torch does."""
    if out is None and type(alpha) is int and alpha == 1 and plain_operands(input, other):
        return Add.apply(input, other, 1)
    a, b, dt = prepare(input, other)
    check_broadcast(a, b)
    return _maybe_out(_scaled(Add, a, b, alpha, dt), out)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """input - alpha * other."""
    if out is None and type(alpha) is int and alpha == 1 and plain_operands(input, other):
        return Sub.apply(input, other, 1)
    for x in (input, other):  # torch converts a number (and raises for a huge int) before anything else
        if type(x) is int:
            dtypes.scalar(x)
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    a, b, dt = prepare(input, other)
    check_broadcast(a, b)
    cls = Rsub if not isinstance(input, Tensor) else Sub
    return _maybe_out(_scaled(cls, a, b, alpha, dt), out)


def _is_bool(x: Any) -> bool:
    return isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype.kind == "b")


def _scaled(cls: type[Op], a: Any, b: Any, alpha: Any, dt: Any) -> Tensor:
    if isinstance(alpha, bool) and dt is not dtypes.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if not dt.is_floating_point and not isinstance(alpha, dtypes.INTEGER_SCALARS):  # numpy bools read as floats
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if alpha != 1:
        # Converted to the operands' type with a check, as in torch (a Python int would make a bool sum int64).
        alpha = dtypes.cast_scalar(alpha, dt)
    return cls.apply(a, b, alpha)


class MulScalar(Mul):
    """a * a number: torch's second overload, which its C++ composites record (the trapezoid rule's spacing)."""

    node_name = "MulBackward1"


class DivScalar(Div):
    """a / a number: torch's second overload, which its C++ composites record."""

    node_name = "DivBackward1"


def mul_scalar(input: Tensor, number: Any) -> Tensor:
    """``input * number`` recorded as torch's composites record it (MulBackward1, the number without an edge)."""
    a, b, _ = prepare(input, number)
    return MulScalar.apply(a, b)


def div_scalar(input: Tensor, number: Any) -> Tensor:
    """``input / number`` recorded as torch's composites record it (DivBackward1)."""
    a, b, dt = prepare(input, number)
    if not dt.is_floating_point:
        a, b, _ = prepare(input, number, dtype=dtypes.get_default_dtype())
    return DivScalar.apply(a, b)


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input * other."""
    if out is None and plain_operands(input, other):
        return Mul.apply(input, other)
    a, b, _ = prepare(input, other)
    check_broadcast(a, b)
    return _maybe_out(Mul.apply(a, b), out)


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    """input / other; ``rounding_mode`` 'trunc' or 'floor' gives a rounded quotient (zero gradient)."""
    if rounding_mode is None:
        a, b, dt = prepare(input, other)
        if not dt.is_floating_point:
            # From the operands, not a and b: a scalar made int8 would have wrapped (int8 tensor / 300).
            a, b, _ = prepare(input, other, dtype=dtypes.get_default_dtype())
        check_broadcast(a, b)
        return _maybe_out(Div.apply(a, b), out)
    a, b, dt = prepare(input, other)
    return _maybe_out(rounded_div(a, b, rounding_mode, dt), out)


def true_divide(input: Any, other: Any) -> Tensor:
    return div(input, other)


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """input ** exponent."""
    if autocast_mode.enabled_threads and autocast_mode.wants(pow):
        return autocast_mode.run("pow", pow, input, exponent, out=out)
    if out is None and type(exponent) is int and plain_operands(input, exponent):  # x ** 2: nothing to promote or check
        return Pow.apply(input, exponent)
    a, b, dt = prepare(input, exponent)
    if not dt.is_floating_point and isinstance(exponent, int) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if dt is dtypes.bool_ and isinstance(exponent, Tensor):
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if isinstance(input, Tensor) and isinstance(exponent, Scalar):
        dtypes.check_fits(exponent, dt)  # a scalar exponent is converted with a check, not wrapped
    check_broadcast(a, b)
    cls = (PowTensor if isinstance(exponent, Tensor) else Pow) if isinstance(input, Tensor) else RPow
    return _maybe_out(cls.apply(a, b), out)


multiply, subtract, divide = mul, sub, div


def _maybe_out(result: Tensor, out: Tensor | None) -> Tensor:
    """Honour ``out=``: resize-free copy into the given tensor, as the tutorials use it."""
    if out is None:
        return result
    if tuple(out.shape) != tuple(result.shape):
        if out.numel() != 0:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}.",
                UserWarning,
                stacklevel=3,
            )
        out._data = out._xp.empty(result._data.shape, dtype=out._data.dtype)
    if is_grad_needed(result, out):
        raise RuntimeError(
            "add(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    out._write(result._data)
    return out


def is_grad_needed(result: Tensor, out: Tensor) -> bool:
    return is_grad_enabled() and (result.requires_grad or out.requires_grad)


def positive(input: Tensor) -> Tensor:
    """+input: the tensor itself (as torch returns it), refused for bool."""
    if input.dtype.name == "bool":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input
