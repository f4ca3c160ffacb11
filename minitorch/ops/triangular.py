"""Orthogonal and triangular factors: linalg.qr (and the older torch.qr), and solving with triangular matrices
(linalg.solve_triangular, and through a Cholesky factor: cholesky_solve, cholesky_inverse, the older
torch.cholesky), with torch's gradients.

QR is the array module's Householder factorisation over batches (LAPACK's geqrf on the host: R's diagonal signs
as torch's). Its gradient for A = QR (m >= n, reduced):

    gA = [gQ + Q (triu(M) + tril(M^T, -1))] R^-T,   M = gR R^T - Q^T gQ,

and for m < n the same on the leading square block, the rest reaching A through R's trailing columns Q^T Y.
A triangular solve runs as a general solve on the triangle (LAPACK's LU, which pivots nothing away from a
triangle's diagonal); where that diagonal has a zero it substitutes row by row instead, giving inf and NaN
as torch's trsm does rather than an error.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, broadcast_shape, matrix_product, namespace_of, to_dtype
from .decompositions import _eye_like, _mT, linalg_cholesky
from .linalg_failures import named_result

__all__ = ["cholesky", "cholesky_inverse", "cholesky_solve", "linalg_qr", "linalg_solve_triangular", "qr"]

ReturnQr = named_result("linalg_qr", ["Q", "R"])
_ReturnLegacyQr = named_result("qr", ["Q", "R"])


# ------------------------------------------------------------------ triangular solves
def _triangle(a: Any, upper: bool, unitriangular: bool) -> Any:
    """The triangle of each matrix that a triangular solve reads (with ones on the diagonal: ``unitriangular``)."""
    xp = namespace_of(a)
    t = xp.triu(a) if upper else xp.tril(a)
    if unitriangular:
        eye = _eye_like(a)
        t = xp.where(eye != 0, eye, t)
    return t


def _substitute(t: Array, b: Array, upper: bool) -> Array:
    """T X = B by substitution, row by row (a zero on T's diagonal gives inf and NaN, as torch's trsm)."""
    xp = array_module(t, b)
    n = t.shape[-1]
    x = xp.zeros(b.shape, dtype=b.dtype)
    for i in reversed(range(n)) if upper else range(n):  # (rows: each step works on whole batches)
        done = x[..., i + 1 :, :] if upper else x[..., :i, :]
        known = t[..., i, i + 1 :] if upper else t[..., i, :i]
        x[..., i, :] = (b[..., i, :] - matrix_product(known[..., None, :], done)[..., 0, :]) / t[..., i, i : i + 1]
    return x


def _solve_triangle(t: Array, b: Array, upper: bool) -> Array:
    """T^-1 B for triangular T (batches broadcasting)."""
    xp = array_module(t, b)
    batch = broadcast_shape(t.shape[:-2], b.shape[:-2])
    t, b = xp.broadcast_to(t, batch + t.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:])
    try:
        return xp.linalg.solve(t, b)
    except xp.linalg.LinAlgError:
        return _substitute(t, b, upper)


class SolveTriangular(Op):
    """X with A X = B (``left``) or X A = B, A read as its ``upper`` or lower triangle (``unitriangular``: ones
    on its diagonal)."""

    node_name = "LinalgSolveTriangularBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, b: Array, upper: bool, left: bool, unitriangular: bool) -> Array:
        xp = array_module(a, b)
        ctx.upper, ctx.left, ctx.unitriangular = upper, left, unitriangular
        t = _triangle(a, upper, unitriangular)
        if left:
            out = _solve_triangle(t, b, upper)
        else:  # X A = B: A^T X^T = B^T, A^T triangular the other way
            out = xp.swapaxes(_solve_triangle(xp.swapaxes(t, -1, -2), xp.swapaxes(b, -1, -2), not upper), -1, -2)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, x = ctx.saved_tensors
        upper, left, unit = ctx.upper, ctx.left, ctx.unitriangular
        # gB = A^-T G (left) or G A^-T; gA = -gB X^T (left) or -X^T gB, kept to the triangle A is read as
        gb = SolveTriangular.call(_mT(a), grad, not upper, left, unit)
        ga = -matrix_product(gb, _mT(x)) if left else -matrix_product(_mT(x), gb)
        xp = namespace_of(ga)
        ga = xp.triu(ga, 1 if unit else 0) if upper else xp.tril(ga, -1 if unit else 0)
        needs = ctx.needs_input_grad
        return (ga if needs[0] else None), (gb if needs[1] else None), None, None, None


# ------------------------------------------------------------------ QR
def _qr_gradient_tall(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """The gradient of A = QR for m >= n (reduced; see the module's docstring)."""
    xp = namespace_of(q, r, gq, gr)
    m_ = matrix_product(gr, _mT(r)) - matrix_product(_mT(q), gq)
    inner = xp.triu(m_) + xp.tril(_mT(m_), -1)
    right = gq + matrix_product(q, inner)
    # right @ R^-T: R (R^-T right^T)... as a triangular solve, R^T upper -> lower
    return _mT(SolveTriangular.call(r, _mT(right), True, True, False))


class Qr(Op):
    """Q with orthonormal columns and upper-triangular R, A = QR (``mode``: reduced, complete or r)."""

    node_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, mode: str) -> tuple:
        xp = array_module(a)
        ctx.mode = mode
        if mode == "r":
            r = xp.linalg.qr(a, mode="r")
            return xp.zeros((0,), dtype=a.dtype), xp.ascontiguousarray(r)
        q, r = xp.linalg.qr(a, mode=mode)
        ctx.save_for_backward(q, r, a)
        return q, r

    @staticmethod
    def backward(ctx: Context, gq: Array, gr: Array) -> tuple:
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
            )
        q, r, a = ctx.saved_tensors
        m, n = a.shape[-2], a.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_gradient_tall(q, r, gq, gr), None
        # A = [X | Y]: X = Q U (the square case), Y = Q V, so V = Q^T Y reaches Q too
        xp = namespace_of(q, r, gq, gr)
        gu, gv = gr[..., :m], gr[..., m:]
        y = a[..., m:]
        gx = _qr_gradient_tall(q, r[..., :m], gq + matrix_product(y, _mT(gv)), gu)
        return xp.concatenate([gx, matrix_product(q, gv)], axis=-1), None


