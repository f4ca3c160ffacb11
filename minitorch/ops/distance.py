"""Norms, distances and similarities along a dimension: cosine_similarity, pairwise_distance, normalize.

``vector_norm`` is one op with torch's gradient rules (a zero vector gets a zero gradient, the
infinity norm shares its gradient among tied maxima); the public functions compose it with
arithmetic, as torch's own definitions do. The backward needs the input and the norm itself.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..autograd.grad_mode import no_grad
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, array_of, astype_like, check_broadcast, float_operand, namespace_of, to_dtype

__all__ = ["cosine_similarity", "normalize", "pairwise_distance"]


class VectorNorm(Op):
    """The p-norm of x over ``axes`` (sum |x|^p)^(1/p); p may be 0, inf or -inf."""

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, p: float, axes: tuple, keepdim: bool) -> Array:
        xp = array_module(x)
        a = xp.abs(x)
        if p == 2:
            out = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        elif p == 1:
            out = a.sum(axis=axes, keepdims=True)
        elif p == math.inf:
            out = a.max(axis=axes, keepdims=True)
        elif p == -math.inf:
            out = a.min(axis=axes, keepdims=True)
        elif p == 0:
            out = (x != 0).sum(axis=axes, keepdims=True).astype(x.dtype)
        else:
            out = (a**p).sum(axis=axes, keepdims=True) ** (1 / p)
        ctx.conf = (p, axes, out.shape)
        if not keepdim:
            out = out.squeeze(axes)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, norm = ctx.saved_tensors
        p, axes, kept = ctx.conf
        xp = namespace_of(x, grad)
        g, norm = grad.reshape(kept), norm.reshape(kept)  # the kept dims back, whether or not forward dropped them
        raw_x, raw_norm = array_of(x), array_of(norm)
        zero = raw_norm == 0
        if p == 0:
            gx = xp.zeros_like(x)
        elif p == 1:
            gx = xp.sign(x) * g
        elif p in (math.inf, -math.inf):
            tied = backend.array_module(raw_x).abs(raw_x) == raw_norm
            gx = xp.sign(x) * (g / tied.sum(axis=axes, keepdims=True)) * tied
        elif p == 2:
            gx = g * xp.where(zero, 0, x / norm)  # torch's order: finite in g at a zero norm, to any order
        elif p < 1:
            scaled = xp.where(raw_x == 0, 0, xp.sign(x) * xp.abs(x) ** (p - 1))
            gx = scaled * g * norm ** (1 - p)
        elif p < 2:
            gx = xp.sign(x) * xp.abs(x) ** (p - 1) * xp.where(zero, 0, g / norm ** (p - 1))
        else:
            gx = x * xp.abs(x) ** (p - 2) * xp.where(zero, 0, g / norm ** (p - 1))
        return astype_like(gx, x), None, None, None


def vector_norm(x: Tensor, p: float, dim: int | tuple, keepdim: bool = False) -> Tensor:
    """The p-norm of ``x`` along ``dim`` (torch.linalg.vector_norm's gradient rules)."""
    dims = dim if isinstance(dim, tuple) else (dim,)
    axes = tuple(sorted(x._wrap_dim(d) for d in dims)) if x.ndim else ()
    for i in range(1, len(axes)):
        if axes[i] == axes[i - 1]:
            raise RuntimeError(f"dim {axes[i]} appears multiple times in the list of dims")
    return VectorNorm.apply(x, float(p), axes, keepdim)


def _common(x1: Tensor, x2: Tensor) -> tuple:
    """Both operands broadcast to one shape and promoted to one floating dtype."""
    check_broadcast(x1, x2)
    dt = dtypes.promote_types(x1.dtype, x2.dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {dt._scalar_name}")
    x1, x2 = float_operand(to_dtype(x1, dt)), float_operand(to_dtype(x2, dt))
    shape = array_module(x1._data).broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    return x1.expand(*shape), x2.expand(*shape)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 . x2 / (max(|x1|, eps) max(|x2|, eps)) along ``dim`` (the operands broadcast).

    Args:
        x1, x2: tensors of broadcastable shapes.
        dim: the dimension of the vectors.
        eps: the smallest norm divided by.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(cosine_similarity):
        return autocast_mode.run("cosine_similarity", cosine_similarity, x1, x2, dim, eps)
    a, b = _common(x1, x2)
    na, nb = vector_norm(a, 2, dim, keepdim=True).clone(), vector_norm(b, 2, dim, keepdim=True).clone()
    with no_grad():  # torch clamps the norms outside the graph: the gradient flows as if unclamped
        na.clamp_(min=eps)
        nb.clamp_(min=eps)
    return ((a / na) * (b / nb)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of x1 - x2 + eps along the last dimension (the operands broadcast).

    Args:
        x1, x2: (N, D) or (D,) tensors, or any broadcastable pair.
        p: the norm's degree.
        eps: added to the difference, so that equal vectors are not at a kink.
        keepdim: keep the reduced dimension.
    """
    ndim = max(x1.ndim, x2.ndim)
    diff = x1 - x2 + eps
    if ndim == 0:
        return vector_norm(diff.reshape(1), p, 0)
    return vector_norm(diff, p, ndim - 1, keepdim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:
    """``input`` divided by its p-norm along ``dim``, the norm held above ``eps``.

    Args:
        p: the norm's degree.
        dim: the dimension normalised (an int or a tuple).
        eps: the smallest norm divided by.
        out: a tensor to write the result into.
    """
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {input.dtype._scalar_name}"
        )
    result = input / vector_norm(input, p, dim, keepdim=True).clamp(min=eps)
    if out is not None:
        return out.copy_(result)
    return result
