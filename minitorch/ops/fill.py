"""Whole-tensor writes recorded for autograd: fill_, zero_ and copy_ (the old values get a zero gradient).

They are ops of their own, not arithmetic on the old values (``x * 0 + v`` would turn an old inf or
NaN into NaN), and they save nothing, so their graphs can be walked again as torch's can.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..tensor import Tensor
from .base import Op


class Fill(Op):
    """Every element set to a constant; the old values get a zero gradient."""

    node_name = "FillBackward2"

    @staticmethod
    def forward(ctx: Any, x: Any, value: Any) -> Any:
        return backend.array_module(x).full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        return backend.array_module(grad).zeros_like(grad), None


class Zero(Fill):
    """Every element set to zero (``zero_``)."""

    node_name = "ZeroBackward0"


class FillTensor(Op):
    """Every element set to a 0-d tensor's value, which gets the sum of the gradient."""

    node_name = "FillBackward3"

    @staticmethod
    def forward(ctx: Any, x: Any, value: Any) -> Any:
        return backend.array_module(x).full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        xp = backend.array_module(grad)
        return xp.zeros_like(grad), xp.asarray(grad.sum())


class Copy(Op):
    """``x`` overwritten by ``src`` broadcast to its shape; ``src`` gets the gradient (the engine reduces it)."""

    node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx: Any, x: Any, src: Any) -> Any:
        xp = backend.array_module(x)
        out = xp.empty_like(x)
        xp.copyto(out, src, casting="unsafe")
        return out

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        return backend.array_module(grad).zeros_like(grad), grad


def fill(input: Tensor, value: Any) -> Tensor:
    """A tensor like ``input`` with every element ``value`` (a number already of input's dtype, or a 0-d tensor)."""
    if isinstance(value, Tensor):
        return FillTensor.apply(input, value)
    return Fill.apply(input, value)


def zero(input: Tensor) -> Tensor:
    """A tensor like ``input`` of zeros, recorded as torch's ``zero_`` is."""
    return Zero.apply(input, 0)


def copy_from(input: Tensor, src: Tensor) -> Tensor:
    """A tensor like ``input`` holding ``src`` broadcast to its shape and cast to its dtype."""
    return Copy.apply(input, src)
