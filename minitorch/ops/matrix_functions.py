"""Functions of matrices built on the factorisations: linalg.matrix_exp, cond, lstsq, multi_dot, vecdot, vander,
diagonal, tensorinv and tensorsolve, as torch.linalg has them.

``matrix_exp`` is an op of its own: scaling and squaring with the [13/13] Pade approximant (Higham 2005), one
scaling per matrix of a batch; its gradient is torch's, the top-right block of the exponential of
[[A^T, G], [0, A^T]] (so it differentiates again). The rest are compositions of recorded ops, as torch composes
them, so their gradients follow.
"""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, matrix_product, namespace_of
from .cumulative import cumprod
from .decompositions import _check_matrices, linalg_inv, linalg_solve
from .join import cat
from .linalg import _scalar_name, _vector_pair, matmul
from .linalg_failures import named_result
from .matrix import diagonal
from .norms import matrix_norm
from .spectral import linalg_matrix_rank, linalg_pinv, linalg_svdvals

__all__ = [
    "linalg_cond",
    "linalg_diagonal",
    "linalg_lstsq",
    "linalg_matrix_exp",
    "linalg_multi_dot",
    "linalg_tensorinv",
    "linalg_tensorsolve",
    "linalg_vander",
    "linalg_vecdot",
    "matrix_exp",
]

# The [13/13] Pade approximant's coefficients, and the 1-norm up to which it is accurate to double precision.
_PADE13 = (
    64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
    10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0,
)  # fmt: skip
_THETA13 = 5.371920351148152


def _expm(a: Array) -> Array:
    """exp of each matrix of a batch, in float64 (scaling and squaring, [13/13] Pade)."""
    xp = array_module(a)
    a = a.astype(xp.float64)
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    norm = xp.abs(a).sum(axis=-2).max(axis=-1)  # the 1-norm of each matrix
    ratio = xp.where(norm > 0, norm / _THETA13, 1.0)
    squarings = xp.maximum(0, xp.ceil(xp.log2(ratio))).astype(xp.int64)
    scaled = a / (2.0 ** squarings.astype(xp.float64))[..., None, None]
    eye = xp.eye(n, dtype=xp.float64)
    b = _PADE13
    a2 = matrix_product(scaled, scaled)
    a4 = matrix_product(a2, a2)
    a6 = matrix_product(a4, a2)
    u = matrix_product(a6, b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye
    u = matrix_product(scaled, u)
    v = matrix_product(a6, b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    out = xp.linalg.solve(v - u, v + u)
    most = int(squarings.max()) if squarings.size else 0  # (one read of the batch's largest count)
    for step in range(most):  # square each matrix as often as it was scaled down
        out = xp.where((squarings > step)[..., None, None], matrix_product(out, out), out)
    return out


class MatrixExp(Op):
    """The matrix exponential of each matrix of a batch."""

    node_name = "LinalgMatrixExpBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array) -> Array:
        ctx.save_for_backward(a)
        return _expm(a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> Array:
        (a,) = ctx.saved_tensors
        xp = namespace_of(grad, a)
        n = a.shape[-1]
        at = xp.swapaxes(a, -1, -2)
        top = xp.concatenate([at, grad], axis=-1)
        bottom = xp.concatenate([xp.zeros_like(at), at], axis=-1)
        block = MatrixExp.call(xp.concatenate([top, bottom], axis=-2))
        return block[..., :n, n:]


def linalg_matrix_exp(A: Tensor) -> Tensor:
    """``torch.linalg.matrix_exp``: the exponential of each square matrix of ``A``."""
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_exp: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.matrix_exp: A must be batches of square matrices, but they are {A.shape[-2]} by {A.shape[-1]} "
            "matrices"
        )
    if not A.dtype.is_floating_point:
        raise RuntimeError(
            f"linalg.matrix_exp: Expected a floating point or complex tensor as input. Got {A.dtype._scalar_name}"
        )
    return MatrixExp.apply(A)


def matrix_exp(input: Tensor) -> Tensor:
    """``torch.matrix_exp``: ``linalg.matrix_exp``."""
    return linalg_matrix_exp(input)


def linalg_cond(A: Tensor, p: Any = None) -> Tensor:
    """``torch.linalg.cond``: the condition number in the norm ``p``: the ratio of the extreme singular values for
    None, 2 and -2; else ``norm(A, p) * norm(A^-1, p)`` (square matrices; inf where one is singular)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_cond):
        return autocast_mode.run("linalg_cond", linalg_cond, A, p)
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor A must have at least 2 dimensions.")
    if p is None or p in (2, -2):
        values = linalg_svdvals(A)
        return values[..., -1] / values[..., 0] if p == -2 else values[..., 0] / values[..., -1]
    _check_matrices("linalg.cond", A)
    return matrix_norm(A, p) * matrix_norm(linalg_inv(A), p)


ReturnLstsq = named_result("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def linalg_lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> Any:
    """``torch.linalg.lstsq``: X minimising ||A X - B|| (the minimum-norm one), through the pseudo-inverse.

    The other fields follow torch's default CPU driver ('gelsy'): the rank, and empty residuals and singular values.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_lstsq):
        return autocast_mode.run("linalg_lstsq", linalg_lstsq, A, B, rcond, driver=driver)
    if driver not in (None, "gelsy", "gels", "gelsd", "gelss"):
        raise RuntimeError(
            f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), but got {driver}"
        )
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    vector = B.ndim == A.ndim - 1
    b = B.unsqueeze(-1) if vector else B
    if b.shape[-2] != A.shape[-2]:
        raise RuntimeError(
            f"torch.linalg.lstsq: input.size(-2) should match other.size(-2). Got {A.shape[-2]} and {b.shape[-2]}"
        )
    pinv = linalg_pinv(A, rtol=rcond) if rcond is not None else linalg_pinv(A)
    solution = matmul(pinv, b)
    if vector:
        solution = solution.squeeze(-1)
    rank = linalg_matrix_rank(A.detach(), rtol=rcond) if rcond is not None else linalg_matrix_rank(A.detach())
    empty = creation.zeros(0, dtype=A.dtype, device=A.device)
    return ReturnLstsq(solution, empty, rank, creation.zeros(0, dtype=A.dtype, device=A.device))


def linalg_multi_dot(tensors: Any) -> Tensor:
    """``torch.linalg.multi_dot``: the product of a chain of matrices (the first and last may be vectors), in the
    order that costs the fewest multiplications (the classic chain-order dynamic programme, as torch)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_multi_dot):
        return autocast_mode.run("linalg_multi_dot", linalg_multi_dot, tensors)
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0], tensors[-1]
    mats = [first.unsqueeze(0) if first.ndim == 1 else first] + tensors[1:-1]
    mats.append(last.unsqueeze(-1) if last.ndim == 1 else last)
    for i, t in enumerate(mats):
        if t.ndim != 2:
            which = "first" if i == 0 else "last" if i == len(mats) - 1 else None
            if which:
                raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {tensors[i].ndim}D")
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                f"{list(tensors[i + 1].shape)} cannot be multiplied"
            )
    out = _chain(mats, _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]]), 0, len(mats) - 1)
    if first.ndim == 1 and last.ndim == 1:
        return out.reshape(())
    if first.ndim == 1:
        return out.squeeze(0)
    return out.squeeze(-1) if last.ndim == 1 else out


def _chain_order(dims: list) -> list:
    """split[i][j]: where the cheapest product of matrices i..j splits (matrix k is dims[k] x dims[k + 1])."""
    n = len(dims) - 1
    cost: list = [[0.0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):  # (a chain of a few matrices: plain loops over its length)
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(mats: list, split: list, i: int, j: int) -> Tensor:
    if i == j:
        return mats[i]
    k = split[i][j]
    return matmul(_chain(mats, split, i, k), _chain(mats, split, k + 1, j))


def linalg_vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """``torch.linalg.vecdot``: the dot products of vectors along ``dim`` (operands broadcast)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_vecdot):
        return autocast_mode.run("linalg_vecdot", linalg_vecdot, x, y, dim=dim)
    if x.dtype is not y.dtype:
        raise RuntimeError(
            f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type {_scalar_name(x)} and y of "
            f"type {_scalar_name(y)} instead"
        )
    if x.ndim == 1 and y.ndim == 1:  # torch's dot then: one length, no broadcasting
        _vector_pair(x, y)
    return (x * y).sum(dim)


