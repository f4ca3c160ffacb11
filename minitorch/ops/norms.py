"""Norms: ``torch.norm`` and ``Tensor.norm``, and ``torch.linalg``'s ``vector_norm``, ``matrix_norm`` and ``norm``.

A vector norm over some dims is one op (``VectorNorm``, torch's ``LinalgVectorNormBackward0``) with torch's
gradient for each order: 2 (x / norm, 0 where the norm is 0), 1 (the sign), inf and -inf (shared evenly
by the elements of largest or smallest magnitude), 0 (none) and any other p. A matrix norm is composed of
ops as torch composes it (the Frobenius norm a vector norm over two dims; the 1 and inf norms a maximum of
absolute sums; the nuclear, 2 and -2 norms the sum, largest and smallest of the singular values, ``svdvals``).
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend, creation, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, array_of, masked_grad, namespace_of, to_dtype
from .extrema import amax, amin
from .reduce import Dims, normalize_dims
from .reduce import sum as reduce_sum
from .selection import where
from .shape import permute
from .spectral import linalg_svdvals
from .unary import abs as abs_
from .unary import sign_array

__all__ = ["cdist", "dist", "linalg_norm", "matrix_norm", "norm", "renorm", "vector_norm"]


class VectorNorm(Op):
    """(sum |x| ** ord over ``axes``) ** (1 / ord), with the limits ord = inf, -inf and 0 (the count of nonzeros)."""

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, ord: float, axes: tuple | None, keepdim: bool) -> Array:
        xp = backend.array_module(x)
        a = xp.abs(x)
        if ord == 2:
            out = xp.sqrt(xp.sum(x * x, axis=axes, keepdims=keepdim))
        elif ord == 1:
            out = xp.sum(a, axis=axes, keepdims=keepdim)
        elif ord == math.inf:
            out = xp.max(a, axis=axes, keepdims=keepdim)
        elif ord == -math.inf:
            out = xp.min(a, axis=axes, keepdims=keepdim)
        elif ord == 0:
            out = xp.sum(x != 0, axis=axes, keepdims=keepdim)
        else:
            out = xp.sum(a**ord, axis=axes, keepdims=keepdim) ** (1 / ord)
        out = xp.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        ctx.ord, ctx.axes = ord, axes
        ctx.kept = tuple(1 if axes is None or i in axes else s for i, s in enumerate(x.shape))
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        x, norm = ctx.saved_tensors
        p = ctx.ord
        if p == 0:  # piecewise constant: torch gives no gradient at all (``.grad`` stays None)
            return None, None, None, None
        xp = namespace_of(grad, x)
        g, n = grad.reshape(ctx.kept), norm.reshape(ctx.kept)
        raw_x, raw_n = array_of(x), array_of(n)
        sign = sign_array(raw_x)  # torch's sgn: a constant of the gradient
        if p == 1:
            return g * sign, None, None, None
        if p == 2:  # torch's x * (grad / norm), 0 where the norm is 0
            return x * masked_grad(g / n, raw_n != 0), None, None, None
        if math.isinf(p):  # shared evenly by the elements whose magnitude is the norm (or NaN)
            a = backend.array_module(raw_x).abs(raw_x)
            hit = (a == raw_n) | (a != a)
            count = hit.sum(axis=ctx.axes, keepdims=True)
            return (sign * hit) * (g / count), None, None, None
        if p < 1:
            scaled = masked_grad(sign * xp.abs(x) ** (p - 1), raw_x != 0)
            return scaled * g * n ** (1 - p), None, None, None
        scaled = sign * xp.abs(x) ** (p - 1) if p < 2 else x * xp.abs(x) ** (p - 2)
        return scaled * masked_grad(g / n ** (p - 1), raw_n != 0), None, None, None


def _floating(input: Tensor, dtype: Any, name: str) -> Tensor:
    """``input`` in ``dtype`` (when given), with torch's error for an integer tensor."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {input.dtype._scalar_name}"
        )
    if dtype is None:
        return input
    dt = dtypes.as_dtype(dtype)
    if dtypes.promote_types(input.dtype, dt) is not dt:
        raise RuntimeError(
            f"{name}: the dtype of the input ({input.dtype._scalar_name}) should be convertible without narrowing to "
            f"the specified dtype ({dt._scalar_name})"
        )
    return to_dtype(input, dt)