# ------------------------------------------------------------------ wrappers
def linalg_qr(A: Tensor, mode: str = "reduced") -> Any:
    """``torch.linalg.qr``: (Q, R) with ``A = Q @ R``, Q's columns orthonormal and R upper-triangular.

    Args:
        A: a (batch of) matrices.
        mode: ``'reduced'`` (Q m x k, R k x n, k = min(m, n)), ``'complete'`` (Q m x m) or ``'r'`` (R alone; Q
            empty, and no gradient).
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_qr):
        return autocast_mode.run("linalg_qr", linalg_qr, A, mode)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    if A.ndim < 2:
        raise RuntimeError("linalg.qr: The input tensor A must have at least 2 dimensions.")
    dt = A.dtype
    if not dt.is_floating_point:
        raise RuntimeError(f"linalg.qr: Expected a floating point or complex tensor as input. Got {dt._scalar_name}")
    if dt is dtypes.float16:
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for '{dt._scalar_name}'")
    return ReturnQr(*Qr.apply(A, mode))


def qr(input: Tensor, some: bool = True) -> Any:
    """``torch.qr`` (deprecated in torch for ``linalg.qr``): reduced (``some``) or complete."""
    if autocast_mode.enabled_threads and autocast_mode.wants(qr):
        return autocast_mode.run("qr", qr, input, some)
    return _ReturnLegacyQr(*linalg_qr(input, "reduced" if some else "complete"))


def linalg_solve_triangular(
    A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False
) -> Tensor:
    """``torch.linalg.solve_triangular``: X with ``A @ X = B`` (``left``) or ``X @ A = B``, A triangular.

    Args:
        A: a (batch of) square matrices, of which only the ``upper`` (or lower) triangle is read.
        B: a (batch of) matrices; batch dimensions broadcast.
        upper: read A's upper triangle (True) or its lower one.
        left: solve A X = B (True) or X A = B.
        unitriangular: take A's diagonal as ones (it is not read).
    """
    for name, t in (("A", A), ("B", B)):
        if t.ndim < 2:
            raise RuntimeError(f"linalg.solve_triangular: The input tensor {name} must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.solve_triangular: A must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )
    if not A.dtype.is_floating_point or A.dtype is dtypes.float16:
        raise NotImplementedError(f"\"triangular_solve_cpu\" not implemented for '{A.dtype._scalar_name}'")
    if B.dtype is not A.dtype:  # torch solves in A's dtype (B converted, differentiably)
        B = to_dtype(B, A.dtype)
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(
            "linalg.solve_triangular: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    return SolveTriangular.apply(A, B, bool(upper), bool(left), bool(unitriangular))


_CHOLESKY_DEPRECATED = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch release.\n"
    "L = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n"
    "U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
    "This transform will produce equivalent results for all valid (symmetric positive definite) inputs."
)


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky`` (deprecated in torch, with its warning): ``linalg.cholesky``, or its transpose with
    ``upper``."""
    if autocast_mode.enabled_threads and autocast_mode.wants(cholesky):
        return autocast_mode.run("cholesky", cholesky, input, upper)
    warnings.warn(_CHOLESKY_DEPRECATED, UserWarning, stacklevel=2)  # (Python's filters show it once a place)
    low = linalg_cholesky(input)
    return low.mT if upper else low