def linalg_vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """``torch.linalg.vander``: the Vandermonde matrix of the last dimension, increasing powers x^0 .. x^(N-1)."""
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension.")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    ones = creation.ones(*x.shape, 1, dtype=x.dtype, device=x.device)
    powers = cumprod(x.unsqueeze(-1).expand(*x.shape, n - 1), -1)
    return cat([ones, powers], -1)


def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``torch.linalg.diagonal``: ``torch.diagonal`` with the last two dimensions by default."""
    return diagonal(A, offset, dim1, dim2)


def linalg_tensorinv(A: Tensor, ind: int = 2) -> Tensor:
    """``torch.linalg.tensorinv``: the inverse of ``A`` read as a matrix of its first ``ind`` dims by the rest."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_tensorinv):
        return autocast_mode.run("linalg_tensorinv", linalg_tensorinv, A, ind)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    m, n = math.prod(rows), math.prod(cols)
    if m != n:
        raise RuntimeError(
            f"Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
            f"{n} != {m}"
        )
    return linalg_inv(A.reshape(m, n)).reshape(*cols, *rows)


def linalg_tensorsolve(A: Tensor, B: Tensor, dims: Any = None) -> Tensor:
    """``torch.linalg.tensorsolve``: X with ``tensordot(A, X, X.ndim) = B`` (``dims``: A's dims moved last first)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_tensorsolve):
        return autocast_mode.run("linalg_tensorsolve", linalg_tensorsolve, A, B, dims)
    if dims is not None:
        keep = [d for d in range(A.ndim) if d not in [x % A.ndim for x in dims]]
        A = A.permute(*keep, *[x % A.ndim for x in dims])
    rest = tuple(A.shape[B.ndim :])
    n = math.prod(rest)
    return linalg_solve(A.reshape(-1, n), B.reshape(-1)).reshape(*rest)