def vector_norm(input: Tensor, ord: Any = 2, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The vector ``ord``-norm of ``input`` over ``dim`` (all elements when None), as ``torch.linalg.vector_norm``.

    Args:
        input: a floating tensor.
        ord: any real number, ``inf`` or ``-inf``; 0 counts the nonzero elements.
        dim: the dims the norm runs over (an int, a sequence, or None for all of them).
        keepdim: keep the reduced dims, with size 1.
        dtype: compute in this dtype (the input is converted first).
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(vector_norm):
        return autocast_mode.run("linalg_vector_norm", vector_norm, input, ord, dim, keepdim, dtype=dtype)
    x = _floating(input, dtype, "linalg.vector_norm")
    if isinstance(ord, str) or isinstance(ord, bool) or not dtypes.is_number(ord):
        raise TypeError(f"linalg.vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    p = float(ord)
    axes = normalize_dims(dim, x.ndim)
    if p < 0 or math.isinf(p):
        sizes = x.shape if axes is None else [x.shape[a] for a in axes] if x.ndim else []
        if 0 in sizes:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the operation "
                "does not have an identity"
            )
    return VectorNorm.apply(x, p, axes, keepdim)


def matrix_norm(
    input: Tensor, ord: Any = "fro", dim: tuple = (-2, -1), keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """The matrix norm of each matrix of ``input`` (over the two ``dim``), as ``torch.linalg.matrix_norm``:
    ``'fro'`` (default), ``'nuc'``, ``1``, ``-1``, ``2``, ``-2``, ``inf``, ``-inf``."""
    if autocast_mode.enabled_threads and autocast_mode.wants(matrix_norm):
        return autocast_mode.run("linalg_matrix_norm", matrix_norm, input, ord, dim, keepdim, dtype=dtype)
    x = _floating(input, dtype, "linalg.matrix_norm")
    if x.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    axes = normalize_dims(dim, x.ndim)
    if axes is None or len(axes) != 2 or len(tuple(dim)) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    rows, cols = (d % x.ndim for d in dim)
    if ord == "fro":
        return VectorNorm.apply(x, 2.0, axes, keepdim)
    if ord in ("nuc", 2, -2):  # torch's composition: the singular values of the two dims moved last
        order = tuple(d for d in range(x.ndim) if d not in (rows, cols)) + (rows, cols)
        values = linalg_svdvals(permute(x, order))
        out = reduce_sum(values, -1) if ord == "nuc" else (amax if ord == 2 else amin)(values, -1)
        if keepdim:
            back = tuple(order.index(d) for d in range(x.ndim))
            out = permute(out.unsqueeze(-1).unsqueeze(-1), back)
        return out
    if isinstance(ord, str) or ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    # torch's composition: the largest (smallest) absolute column sum for 1 (-1), row sum for inf (-inf)
    summed, over = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = reduce_sum(abs_(x), summed, keepdim=keepdim)
    if not keepdim and over > summed:
        over -= 1  # (the summed dim is gone)
    return (amax if ord > 0 else amin)(sums, over, keepdim=keepdim)


def linalg_norm(
    input: Tensor, ord: Any = None, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """``torch.linalg.norm``: a vector norm over one dim (or of the flattened input when ``ord`` and ``dim`` are
    None), a matrix norm over two (or of a 2-D input when only ``ord`` is given)."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2:
            return matrix_norm(input, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        return vector_norm(input, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(input, 2, None, keepdim, dtype=dtype)
    if input.ndim == 2:
        return matrix_norm(input, ord, (-2, -1), keepdim, dtype=dtype)
    if input.ndim == 1:
        return vector_norm(input, ord, None, keepdim, dtype=dtype)
    raise RuntimeError(
        f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {input.ndim}D."
    )


def norm(input: Tensor, p: Any = "fro", dim: Dims = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """``torch.norm``: the Frobenius (2-) norm by default, or the vector ``p``-norm, over ``dim`` (all when None).

    Args:
        input: a floating tensor.
        p: ``'fro'`` (the default), a number, ``inf``/``-inf``, or ``'nuc'``.
        dim: the dims the norm runs over (None: all of them).
        keepdim: keep the reduced dims, with size 1.
        dtype: compute in this dtype.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(norm):
        return autocast_mode.run("norm", norm, input, p, dim, keepdim, dtype)
    dims = None if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if p is None or p == "fro":
        if dims is None or len(dims) <= 2:
            return vector_norm(input, 2, dims, keepdim, dtype=dtype)
        return matrix_norm(input, "fro", dims, keepdim, dtype=dtype)
    if isinstance(p, str):
        return matrix_norm(input, p, tuple(range(input.ndim)) if dims is None else dims, keepdim, dtype=dtype)
    return vector_norm(input, p, dims, keepdim, dtype=dtype)


class Dist(VectorNorm):
    """The p-norm of a difference, under torch's name for ``dist``."""

    node_name = "DistBackward0"


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast together)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(dist):
        return autocast_mode.run("dist", dist, input, other, p)
    diff = input - other
    _floating(diff, None, "linalg.vector_norm")
    return Dist.apply(diff, float(p), None, False)


class Cdist(VectorNorm):
    """The p-norms of all the row differences of two batches of row sets, under torch's name for ``cdist``."""

    node_name = "CdistBackward0"


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M): (..., P, R).

    Computed from the rows' differences (``compute_mode``, torch's choice of a matrix-product formula for large
    inputs, is accepted and not needed: the differences are exact).
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(cdist):
        return autocast_mode.run("cdist", cdist, x1, x2, p, compute_mode)
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
        if not t.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {t.dtype._scalar_name}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)  # (..., P, R, M)
    return Cdist.apply(diff, float(p), (diff.ndim - 1,), False)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to that norm (torch's
    factor: maxnorm / (norm + 1e-7))."""
    if autocast_mode.enabled_threads and autocast_mode.wants(renorm):
        return autocast_mode.run("renorm", renorm, input, p, dim, maxnorm)
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    axis = input._wrap_dim(dim)
    others = tuple(d for d in range(input.ndim) if d != axis)
    norm = vector_norm(input, p, others, keepdim=True)
    over = norm > maxnorm
    factor = where(over, maxnorm / (norm + 1e-7), creation.ones((), dtype=input.dtype, device=input.device))
    return input * factor
