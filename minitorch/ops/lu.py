"""LU factorisation with partial pivoting (linalg.lu_factor, lu_factor_ex, lu, lu_solve; torch.lu, lu_unpack,
lu_solve), with torch's gradients.

Neither numpy nor CuPy has an LU, so the factorisation is written here once, on whatever array module the input
lives on: LAPACK's getrf convention (P^T A = L U, L unit-lower, U upper, both packed into one matrix; pivots the
1-based row swaps, int32; the pivot the first largest magnitude in its column, as idamax), with a Python loop over
the columns only, each step working on the whole batch. A zero pivot leaves its column as it is and reports its
1-based index as ``info``. Rectangular matrices factorise over min(m, n) columns.

Gradients, for A = P L U (k = min(m, n)): square, gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T; wide and
tall as torch's (the square block as above, the rest reaching A through U's trailing columns or L's trailing rows).
A solve X = op(A)^-1 B (or B op(A)^-1) gives gB by a solve with the other adjoint and gA as linalg.solve's, then
passed to the factors: gL = tril(P^T gA U^T, -1), gU = triu(L^T P^T gA). Every backward is made of differentiable
pieces, so all of them differentiate again under ``create_graph``.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import dtypes
from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, array_of, broadcast_shape, is_tensor, matrix_product, namespace_of
from .decompositions import _mT
from .linalg_failures import LinAlgError, named_result
from .triangular import SolveTriangular, _solve_triangle

__all__ = ["linalg_lu", "linalg_lu_factor", "linalg_lu_factor_ex", "linalg_lu_solve", "lu", "lu_solve", "lu_unpack"]

ReturnLuFactor = named_result("linalg_lu_factor", ["LU", "pivots"])
ReturnLuFactorEx = named_result("linalg_lu_factor_ex", ["LU", "pivots", "info"])
ReturnLu = named_result("linalg_lu", ["P", "L", "U"])
ReturnLuUnpack = named_result("lu_unpack", ["P", "L", "U"])
_ReturnLuWithInfo = named_result("_lu_with_info", ["LU", "pivots", "info"])


# ------------------------------------------------------------------ the factorisation, on arrays
def _factor(a: Array) -> tuple:
    """(packed LU, pivots, info) of each matrix of ``a``, LAPACK's getrf over the batch."""
    xp = array_module(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    work = xp.array(a, copy=True).reshape((-1, m, n))
    count = work.shape[0]
    rows = xp.arange(count)
    piv = xp.zeros((count, k), dtype=xp.int32)
    info = xp.zeros((count,), dtype=xp.int32)
    for j in range(k):  # (columns: each step is one elimination over the whole batch)
        p = j + xp.argmax(xp.abs(work[:, j:, j]), axis=1)  # first of equal magnitudes, as idamax
        piv[:, j] = p + 1
        top = work[:, j, :].copy()
        work[:, j, :] = work[rows, p, :]
        work[rows, p, :] = top
        pivot = work[:, j, j]
        zero = pivot == 0
        info = xp.where(zero & (info == 0), j + 1, info).astype(xp.int32)
        # a zero pivot has zeros below it (it was the largest): dividing by 1 leaves them, as LAPACK skips it
        work[:, j + 1 :, j] /= xp.where(zero, 1, pivot)[:, None]
        work[:, j + 1 :, j + 1 :] -= work[:, j + 1 :, j : j + 1] * work[:, j : j + 1, j + 1 :]
    return work.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _permutation(piv: Array, m: int) -> Array:
    """For each pivot vector, ``perm`` with A[perm] = L U: the rows LAPACK's swaps bring to the top, in order."""
    xp = array_module(piv)
    k = piv.shape[-1]
    batch = piv.shape[:-1]
    perm = xp.array(xp.broadcast_to(xp.arange(m), batch + (m,))).reshape((-1, m))
    swaps = piv.reshape((-1, k)).astype(xp.int64) - 1
    rows = xp.arange(perm.shape[0])
    for i in range(k):  # (swaps, in order: each over the whole batch)
        here = perm[:, i].copy()
        perm[:, i] = perm[rows, swaps[:, i]]
        perm[rows, swaps[:, i]] = here
    return perm.reshape(batch + (m,))


def _permutation_matrix(piv: Array, m: int, dtype: Any) -> Array:
    """P with A = P L U (P[perm[i], i] = 1): a constant."""
    xp = array_module(piv)
    return xp.ascontiguousarray(xp.swapaxes(xp.eye(m, dtype=dtype)[_permutation(piv, m)], -1, -2))


def _constant(c: Array, like: Any) -> Any:
    """A constant array as a tensor where a backward computes on tensors (create_graph), else as it is."""
    return Tensor._wrap(c) if is_tensor(like) else c


def _unpack(lu: Any) -> tuple:
    """(L, U) of a packed factorisation, on arrays or tensors: L m x k unit-lower, U k x n upper."""
    xp = namespace_of(lu)
    raw = array_of(lu)
    m, n = raw.shape[-2:]
    k = min(m, n)
    eye = _constant(array_module(raw).eye(m, k, dtype=raw.dtype), lu)
    return xp.tril(lu[..., :, :k], -1) + eye, xp.triu(lu[..., :k, :])


# ------------------------------------------------------------------ gradients
def _lu_backward(gl: Any, gu: Any, p: Any, low: Any, up: Any) -> Any:
    """gA of A = P L U from gL (m x k) and gU (k x n), as torch's linalg_lu_backward (see the module's docstring)."""
    xp = namespace_of(gl, gu, low, up)
    m, n = low.shape[-2], up.shape[-1]
    k = min(m, n)
    if m == n:
        inner = xp.tril(matrix_product(_mT(low), gl), -1) + xp.triu(matrix_product(gu, _mT(up)))
        ga = SolveTriangular.call(_mT(up), inner, False, False, False)  # ... U^-T
        ga = SolveTriangular.call(_mT(low), ga, True, True, True)  # L^-T ...
    elif m < n:  # wide: U = [U1 | U2], U1 k x k
        u1 = up[..., :k]
        inner = xp.tril(matrix_product(_mT(low), gl) - matrix_product(xp.triu(gu), _mT(up)), -1)
        ga = SolveTriangular.call(_mT(u1), inner, False, False, False)
        ga = xp.concatenate([ga + xp.triu(gu[..., :k]), gu[..., k:]], axis=-1)
        ga = SolveTriangular.call(_mT(low), ga, True, True, True)
    else:  # tall: L = [L1; L2], L1 k x k
        l1 = low[..., :k, :]
        inner = xp.triu(matrix_product(gu, _mT(up)) - matrix_product(_mT(low), xp.tril(gl, -1)))
        ga = SolveTriangular.call(_mT(l1), inner, True, True, True)
        ga = xp.concatenate([ga + xp.tril(gl[..., :k, :], -1), gl[..., k:, :]], axis=-2)
        ga = SolveTriangular.call(_mT(up), ga, False, False, False)
    return matrix_product(_constant(p, ga), ga)


class LuFactor(Op):
    """The packed LU factorisation with partial pivoting of each matrix, its pivots and LAPACK's info."""

    node_name = "LinalgLuFactorExBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array) -> tuple:
        lu_, piv, info = _factor(a)
        ctx.mark_non_differentiable(piv, info)
        ctx.save_for_backward(lu_, piv)
        return lu_, piv, info

    @staticmethod
    def backward(ctx: Context, grad: Array, grad_piv: Array, grad_info: Array) -> tuple:
        lu_, piv = ctx.saved_tensors
        xp = namespace_of(grad, lu_)
        m, n = lu_.shape[-2:]
        k = min(m, n)
        low, up = _unpack(lu_)
        p = _permutation_matrix(array_of(piv), m, array_of(lu_).dtype)
        return (_lu_backward(xp.tril(grad[..., :, :k], -1), xp.triu(grad[..., :k, :]), p, low, up),)


class Lu(Op):
    """P, L and U with A = P L U for each matrix (partial pivoting)."""

    node_name = "LinalgLuBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array) -> tuple:
        lu_, piv, _ = _factor(a)
        low, up = _unpack(lu_)
        p = _permutation_matrix(piv, a.shape[-2], a.dtype)
        ctx.mark_non_differentiable(p)
        ctx.save_for_backward(p, low, up)
        return p, low, up

    @staticmethod
    def backward(ctx: Context, grad_p: Array, grad_l: Array, grad_u: Array) -> tuple:
        p, low, up = ctx.saved_tensors
        return (_lu_backward(grad_l, grad_u, array_of(p), low, up),)


class LuUnpack(Op):
    """P, L and U of a packed factorisation and its pivots (empty where not asked for)."""

    @staticmethod
    def forward(ctx: Context, lu_: Array, piv: Array, unpack_data: bool, unpack_pivots: bool) -> tuple:
        xp = array_module(lu_)
        empty = xp.zeros((0,), dtype=lu_.dtype)
        m = lu_.shape[-2]
        p = _permutation_matrix(piv, m, lu_.dtype) if unpack_pivots else empty
        low, up = _unpack(lu_) if unpack_data else (empty, empty.copy())
        ctx.shape, ctx.unpack_data = lu_.shape, unpack_data
        ctx.mark_non_differentiable(p)
        return p, low, up

    @staticmethod
    def backward(ctx: Context, grad_p: Array, grad_l: Array, grad_u: Array) -> tuple:
        if not ctx.unpack_data:
            return None, None, None, None
        xp = namespace_of(grad_l, grad_u)
        m, n = ctx.shape[-2:]
        gl, gu = xp.tril(grad_l, -1), xp.triu(grad_u)
        if m < n:  # L is m x m: its columns pad to n
            gl = xp.concatenate([gl, xp.zeros_like(gu[..., :, m:])], axis=-1)
        elif m > n:  # U is n x n: its rows pad to m
            gu = xp.concatenate([gu, xp.zeros_like(gl[..., n:, :])], axis=-2)
        return gl + gu, None, None, None


def _solve_factored(lu_: Array, piv: Array, b: Array, adjoint: bool) -> Array:
    """op(A)^-1 B for A = P L U given packed (op: the transpose with ``adjoint``), batches broadcasting."""
    xp = array_module(lu_, b)
    low, up = _unpack(lu_)
    p = _permutation_matrix(piv, lu_.shape[-1], lu_.dtype)
    if adjoint:  # A^T X = B: X = P L^-T U^-T B
        y = _solve_triangle(xp.swapaxes(up, -1, -2), b, False)
        return matrix_product(p, _solve_triangle(xp.swapaxes(low, -1, -2), y, True))
    y = _solve_triangle(low, matrix_product(xp.swapaxes(p, -1, -2), b), False)
    return _solve_triangle(up, y, True)


class LuSolve(Op):
    """X with op(A) X = B (``left``) or X op(A) = B, A given by its packed LU and pivots, op the transpose with
    ``adjoint``."""

    node_name = "LinalgLuSolveBackward0"

    @staticmethod
    def forward(ctx: Context, lu_: Array, piv: Array, b: Array, left: bool, adjoint: bool) -> Array:
        xp = array_module(lu_, b)
        ctx.left, ctx.adjoint = left, adjoint
        if left:
            out = _solve_factored(lu_, piv, b, adjoint)
        else:  # X op(A) = B: op(A)^T X^T = B^T
            out = xp.swapaxes(_solve_factored(lu_, piv, xp.swapaxes(b, -1, -2), not adjoint), -1, -2)
        ctx.save_for_backward(lu_, piv, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        lu_, piv, x = ctx.saved_tensors
        left, adjoint = ctx.left, ctx.adjoint
        needs = ctx.needs_input_grad
        gb = LuSolve.call(lu_, piv, grad, left, not adjoint)  # op(A)^-T G, or G op(A)^-T
        if not needs[0]:
            return None, None, gb, None, None
        g_op = -matrix_product(gb, _mT(x)) if left else -matrix_product(_mT(x), gb)
        ga = _mT(g_op) if adjoint else g_op
        xp = namespace_of(ga, lu_)
        low, up = _unpack(lu_)
        p = _permutation_matrix(array_of(piv), lu_.shape[-1], array_of(lu_).dtype)
        permuted = matrix_product(_constant(array_module(p).swapaxes(p, -1, -2), ga), ga)  # P^T gA
        glu = xp.tril(matrix_product(permuted, _mT(up)), -1) + xp.triu(matrix_product(_mT(low), permuted))
        return glu, None, (gb if needs[2] else None), None, None


# ------------------------------------------------------------------ wrappers
def _check_factor_input(name: str, A: Tensor) -> None:
    if A.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead")
    if not A.dtype.is_floating_point or A.dtype is dtypes.float16:
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{A.dtype._scalar_name}'")


def _check_pivot(name: str, pivot: bool) -> None:
    if not pivot:  # (torch has no unpivoted LU on the CPU either)
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU")


def _singular_error(name: str, info: Array) -> LinAlgError:
    """torch's error for the first matrix with a zero pivot."""
    flat = info.reshape(-1)
    failed = int(array_module(flat).argmax(flat != 0))
    where_ = f"(Batch element {failed}): " if info.ndim > 0 else ""
    k = int(flat[failed])
    return LinAlgError(
        f"torch.{name}: {where_}U[{k},{k}] is zero and using it on lu_solve would result in a division by "
        "zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
        "linalg.lu_factor_ex(A, pivot)"
    )


def linalg_lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> Any:
    """``torch.linalg.lu_factor_ex``: (LU, pivots, info), LAPACK's getrf: L and U packed into LU, the 1-based row
    swaps (int32) and, per matrix, the 1-based index of the first zero pivot (0: none).

    Args:
        A: a (batch of) m x n matrices.
        pivot: must be True (LU without pivoting is not implemented on the CPU, in torch either).
        check_errors: raise ``LinAlgError`` where a matrix has a zero pivot.
    """
    _check_factor_input("torch.lu_factor", A)
    _check_pivot("linalg.lu_factor", pivot)
    lu_, piv, info = LuFactor.apply(A)
    if check_errors and bool((info._data != 0).any()):
        raise _singular_error("linalg.lu_factor_ex", info._data)
    return ReturnLuFactorEx(lu_, piv, info)


def linalg_lu_factor(A: Tensor, *, pivot: bool = True) -> Any:
    """``torch.linalg.lu_factor``: (LU, pivots) as ``lu_factor_ex``; ``LinAlgError`` where a matrix is singular.

    Args:
        A: a (batch of) m x n matrices.
        pivot: must be True (as on torch's CPU).
    """
    lu_, piv, info = linalg_lu_factor_ex(A, pivot=pivot)
    if bool((info._data != 0).any()):
        raise _singular_error("linalg.lu_factor", info._data)
    return ReturnLuFactor(lu_, piv)


def linalg_lu(A: Tensor, *, pivot: bool = True) -> Any:
    """``torch.linalg.lu``: (P, L, U) with ``A = P @ L @ U``, L m x k unit-lower, U k x n upper (k = min(m, n)).

    Args:
        A: a (batch of) m x n matrices (singular ones too).
        pivot: must be True (as on torch's CPU).
    """
    _check_factor_input("linalg.lu", A)
    _check_pivot("linalg.lu_factor", pivot)
    return ReturnLu(*Lu.apply(A))


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True) -> Any:
    """``torch.lu_unpack``: (P, L, U) from ``lu_factor``'s packed LU and pivots (an empty tensor for what is not
    unpacked).

    Args:
        LU_data: the packed factors, m x n.
        LU_pivots: the int32 pivots, min(m, n) of them per matrix.
        unpack_data: compute L and U.
        unpack_pivots: compute P.
    """
    if LU_data.ndim < 2:
        raise RuntimeError(
            f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: {list(LU_data.shape)} instead"
        )
    if unpack_pivots:
        if LU_pivots.dtype is not dtypes.int32:
            raise RuntimeError(
                "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                "Note: this function is intended to be used with the output produced by torch.linalg.lu_factor"
            )
        raw = LU_pivots._data
        if raw.size and bool(((raw < 1) | (raw > LU_data.shape[-2])).any()):
            raise RuntimeError(
                "pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive."
                "Did you properly pass the result of lu_factor?"
            )
    return ReturnLuUnpack(*LuUnpack.apply(LU_data, LU_pivots, bool(unpack_data), bool(unpack_pivots)))


def linalg_lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """``torch.linalg.lu_solve``: X with ``op(A) @ X = B`` (``left``) or ``X @ op(A) = B``, A = P L U given by
    ``lu_factor``'s LU and pivots, op(A) = A^T with ``adjoint``.

    Args:
        LU: the packed factors of a (batch of) square matrices.
        pivots: their int32 pivots.
        B: a (batch of) matrices; batch dimensions broadcast with LU's.
        left: solve op(A) X = B (True) or X op(A) = B.
        adjoint: solve with A's transpose.
    """
    if B.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    if LU.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor LU must have at least 2 dimensions.")
    n = LU.shape[-1]
    if LU.shape[-2] != n:
        raise RuntimeError(
            f"torch.linalg.lu_solve: A must be batches of square matrices, but they are {LU.shape[-2]} by {n} matrices"
        )
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(
            f"linalg.lu_solve: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
            f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    if LU.dtype is not B.dtype:
        raise RuntimeError(
            "linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
            f"{LU.dtype._scalar_name} and B of type {B.dtype._scalar_name} instead"
        )
    if pivots.dtype is not dtypes.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if pivots.shape[-1:] != LU.shape[-1:]:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the dimension of the matrix")
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError(
            "linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
            f"{list(pivots.shape)} instead"
        )
    broadcast_shape(tuple(LU.shape[:-2]), tuple(B.shape[:-2]))  # (torch's error where they do not broadcast)
    return LuSolve.apply(LU, pivots, B, bool(left), bool(adjoint))


_LU_DEPRECATED = (
    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be removed in a "
    "future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be replaced with\n"
    "LU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
    "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
    "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)"
)
_LU_SOLVE_DEPRECATED = (
    "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future PyTorch release.\n"
    "Note that torch.linalg.lu_solve has its arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\n"
    "should be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)"
)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> Any:
    """``torch.lu`` (deprecated in torch, with its warning): (LU, pivots) of ``linalg.lu_factor``, or with
    ``get_infos`` (LU, pivots, info) of ``linalg.lu_factor_ex``; a singular matrix raises nothing (as torch's)."""
    warnings.warn(_LU_DEPRECATED, UserWarning, stacklevel=2)
    lu_, piv, info = linalg_lu_factor_ex(A, pivot=pivot)
    return _ReturnLuWithInfo(lu_, piv, info) if get_infos else (lu_, piv)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    """``torch.lu_solve`` (deprecated in torch, with its warning): ``linalg.lu_solve(LU_data, LU_pivots, b)``."""
    warnings.warn(_LU_SOLVE_DEPRECATED, UserWarning, stacklevel=2)
    return linalg_lu_solve(LU_data, LU_pivots, b)
