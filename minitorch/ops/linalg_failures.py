"""What a failed factorisation reports, as torch: ``LinAlgError``, LAPACK's ``info`` per matrix, torch's messages, the
``_ex`` variants' (result, info) and the ``torch.return_types`` the linear algebra returns.

LAPACK's ``info`` per matrix (0: the factorisation went through) is the first zero pivot of an LU factorisation
(inv, solve) or the order of the first leading minor that is not positive-definite (cholesky). numpy raises without
it, so it is worked out here, matrix by matrix, only once a factorisation has failed.
"""

from __future__ import annotations

import collections
from typing import Any

from ..backend import Array, array_module
from ..tensor import Tensor
from .selection import where


def named_result(type_name: str, fields: list) -> type:
    """A namedtuple printed as torch prints its ``torch.return_types`` (``torch.return_types.linalg_inv_ex(...)``)."""
    base = collections.namedtuple("_" + type_name, fields)  # type: ignore[misc]

    def __repr__(self: Any) -> str:
        inner = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"torch.return_types.{type_name}(\n{inner})"

    return type(type_name, (base,), {"__repr__": __repr__, "__slots__": ()})


class LinAlgError(RuntimeError):
    """A factorisation failed (a singular matrix, one not positive-definite): ``torch.linalg.LinAlgError``."""


def _batch_prefix(a: Array, failed: int) -> str:
    return f"(Batch element {failed}): " if a.ndim > 2 else ""


def _matrices(a: Array) -> Array:
    return a.reshape((-1,) + a.shape[-2:])


def zero_pivot(m: Array) -> int:
    """The 1-based column of the first zero pivot of ``m``'s LU factorisation with partial pivoting, as LAPACK's
    getrf reports it (0: none), by plain elimination."""
    u = m.astype(m.dtype, copy=True)
    n = u.shape[0]
    xp = array_module(u)
    for k in range(n):  # (columns of one matrix, on the error path)
        p = k + int(xp.argmax(xp.abs(u[k:, k])))
        if u[p, k] == 0:
            return k + 1
        if p != k:
            u[[k, p]] = u[[p, k]]
        u[k + 1 :, k:] -= xp.outer(u[k + 1 :, k] / u[k, k], u[k, k:])
    return 0


def bad_minor(m: Array) -> int:
    """The order of the first leading minor of ``m`` that is not positive-definite (0: none)."""
    xp = array_module(m)

    def fails(x: Array) -> bool:
        try:
            xp.linalg.cholesky(x)
        except xp.linalg.LinAlgError:
            return True
        return False

    if not fails(m):
        return 0
    good, bad = 0, m.shape[-1]  # the minor of order ``good`` is positive-definite, that of ``bad`` not
    while bad - good > 1:  # (a minor inside a positive-definite one is positive-definite: bisect)
        mid = (good + bad) // 2
        if fails(m[:mid, :mid]):
            bad = mid
        else:
            good = mid
    return bad


def _info(a: Array, of: Any) -> list:
    """``of(matrix)`` for each matrix of the batch ``a``, in order (the error path)."""
    return [of(m) for m in _matrices(a)]


def singular_error(name: str, a: Array, solver: bool = False) -> LinAlgError:
    """torch's error for a singular matrix in ``inv`` (or, ``solver``, in ``solve``), naming the first one."""
    info = _info(a, zero_pivot)
    failed = next((i for i, k in enumerate(info) if k), 0)
    where_ = _batch_prefix(a, failed)
    if solver:
        return LinAlgError(f"{name}: {where_}The solver failed because the input matrix is singular.")
    return LinAlgError(
        f"{name}: {where_}The diagonal element {max(1, info[failed])} is zero, the inversion could not be "
        "completed because the input matrix is singular."
    )


def not_positive_definite_error(a: Array, name: str = "linalg.cholesky") -> LinAlgError:
    """torch's error for a matrix that is not positive-definite, naming the first leading minor that is not."""
    info = _info(a, bad_minor)
    failed = next((i for i, k in enumerate(info) if k), 0)
    return LinAlgError(
        f"{name}: {_batch_prefix(a, failed)}The factorization could not be completed because the input is "
        f"not positive-definite (the leading minor of order {info[failed]} is not positive-definite)."
    )


def with_info(A: Tensor, run: Any, of: Any, error: Any, check_errors: bool, vectors: bool = False) -> tuple:
    """(``run(A)``, info as an int32 tensor of A's batch shape): zeros when the factorisation goes through; else
    LAPACK's info per matrix and NaN in the results of the matrices that failed (torch leaves what LAPACK left
    there), or, with ``check_errors``, ``error``'s LinAlgError. ``vectors``: the results are vectors, not matrices."""
    raw = A._data
    xp = array_module(raw)
    try:
        return run(A), Tensor._wrap(xp.zeros(raw.shape[:-2], dtype=xp.int32))
    except LinAlgError:
        if check_errors:
            raise error(raw) from None
    info = xp.asarray(_info(raw, of), dtype=xp.int32).reshape(raw.shape[:-2])
    failed = Tensor._wrap((info != 0)[..., None, None])
    eye = Tensor._wrap(xp.eye(raw.shape[-1], dtype=raw.dtype))
    out = run(where(failed, eye, A))  # (the failed matrices as identities: the others' results and gradients)
    mask = failed[..., 0] if vectors else failed
    return where(mask, float("nan"), out), Tensor._wrap(info)
