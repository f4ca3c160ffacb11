"""Parts of matrices: tril, triu, diagonal (a view), diag, diag_embed, diagflat, trace, block_diag."""

from __future__ import annotations

from typing import Any

from .. import backend, creation, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context, check_same_device
from ..backend import Array
from ..tensor import Tensor
from .base import Op, array_of, prepare, to_dtype
from .cumulative import cumprod
from .join import cat
from .regions import ReadRegion, ScatterRegion, ViewRegion
from .shape import mark_view

__all__ = ["block_diag", "diag", "diag_embed", "diagflat", "diagonal", "trace", "tril", "triu", "vander"]


def diagonal_view(a: Any, offset: int, axis1: int, axis2: int) -> Any:
    """The ``offset``-th diagonal of ``a`` over ``axis1``/``axis2`` as a last dimension: a (writeable) view."""
    xp = backend.array_module(a)
    a = xp.moveaxis(a, (axis1, axis2), (-2, -1))
    a = a[..., :, offset:] if offset >= 0 else a[..., -offset:, :]
    n = max(0, min(a.shape[-2], a.shape[-1]))
    strides = a.strides[:-2] + (a.strides[-2] + a.strides[-1],)
    return backend.backend_of(a).strided_view(a, a.shape[:-2] + (n,), strides, writeable=True)


class Tril(Op):
    """The lower triangle (on and below the ``k``-th diagonal), zeros elsewhere; the gradient keeps the same part."""

    part = "tril"

    @classmethod
    def forward(cls, ctx: Context, x: Array, k: int) -> Array:
        ctx.k = k
        return getattr(backend.array_module(x), cls.part)(x, k)

    @classmethod
    def backward(cls, ctx: Context, grad: Array) -> tuple:
        return cls.call(grad, ctx.k), None  # keeping a part is its own gradient


class Triu(Tril):
    """The upper triangle (on and above the ``k``-th diagonal), zeros elsewhere."""

    part = "triu"


class Diagonal(Op):
    """The ``offset``-th diagonal over two axes, as the last dimension (a view); the gradient fills that diagonal."""

    @staticmethod
    def forward(ctx: Context, x: Array, offset: int, axis1: int, axis2: int) -> Array:
        ctx.shape, ctx.where = x.shape, (offset, axis1, axis2)
        return diagonal_view(x, offset, axis1, axis2)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return ScatterRegion.call(grad, _diagonal_of(ctx.where), ctx.shape), None, None, None


class DiagonalCopy(Diagonal):
    """``diag`` of a matrix: its diagonal, copied (torch's ``diagonal_copy``)."""

    node_name = "DiagonalBackward0_copy"

    @staticmethod
    def forward(ctx: Context, x: Array, offset: int, axis1: int, axis2: int) -> Array:
        return Diagonal.forward(ctx, x, offset, axis1, axis2).copy()


class DiagEmbed(Op):
    """Matrices over ``axis1``/``axis2`` (of the result) holding the last dimension on their ``offset``-th diagonal."""

    @staticmethod
    def forward(ctx: Context, x: Array, offset: int, axis1: int, axis2: int) -> Array:
        xp = backend.array_module(x)
        n = x.shape[-1] + abs(offset)
        out = xp.zeros(x.shape[:-1] + (n, n), dtype=x.dtype)
        diagonal_view(out, offset, -2, -1)[...] = x
        ctx.where = (offset, axis1, axis2)
        return xp.moveaxis(out, (-2, -1), (axis1, axis2))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return ReadRegion.call(grad, _diagonal_of(ctx.where)), None, None, None


class BlockDiag(Op):
    """Matrices placed corner to corner along the diagonal of one zero matrix; each gets its block's gradient."""

    @staticmethod
    def forward(ctx: Context, *mats: Array) -> Array:
        xp = backend.array_module(*mats)
        rows, cols = sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)
        out = xp.zeros((rows, cols), dtype=mats[0].dtype if mats else xp.float32)
        blocks, r, c = [], 0, 0
        for m in mats:
            blocks.append((slice(r, r + m.shape[0]), slice(c, c + m.shape[1])))
            out[blocks[-1]] = m
            r, c = r + m.shape[0], c + m.shape[1]
        ctx.blocks = blocks
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return tuple(grad[b] for b in ctx.blocks)


