"""Linear algebra through factorisations: inv, det, slogdet, logdet, solve and cholesky, with torch's gradients.

Each forward is the array module's ``linalg`` routine over a batch of matrices (LAPACK through numpy on the
host, cuSOLVER through CuPy on a GPU). Each backward is torch's formula written with ``matrix_product`` and
``xp.linalg`` of its namespace, so that it differentiates again under ``create_graph`` (``tensor_numpy.linalg``
gives these ops on tensors). As in torch, the gradient of ``det`` at a singular matrix is zero (torch's
``det * A^-T``, with the zero determinant in front), and that of ``slogdet`` NaN.

A factorisation that fails on the host (a singular matrix, one that is not positive-definite) raises
``LinAlgError``, a RuntimeError as torch's ``torch.linalg.LinAlgError``, naming the op, the batch element and
torch's pivot or leading minor (``linalg_failures.py``; CuPy returns NaN there instead of raising, as its routines
do by default).
"""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, array_of, broadcast_shape, matrix_product, namespace_of
from .linalg_failures import (
    bad_minor,
    named_result,
    not_positive_definite_error,
    singular_error,
    with_info,
    zero_pivot,
)
from .selection import where

__all__ = [
    "det",
    "inverse",
    "linalg_cholesky",
    "linalg_cholesky_ex",
    "linalg_det",
    "linalg_inv",
    "linalg_inv_ex",
    "linalg_slogdet",
    "linalg_solve",
    "linalg_solve_ex",
    "logdet",
    "slogdet",
]


def _mT(x: Any) -> Any:
    """The matrices of a batch transposed (a view), on arrays or tensors."""
    return namespace_of(x).swapaxes(x, -1, -2)


def _eye_like(a: Any) -> Array:
    """An identity matrix of the size, dtype and device of the (batch of) matrices ``a``: a constant."""
    raw = array_of(a)
    return array_module(raw).eye(raw.shape[-1], dtype=raw.dtype)


def _expand(x: Any) -> Any:
    """A batch of numbers as a batch of 1x1 matrices, to scale matrices with."""
    return x[..., None, None]


# ------------------------------------------------------------------ the ops
class Inv(Op):
    """The inverse of each matrix of a batch."""

    node_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array) -> Array:
        xp = array_module(a)
        try:
            out = xp.linalg.inv(a)
        except xp.linalg.LinAlgError:
            raise singular_error("linalg.inv", a) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (inv,) = ctx.saved_tensors
        inv_t = _mT(inv)
        return -matrix_product(matrix_product(inv_t, grad), inv_t)  # -A^-T G A^-T


def _inverse_where_regular(a: Any, singular: Array) -> Any:
    """``A^-1`` of each matrix of ``a`` that is invertible (``singular``: a mask per matrix, False there); an
    identity in the place of the others, which callers mask out (no failed factorisation on the way)."""
    xp = namespace_of(a)
    fixed = xp.where(_expand(singular), _eye_like(a), a)
    return xp.linalg.inv(fixed)


