"""Elementwise functions beyond arithmetic: lerp, clamp_min, clamp_max."""

from __future__ import annotations

from typing import Any

from .. import backend, dtypes
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, Operand, check_broadcast
from .selection import ClampMax, ClampMaxTensor, ClampMin, ClampMinTensor, clamp_as

__all__ = ["clamp_max", "clamp_min", "lerp"]


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