def _diagonal_of(where: tuple) -> ViewRegion:
    """The region of one diagonal (``where``: offset, axis1, axis2), for the region ops."""
    return ViewRegion(lambda a: diagonal_view(a, *where))


class Trace(Op):
    """The sum of a matrix's diagonal; the gradient is the identity pattern times the incoming gradient."""

    @staticmethod
    def forward(ctx: Context, x: Array) -> Array:
        ctx.shape = x.shape
        xp = backend.array_module(x)
        return xp.asarray(xp.trace(x, dtype=x.dtype if x.dtype.kind == "f" else "int64"))

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        raw = array_of(grad)
        return backend.array_module(raw).eye(*ctx.shape, dtype=raw.dtype) * grad


def _triangle(cls: type[Op], name: str, input: Tensor, diagonal: int) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return cls.apply(input, diagonal)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of (the last two dimensions of) ``input``: on and below the ``diagonal``-th diagonal."""
    return _triangle(Tril, "tril", input, diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of (the last two dimensions of) ``input``: on and above the ``diagonal``-th diagonal."""
    return _triangle(Triu, "triu", input, diagonal)


def _diagonal_axes(input: Tensor, dim1: int, dim2: int, extra: int = 0) -> tuple:
    a1, a2 = input._wrap_dim(dim1, extra), input._wrap_dim(dim2, extra)
    if a1 == a2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return a1, a2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset``-th diagonal over ``dim1`` and ``dim2``, as the last dimension: a view of ``input``.

    Args:
        offset: 0 the main diagonal, > 0 above it, < 0 below it.
        dim1, dim2: the two dimensions the diagonal runs across.
    """
    a1, a2 = _diagonal_axes(input, dim1, dim2)
    out = Diagonal.apply(input, offset, a1, a2)
    return mark_view(out, input, lambda a: diagonal_view(a, offset, a1, a2), known=True)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's square matrix (the vector on its ``diagonal``-th diagonal), or a matrix's diagonal (a copy)."""
    if input.ndim == 1:
        return DiagEmbed.apply(input, diagonal, 0, 1)
    if input.ndim != 2:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")
    return DiagonalCopy.apply(input, diagonal, 0, 1)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (over ``dim1``, ``dim2`` of the result) holding ``input``'s last dimension on a diagonal."""
    a1, a2 = _diagonal_axes(input, dim1, dim2, extra=1)
    return DiagEmbed.apply(input, offset, a1, a2)


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (integers sum to int64)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(trace):
        return autocast_mode.run("trace", trace, input)
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return Trace.apply(input)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with the flattened ``input`` on its ``offset``-th diagonal."""
    return DiagEmbed.apply(input.reshape(-1), offset, 0, 1)


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the given matrices (a vector is one row, a number one element)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"block_diag(): argument 'tensors' must be tuple of Tensors, not {type(t).__name__}")
        if t.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {t.ndim} dimensions"
            )
    if not tensors:
        return creation.zeros(1, 0)
    mats = [t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t for t in tensors]
    *cast, _ = prepare(*mats)
    check_same_device([(i, t) for i, t in enumerate(cast)])
    return BlockDiag.apply(*cast)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a vector: columns x^(N-1) ... x^0 (``increasing``: x^0 ... x^(N-1)), by running
    products as torch computes them (integers promote to int64)."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if not x.dtype.is_floating_point:
        x = to_dtype(x, dtypes.int64)
    ones = creation.ones((x.shape[0], min(n, 1)), dtype=x.dtype, device=x.device)
    if n > 1:
        powers = cumprod(x.unsqueeze(1).expand(x.shape[0], n - 1), 1)
        out = cat([ones, powers], 1)
    else:
        out = ones
    return out if increasing else out.flip(1)