class Det(Op):
    """The determinant of each matrix of a batch."""

    node_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array) -> Array:
        out = array_module(a).asarray(array_module(a).linalg.det(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, det = ctx.saved_tensors
        xp = namespace_of(grad, a, det)
        singular = array_module(array_of(det)).asarray(array_of(det) == 0)
        scaled = _expand(grad * det) * _mT(_inverse_where_regular(a, singular))  # d det / dA = det * A^-T
        return (xp.where(_expand(singular), 0, scaled),)


ReturnSlogdet = named_result("linalg_slogdet", ["sign", "logabsdet"])
_ReturnTopLevelSlogdet = named_result("slogdet", ["sign", "logabsdet"])


class Slogdet(Op):
    """The sign and the log of the absolute value of each determinant of a batch."""

    node_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array) -> tuple:
        xp = array_module(a)
        sign, logabsdet = xp.linalg.slogdet(a)
        sign, logabsdet = xp.asarray(sign), xp.asarray(logabsdet)
        ctx.save_for_backward(a, logabsdet)
        return sign, logabsdet

    @staticmethod
    def backward(ctx: Context, grad_sign: Array, grad_logabsdet: Array) -> tuple:
        a, logabsdet = ctx.saved_tensors
        xp = namespace_of(grad_logabsdet, a)
        # d log|det A| / dA = A^-T; the sign is piecewise constant (no gradient)
        singular = array_module(array_of(a)).asarray(array_of(logabsdet) == float("-inf"))
        scaled = _expand(grad_logabsdet) * _mT(_inverse_where_regular(a, singular))
        return (xp.where(_expand(singular), float("nan"), scaled),)


def _solve(a: Array, b: Array, vector: bool, left: bool) -> Array:
    """X with A X = B (``left``) or X A = B over broadcast batches; a vector B (A X = B only) gives a vector X."""
    xp = array_module(a, b)
    if vector:  # (a column: torch takes no vector for X A = B)
        b = b[..., None]
    elif not left:  # X A = B is A^T X^T = B^T
        a, b = xp.swapaxes(a, -1, -2), xp.swapaxes(b, -1, -2)
    batch = broadcast_shape(a.shape[:-2], b.shape[:-2])
    out = xp.linalg.solve(xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:]))
    if vector:
        return out[..., 0]
    return out if left else xp.swapaxes(out, -1, -2)


class Solve(Op):
    """The solution X of A X = B (``left``) or X A = B for batches of matrices; B may be a batch of vectors (A X = B)."""

    node_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, b: Array, vector: bool, left: bool) -> Array:
        xp = array_module(a, b)
        ctx.vector, ctx.left = vector, left
        try:
            out = _solve(a, b, vector, left)
        except xp.linalg.LinAlgError:
            batch = broadcast_shape(a.shape[:-2], b.shape[: -1 if vector else -2])
            raise singular_error("torch.linalg.solve", xp.broadcast_to(a, batch + a.shape[-2:]), solver=True) from None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, x = ctx.saved_tensors
        if ctx.vector:  # x = A^-1 b, as columns
            g, x = grad[..., None], x[..., None]
            gb = solve_matrices(_mT(a), g)
            ga = -matrix_product(gb, _mT(x))
            gb = gb[..., 0]
        elif ctx.left:  # X = A^-1 B: gB = A^-T G, gA = -gB X^T
            gb = solve_matrices(_mT(a), grad)
            ga = -matrix_product(gb, _mT(x))
        else:  # X = B A^-1: gB = G A^-T, gA = -X^T gB
            gb = _mT(solve_matrices(a, _mT(grad)))
            ga = -matrix_product(_mT(x), gb)
        needs = ctx.needs_input_grad
        return (ga if needs[0] else None), (gb if needs[1] else None), None, None


def solve_matrices(a: Any, b: Any) -> Any:
    """A^-1 B for batches of matrices (arrays, or tensors: ``Solve`` recorded), broadcasting their batch shapes."""
    return Solve.call(a, b, False, True)


def inverse_matrices(a: Any) -> Any:
    """A^-1 for a batch of matrices (an array, or a tensor: ``Inv`` recorded)."""
    return Inv.call(a)


class Cholesky(Op):
    """The lower-triangular L with L L^T = A (read from A's lower triangle), or its transpose (``upper``)."""

    node_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, upper: bool) -> Array:
        xp = array_module(a)
        try:
            low = xp.linalg.cholesky(a)
        except xp.linalg.LinAlgError:
            raise not_positive_definite_error(a) from None
        ctx.upper = upper
        out = xp.ascontiguousarray(xp.swapaxes(low, -1, -2)) if upper else low
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        (out,) = ctx.saved_tensors
        xp = namespace_of(grad, out)
        low, g = (_mT(out), _mT(grad)) if ctx.upper else (out, grad)
        # Murray (2016), as torch: Phi = tril(L^T G) made symmetric with its diagonal halved, then
        # dA = L^-T Phi L^-1 (two triangular solves, here general ones).
        phi = xp.tril(matrix_product(_mT(low), g))
        phi = 0.5 * (phi + _mT(xp.tril(phi, -1)))
        left = solve_matrices(_mT(low), phi)
        return _mT(solve_matrices(_mT(low), _mT(left))), None


