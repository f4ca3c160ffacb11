"""Division that rounds: div(rounding_mode='trunc' or 'floor'), floor_divide, remainder and fmod.

As in torch, a rounded quotient has a zero gradient (DivBackward2), floor_divide has no derivative at
all (its backward raises), and remainder's gradient is 1 for the dividend and -floor(a / b) for the
divisor (a number divided by a tensor has none); fmod's (the C remainder, with the dividend's sign) 1 and
-trunc(a / b).
"""

from __future__ import annotations

from typing import Any

from .. import backend, dtypes
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, Operand, array_of, check_broadcast, namespace_of, prepare

__all__ = ["floor_divide", "fmod", "remainder"]


def _modulus(a: Operand, b: Operand, np_dtype: Any, rounding: str = "floor") -> Array:
    """a - b * q for the quotient q rounded down (the divisor's sign: Python's %) or toward zero ('trunc': the
    dividend's sign, C's fmod); an integer divisor of 0 raises as in torch (numpy gives 0)."""
    xp = backend.array_module(a, b)
    if np_dtype.kind in "iub" and xp.any(xp.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")
    return xp.asarray((xp.mod if rounding == "floor" else xp.fmod)(a, b)).astype(np_dtype, copy=False)


def rounded_quotient(a: Operand, b: Operand, mode: str, np_dtype: Any) -> Array:
    """a / b rounded toward zero ('trunc') or down ('floor') on raw arrays, in ``np_dtype``."""
    xp = backend.array_module(a, b)
    if np_dtype.kind == "f":
        # floor_divide, not floor(a / b): it corrects a / b's rounding (1.0 // 0.1 is 9) as torch does.
        res = xp.trunc(a / b) if mode == "trunc" else xp.floor_divide(a, b)
    else:
        if xp.any(b == 0):
            raise RuntimeError("ZeroDivisionError")
        res = xp.floor_divide(a, b) if mode == "floor" else (xp.abs(a) // xp.abs(b)) * xp.sign(a) * xp.sign(b)
    return xp.asarray(res).astype(np_dtype, copy=False)


class RoundedDiv(Op):
    """a / b rounded; piecewise constant, so both gradients are zero."""

    node_name = "DivBackward2"

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand, mode: str, np_dtype: Any) -> Array:
        return rounded_quotient(a, b, mode, np_dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        zeros = namespace_of(grad).zeros_like(grad)  # constants: on arrays and tensors alike
        return zeros, zeros, None, None


class FloorDivide(RoundedDiv):
    """a // b; torch defines no derivative for it."""

    node_name = "NotImplemented"

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class Remainder(Op):
    """a mod b with the divisor's sign (Python's %); d/da = 1, d/db = -floor(a / b)."""

    node_name = "RemainderBackward1"
    rounding = "floor"  # how the quotient the remainder takes away is rounded

    @classmethod
    def forward(cls, ctx: Context, a: Operand, b: Operand, np_dtype: Any) -> Array:
        if ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        return _modulus(a, b, np_dtype, cls.rounding)

    @classmethod
    def backward(cls, ctx: Context, grad: Array) -> tuple:
        gb = None
        if ctx.needs_input_grad[1]:
            a, b = ctx.saved_tensors  # the rounded a / b: a constant of the gradient (piecewise constant)
            gb = -grad * rounded_quotient(array_of(a), array_of(b), cls.rounding, array_of(grad).dtype)
        return grad, gb, None


class RemainderScalar(Remainder):
    """tensor % number, named as torch names that overload."""

    node_name = "RemainderBackward0"


class RRemainder(Op):
    """number % tensor: torch defines no derivative for it."""

    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx: Context, a: Operand, b: Operand, np_dtype: Any) -> Array:
        return _modulus(a, b, np_dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        raise RuntimeError("derivative for aten::remainder is not implemented")


def rounded_div(a: Any, b: Any, mode: str, dt: dtypes.dtype, floor_divide: bool = False) -> Tensor:
    """The rounded quotient of prepared operands (see ``div``)."""
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'")
    if dt is dtypes.bool_:
        raise NotImplementedError(f"\"div_{mode}_cpu\" not implemented for 'Bool'")
    check_broadcast(a, b)
    return (FloorDivide if floor_divide else RoundedDiv).apply(a, b, mode, dt.np_dtype)


def floor_divide(input: Any, other: Any) -> Tensor:
    """input // other, rounded down (no derivative, as in torch)."""
    a, b, dt = prepare(input, other)
    return rounded_div(a, b, "floor", dt, floor_divide=True)


def remainder(input: Any, other: Any) -> Tensor:
    """Python-style modulus (the divisor's sign)."""
    a, b, dt = prepare(input, other)
    check_broadcast(a, b)
    if not isinstance(input, Tensor):
        return RRemainder.apply(a, b, dt.np_dtype)
    return (Remainder if isinstance(other, Tensor) else RemainderScalar).apply(a, b, dt.np_dtype)


class Fmod(Remainder):
    """a mod b with the dividend's sign (C's fmod); d/da = 1, d/db = -trunc(a / b)."""

    node_name = "FmodBackward1"
    rounding = "trunc"


class FmodScalar(Fmod):
    """tensor fmod number, named as torch names that overload."""

    node_name = "FmodBackward0"


def fmod(input: Tensor, other: Any) -> Tensor:
    """The remainder of ``input / other`` with the dividend's sign (C's fmod)."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"fmod() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}), but expected one of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n"
            " * (Tensor input, Number other, *, Tensor out = None)\n"
        )
    a, b, dt = prepare(input, other)
    check_broadcast(a, b)
    return (Fmod if isinstance(other, Tensor) else FmodScalar).apply(a, b, dt.np_dtype)
