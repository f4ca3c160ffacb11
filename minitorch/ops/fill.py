"""Whole-tensor writes recorded for autograd: fill (torch.fill) and what fill_, zero_ and copy_ record.

The old values get a zero gradient. These are ops of their own, not arithmetic on the old values
(``x * 0 + v`` would turn an old inf or NaN into NaN), and they save nothing, so their graphs can be
walked again as torch's can. ``inplace_fill``, ``zero`` and ``copy_from`` compute the new value that
``Tensor.fill_``/``zero_``/``copy_`` write in place; torch names their nodes apart from ``fill``'s.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, namespace_of

__all__ = ["copy_from", "fill", "inplace_fill", "zero"]


class Fill(Op):
    """Every element set to a constant; the old values get a zero gradient."""

    node_name = "FillBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, value: Any) -> Array:
        return array_module(x).full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return namespace_of(grad).zeros_like(grad), None  # constant zeros: on arrays and tensors alike


class FillTensor(Op):
    """Every element set to a 0-d tensor's value, which gets the sum of the gradient."""

    node_name = "FillBackward1"

    @staticmethod
    def forward(ctx: Context, x: Array, value: Array) -> Array:
        return array_module(x).full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        # (the sum kept as a 0-d array on arrays, where numpy's would be a scalar; differentiable on tensors)
        return namespace_of(grad).zeros_like(grad), grad.sum(keepdims=True).reshape(())


class InplaceFill(Fill):
    """``fill_`` with a number, as recorded."""

    node_name = "FillBackward2"


class InplaceFillTensor(FillTensor):
    """``fill_`` with a 0-d tensor, as recorded."""

    node_name = "FillBackward3"


class Zero(Fill):
    """Every element set to zero (``zero_``)."""

    node_name = "ZeroBackward0"


class Copy(Op):
    """``x`` overwritten by ``src`` broadcast to its shape; ``src`` gets the gradient (the engine reduces it)."""

    node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx: Context, x: Array, src: Array) -> Array:
        xp = array_module(x)
        out = xp.empty_like(x)
        xp.copyto(out, src, casting="unsafe")
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return namespace_of(grad).zeros_like(grad), grad


def fill(input: Tensor, value: Any) -> Tensor:
    """A tensor like ``input`` with every element ``value``: a number (converted to input's dtype with
    torch's overflow check) or a 0-d tensor (which gets the gradient)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        return FillTensor.apply(input, value)
    if not dtypes.is_number(value):
        raise TypeError(
            f"fill() received an invalid combination of arguments - got (Tensor, {type(value).__name__}), "
            "but expected one of:\n * (Tensor input, Tensor value)\n * (Tensor input, Number value)"
        )
    return Fill.apply(input, dtypes.fill_scalar(value, input.dtype, input.numel()))


def inplace_fill(input: Tensor, value: Any) -> Tensor:
    """What ``input.fill_(value)`` records: ``value`` a number already converted to input's dtype, or a 0-d tensor."""
    if isinstance(value, Tensor):
        return InplaceFillTensor.apply(input, value)
    return InplaceFill.apply(input, value)


def zero(input: Tensor) -> Tensor:
    """What ``input.zero_()`` records: a tensor like ``input`` of zeros."""
    return Zero.apply(input, 0)


def copy_from(input: Tensor, src: Tensor) -> Tensor:
    """What ``input.copy_(src)`` records: ``src`` broadcast to input's shape and cast to its dtype."""
    return Copy.apply(input, src)