# ------------------------------------------------------------------ wrappers
def _check_matrices(name: str, input: Tensor, low_precision: str = "linalg") -> None:
    """torch's checks of a square-matrix op's argument: a floating tensor of (batches of) square matrices."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'A' (position 1) must be Tensor, not {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are {input.shape[-2]} by {input.shape[-1]} "
            "matrices"
        )
    _check_dtype(name, input, low_precision)


def _check_dtype(name: str, input: Tensor, low_precision: str = "linalg") -> None:
    dt = input.dtype
    if not dt.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {dt._scalar_name}")
    if dt is dtypes.float16:
        if low_precision == "lu":  # the determinants factorise with torch's lu kernel, which names itself
            raise NotImplementedError(f"\"lu_cpu\" not implemented for '{dt._scalar_name}'")
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {dt._scalar_name}")


def linalg_inv(A: Tensor) -> Tensor:
    """``torch.linalg.inv``: the inverse of each square matrix of ``A`` (LinAlgError where one is singular)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_inv):
        return autocast_mode.run("linalg_inv", linalg_inv, A)
    _check_matrices("linalg.inv", A)
    return Inv.apply(A)


def inverse(input: Tensor) -> Tensor:
    """``torch.inverse``: ``linalg.inv``."""
    if autocast_mode.enabled_threads and autocast_mode.wants(inverse):
        return autocast_mode.run("inverse", inverse, input)
    return linalg_inv(input)


def linalg_det(A: Tensor) -> Tensor:
    """``torch.linalg.det``: the determinant of each square matrix of ``A``."""
    _check_matrices("linalg.det", A, "lu")
    return Det.apply(A)


def det(input: Tensor) -> Tensor:
    """``torch.det``: ``linalg.det``."""
    return linalg_det(input)


def linalg_slogdet(A: Tensor) -> Any:
    """``torch.linalg.slogdet``: (sign, log of the absolute value) of each determinant of ``A``."""
    _check_matrices("linalg.slogdet", A, "lu")
    return ReturnSlogdet(*Slogdet.apply(A))


def slogdet(input: Tensor) -> Any:
    """``torch.slogdet``: ``linalg.slogdet`` (its result named ``torch.return_types.slogdet``)."""
    return _ReturnTopLevelSlogdet(*linalg_slogdet(input))


def logdet(input: Tensor) -> Tensor:
    """``torch.logdet``: the log of each determinant, NaN where it is negative (from ``slogdet``, as torch)."""
    _check_matrices("logdet", input, "lu")
    sign, logabsdet = Slogdet.apply(input)
    return where(sign == -1, float("nan"), logabsdet)