class CholeskySolve(Op):
    """X with A X = B for A given by its Cholesky factor (A = L L^T, or U^T U with ``upper``; the factor's triangle
    is read): two triangular solves. The gradients are torch's: the factor's is dense (the formula for
    A = F F^T with the whole F), not kept to the triangle read."""

    @staticmethod
    def forward(ctx: Context, b: Array, factor: Array, upper: bool) -> Array:
        xp = array_module(b, factor)
        ctx.upper = upper
        t = _triangle(factor, upper, False)
        t_mT = xp.swapaxes(t, -1, -2)
        first, second = (t_mT, t) if upper else (t, t_mT)  # U^T Z = B, U X = Z; or L Z = B, L^T X = Z
        x = _solve_triangle(second, _solve_triangle(first, b, not upper), upper)
        ctx.save_for_backward(factor, x)
        return x

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        factor, x = ctx.saved_tensors
        upper = ctx.upper
        gb = CholeskySolve.call(grad, factor, upper)  # A^-1 G
        sym = matrix_product(gb, _mT(x))
        sym = sym + _mT(sym)
        gf = -matrix_product(factor, sym) if upper else -matrix_product(sym, factor)
        needs = ctx.needs_input_grad
        return (gb if needs[0] else None), (gf if needs[1] else None), None


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky_solve``: X with ``A @ X = B`` for ``B = input`` and A given by its Cholesky factor
    ``input2`` (A = L L^T, or U^T U with ``upper``): two triangular solves.

    Args:
        input: B, a (batch of) matrices.
        input2: the factor, lower-triangular (its lower triangle is read), or upper-triangular with ``upper``.
        upper: the factor is upper-triangular.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(cholesky_solve):
        return autocast_mode.run("cholesky_solve", cholesky_solve, input, input2, upper)
    for name, t in (("b", input), ("u", input2)):
        if t.ndim < 2:
            raise RuntimeError(f"{name} should have at least 2 dimensions, but has {t.ndim} dimensions instead")
    n = input2.shape[-1]
    if input2.shape[-2] != n or input.shape[-2] != n:
        raise RuntimeError(
            f"Incompatible matrix sizes for cholesky_solve: each A matrix is {input2.shape[-2]} by {n} but each b "
            f"matrix is {input.shape[-2]} by {input.shape[-1]}"
        )
    return CholeskySolve.apply(input, input2, upper)


def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky_inverse``: A^-1 for A given by its Cholesky factor (A = L L^T, or U^T U with ``upper``)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(cholesky_inverse):
        return autocast_mode.run("cholesky_inverse", cholesky_inverse, input, upper)
    if input.ndim < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(
            f"cholesky_inverse: A must be batches of square matrices, but they are {input.shape[-2]} by "
            f"{input.shape[-1]} matrices"
        )
    eye = Tensor._wrap(_eye_like(input._data))
    return cholesky_solve(eye, input, upper)