def _vector_rhs(A: Tensor, B: Tensor) -> bool:
    """torch's rule for solve: B is a (batch of) vectors when 1-D, or of A's shape without its last dimension."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def linalg_solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """``torch.linalg.solve``: X with ``A @ X = B`` (``left``) or ``X @ A = B``.

    Args:
        A: a (batch of) square matrices.
        B: a (batch of) matrices, or of vectors (1-D, or of A's shape without its last dimension); the batch
            dimensions of A and B broadcast.
        left: solve A X = B (True) or X A = B.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_solve):
        return autocast_mode.run("linalg_solve", linalg_solve, A, B, left=left)
    if not isinstance(A, Tensor) or not isinstance(B, Tensor):
        raise TypeError("linalg_solve(): argument 'A' and 'B' must be Tensor")
    for name, t in (("A", A), ("B", B)):
        if t.ndim < (2 if name == "A" else 1):
            raise RuntimeError(f"linalg.solve: The input tensor {name} must have at least 2 dimensions.")
    _check_matrices("linalg.solve", A)
    _check_dtype("linalg.solve", B)
    if A.dtype is not B.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type {A.dtype._scalar_name} and "
            f"B of type {B.dtype._scalar_name} instead"
        )
    vector = _vector_rhs(A, B)
    n = A.shape[-1]
    # B as the matrix torch checks: a vector is a column, for XA = B too (so only 1x1 matrices take one there)
    rows, cols = (B.shape[-1], 1) if vector else (B.shape[-2], B.shape[-1])
    if (rows if left else cols) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation {equation} ({n}x{n} and {rows}x{cols})"
        )
    if vector and not left:
        raise RuntimeError(
            "linalg.solve: Vector broadcasting of the left hand side is not supported for left=False. In this case "
            "linalg.solve is equivalent to B / A.squeeze(-1)"
        )
    batch_a = tuple(A.shape[:-2])
    batch_b = tuple(B.shape[:-1] if vector else B.shape[:-2])
    ndim = max(len(batch_a), len(batch_b))
    for i, (x, y) in enumerate(zip(reversed(batch_b), reversed(batch_a))):  # (torch names B's batch "tensor a")
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension "
                f"{ndim - 1 - i}"
            )
    return Solve.apply(A, B, vector, left)


def linalg_cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """``torch.linalg.cholesky``: L lower-triangular with ``L @ L.mT = A`` for each symmetric positive-definite
    matrix of ``A`` (its lower triangle is read), or ``L.mT`` with ``upper``."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_cholesky):
        return autocast_mode.run("linalg_cholesky", linalg_cholesky, A, upper=upper)
    _check_matrices("linalg.cholesky", A)
    return Cholesky.apply(A, bool(upper))


# ------------------------------------------------------------------ the _ex variants: LAPACK's info beside the result
ReturnInvEx = named_result("linalg_inv_ex", ["inverse", "info"])
ReturnCholeskyEx = named_result("linalg_cholesky_ex", ["L", "info"])
ReturnSolveEx = named_result("linalg_solve_ex", ["result", "info"])


def linalg_inv_ex(A: Tensor, *, check_errors: bool = False) -> Any:
    """``torch.linalg.inv_ex``: (inverse, info), info LAPACK's per matrix (the first zero pivot; 0: invertible)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_inv_ex):
        return autocast_mode.run("linalg_inv_ex", linalg_inv_ex, A, check_errors=check_errors)
    _check_matrices("linalg.inv_ex", A)
    return ReturnInvEx(*with_info(A, Inv.apply, zero_pivot, lambda a: singular_error("linalg.inv_ex", a), check_errors))


def linalg_cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> Any:
    """``torch.linalg.cholesky_ex``: (L, info), info the order of the first leading minor that is not
    positive-definite (0: none)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_cholesky_ex):
        return autocast_mode.run("linalg_cholesky_ex", linalg_cholesky_ex, A, upper=upper, check_errors=check_errors)
    _check_matrices("linalg.cholesky_ex", A)
    factor = with_info(
        A,
        lambda a: Cholesky.apply(a, bool(upper)),
        bad_minor,
        lambda a: not_positive_definite_error(a, "linalg.cholesky_ex"),
        check_errors,
    )
    return ReturnCholeskyEx(*factor)


def linalg_solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> Any:
    """``torch.linalg.solve_ex``: (result, info) of ``linalg.solve``, info LAPACK's per matrix of A."""
    vector = _vector_rhs(A, B)
    found = with_info(
        A,
        lambda a: linalg_solve(a, B, left=left),
        zero_pivot,
        lambda a: singular_error("torch.linalg.solve_ex", a, solver=True),
        check_errors,
        vector,
    )
    return ReturnSolveEx(*found)
