"""Spectral factorisations with torch's gradients: eigh, eigvalsh, svd, svdvals, pinv and matrix_rank.

Forwards are the array module's ``linalg.eigh`` and ``linalg.svd`` over batches (LAPACK on the host, cuSOLVER on
a GPU); the eigenvalues come in ascending order, the singular values descending, as in torch. Eigenvectors and
singular vectors are defined up to sign (LAPACK builds differ), so only functions that do not depend on those
signs match torch's bit for bit in meaning; their gradients are torch's formulas, finite where the values are
distinct (as in torch: repeated eigenvalues or singular values make the vectors' gradients infinite).

``eigvalsh`` and ``svdvals`` are ops of their own: their gradient ``V diag(g) V^T`` (``U diag(g) V^T``) stays
finite at repeated values, and under ``create_graph`` it is recomputed through ``eigh`` (``svd``) on the graph.
"""

from __future__ import annotations

from typing import Any

from .. import creation, dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, array_of, matrix_product
from .decompositions import _eye_like, _mT
from .linalg_failures import named_result

__all__ = [
    "linalg_eigh",
    "linalg_eigvalsh",
    "linalg_matrix_rank",
    "linalg_pinv",
    "linalg_svd",
    "linalg_svdvals",
    "pinverse",
    "svd",
]


ReturnEigh = named_result("linalg_eigh", ["eigenvalues", "eigenvectors"])
ReturnSvd = named_result("linalg_svd", ["U", "S", "Vh"])
ReturnLegacySvd = named_result("svd", ["U", "S", "V"])


def _diagonal_matrix(values: Any, like: Any) -> Any:
    """The batch of diagonal matrices with ``values`` on their diagonals (arrays or tensors)."""
    return values[..., None] * _eye_like(like)


# ------------------------------------------------------------------ eigh
def _eigh_gradient(values: Any, vectors: Any, g_values: Any, g_vectors: Any) -> Any:
    """torch's gradient of a symmetric eigendecomposition: V (diag(gL) + skew(V^T gV) / E) V^T, E_ij = L_j - L_i."""
    vtgv = matrix_product(_mT(vectors), g_vectors)
    skew = 0.5 * (vtgv - _mT(vtgv))  # the tangent space of the orthogonal group at V
    gaps = values[..., None, :] - values[..., :, None] + _eye_like(vectors)  # (1 on the diagonal, where skew is 0)
    inner = skew / gaps + _diagonal_matrix(g_values, vectors)
    return matrix_product(matrix_product(vectors, inner), _mT(vectors))


class Eigh(Op):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices (one triangle read: ``uplo``)."""

    node_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, uplo: str) -> tuple:
        values, vectors = array_module(a).linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx: Context, g_values: Array, g_vectors: Array) -> tuple:
        values, vectors = ctx.saved_tensors
        return _eigh_gradient(values, vectors, g_values, g_vectors), None


class Eigvalsh(Op):
    """The eigenvalues alone: its gradient V diag(gL) V^T stays finite where eigenvalues repeat."""

    node_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, uplo: str) -> Array:
        values, vectors = array_module(a).linalg.eigh(a, UPLO=uplo)
        ctx.uplo = uplo
        ctx.save_for_backward(a, vectors)
        return values

    @staticmethod
    def backward(ctx: Context, g_values: Array) -> tuple:
        a, vectors = ctx.saved_tensors
        if vectors is None:  # create_graph: the eigenvectors again, on the graph
            vectors = Eigh.apply(a, ctx.uplo)[1]
        scaled = vectors * g_values[..., None, :]
        return matrix_product(scaled, _mT(vectors)), None


# ------------------------------------------------------------------ svd
def _svd_gradient(u: Any, s: Any, vh: Any, gu: Any, gs: Any, gvh: Any) -> Any:
    """torch's gradient of a reduced SVD A = U diag(S) Vh (k = min(m, n) singular triplets)."""
    m, n = u.shape[-2], vh.shape[-1]
    eye = _eye_like(vh if m >= n else u)  # k x k
    uhgu = matrix_product(_mT(u), gu)
    uhgu = uhgu - _mT(uhgu)
    vhgv = matrix_product(vh, _mT(gvh))
    vhgv = vhgv - _mT(vhgv)
    s2 = s * s
    gaps = s2[..., None, :] - s2[..., :, None] + eye
    inner = (uhgu * s[..., None, :] + s[..., :, None] * vhgv) / gaps + _diagonal_matrix(gs, eye)
    if m > n:  # U's columns span a subspace: gU's part outside it, through S^-1
        gu_sinv = gu / s[..., None, :]
        outer = matrix_product(u, inner) + gu_sinv - matrix_product(u, matrix_product(_mT(u), gu_sinv))
        return matrix_product(outer, vh)
    if m < n:
        sinv_gvh = gvh / s[..., :, None]
        outer = matrix_product(inner, vh) + sinv_gvh - matrix_product(matrix_product(sinv_gvh, _mT(vh)), vh)
        return matrix_product(u, outer)
    return matrix_product(u, matrix_product(inner, vh))


class Svd(Op):
    """U, S (descending), Vh with A = U diag(S) Vh; ``full_matrices``: U and Vh square."""

    node_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, full_matrices: bool) -> tuple:
        u, s, vh = array_module(a).linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx: Context, gu: Array, gs: Array, gvh: Array) -> tuple:
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        # full_matrices: the columns past k span a complement of any basis; their gradients are ignored (torch)
        u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
        return _svd_gradient(u, s, vh, gu, gs, gvh), None


class Svdvals(Op):
    """The singular values alone: gradient U diag(gS) Vh, finite where singular values repeat."""

    node_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array) -> Array:
        u, s, vh = array_module(a).linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(a, u, vh)
        return s

    @staticmethod
    def backward(ctx: Context, gs: Array) -> tuple:
        a, u, vh = ctx.saved_tensors
        if u is None:  # create_graph: the singular vectors again, on the graph
            u, _, vh = Svd.apply(a, False)
        return matrix_product(u * gs[..., None, :], vh), None


# ------------------------------------------------------------------ pinv
def _cutoff(xp: Any, largest: Array, atol: Any, rtol: Any, m: int, n: int, dtype: Any) -> Array:
    """torch's threshold below which a singular value (an eigenvalue's magnitude) counts as zero:
    max(atol, rtol * largest), rtol defaulting to eps * max(m, n) (to 0 where only a positive atol is given)."""
    if rtol is None:
        rtol = 0.0 if atol is not None and not _all_zero(atol) else float(xp.finfo(dtype).eps) * max(m, n)
    atol = 0.0 if atol is None else atol
    return xp.maximum(_as_array(xp, atol, dtype), _as_array(xp, rtol, dtype) * largest)


def _all_zero(value: Any) -> bool:
    """Whether a tolerance (a number, or an array per matrix) is zero throughout."""
    return value == 0 if isinstance(value, (int, float)) else bool((array_of(value) == 0).all())


def _as_array(xp: Any, value: Any, dtype: Any) -> Array:
    return xp.asarray(array_of(value), dtype=dtype)


def _spectrum(a: Array, hermitian: bool) -> tuple:
    """(U, s, Vh) of ``a`` (``hermitian``: from its eigendecomposition, |eigenvalues| as s, signs moved into Vh)."""
    xp = array_module(a)
    if not hermitian:
        return xp.linalg.svd(a, full_matrices=False)
    values, vectors = xp.linalg.eigh(a)
    return vectors, xp.abs(values), xp.swapaxes(vectors * xp.sign(values)[..., None, :], -1, -2)


class Pinv(Op):
    """The Moore-Penrose pseudo-inverse, singular values under the cut-off taken as zero."""

    node_name = "LinalgPinvBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, atol: Any, rtol: Any, hermitian: bool) -> Array:
        xp = array_module(a)
        u, s, vh = _spectrum(a, hermitian)
        m, n = a.shape[-2], a.shape[-1]
        largest = s.max(axis=-1, keepdims=True) if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), dtype=a.dtype)
        cutoff = _cutoff(xp, largest, _last_axis(atol), _last_axis(rtol), m, n, a.dtype)
        keep = s > cutoff
        inverse = xp.where(keep, 1 / xp.where(keep, s, 1), 0)
        out = matrix_product(xp.swapaxes(vh, -1, -2) * inverse[..., None, :], xp.swapaxes(u, -1, -2))
        ctx.save_for_backward(a, out)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, p = ctx.saved_tensors
        # d(A+) = -A+ dA A+ + A+ A+^T dA^T (I - A A+) + (I - A+ A) dA^T A+^T A+, so
        # gA = -A+^T G A+^T + (I - A A+) G^T A+ A+^T + A+^T A+ G^T (I - A+ A)
        pt, gt = _mT(p), _mT(grad)
        first = -matrix_product(matrix_product(pt, grad), pt)
        right = matrix_product(gt, matrix_product(p, pt))  # G^T A+ A+^T
        second = right - matrix_product(a, matrix_product(p, right))
        left = matrix_product(matrix_product(pt, p), gt)  # A+^T A+ G^T
        third = left - matrix_product(matrix_product(left, p), a)
        return first + second + third, None, None, None


def _last_axis(value: Any) -> Any:
    """A tolerance given per matrix of a batch, as a column against the batch's singular values."""
    if value is None or isinstance(value, (int, float)):
        return value
    return array_of(value)[..., None]


# ------------------------------------------------------------------ wrappers
def _check_uplo(uplo: str) -> None:
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")


def _check_floating(input: Tensor, kernel: str) -> None:
    """torch's refusal of an integer or half tensor by the factorisation kernels (``kernel``: the one named)."""
    dt = input.dtype
    if not dt.is_floating_point or dt is dtypes.float16:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt._scalar_name}'")


def linalg_eigh(A: Tensor, UPLO: str = "L") -> Any:
    """``torch.linalg.eigh``: (eigenvalues ascending, eigenvectors as columns) of symmetric matrices.

    Args:
        A: a (batch of) symmetric matrices; only the triangle ``UPLO`` names is read.
        UPLO: ``"L"`` (the lower triangle) or ``"U"``.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_eigh):
        return autocast_mode.run("linalg_eigh", linalg_eigh, A, UPLO)
    _check_uplo(UPLO)
    _check_square_only("linalg.eigh", A)
    _check_floating(A, "linalg_eigh_cpu")
    return ReturnEigh(*Eigh.apply(A, UPLO))


def linalg_eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """``torch.linalg.eigvalsh``: the eigenvalues (ascending) of symmetric matrices (the ``UPLO`` triangle read)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_eigvalsh):
        return autocast_mode.run("linalg_eigvalsh", linalg_eigvalsh, A, UPLO)
    _check_uplo(UPLO)
    _check_square_only("linalg.eigh", A)
    _check_floating(A, "linalg_eigh_cpu")
    return Eigvalsh.apply(A, UPLO)


def _check_square_only(name: str, A: Tensor) -> None:
    """torch's shape checks of eigh (its dtype refusal comes from the kernel, after them)."""
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are {A.shape[-2]} by {A.shape[-1]} matrices"
        )


def _check_svd_input(name: str, A: Tensor) -> None:
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {A.dtype._scalar_name}")
    _check_floating(A, "linalg_svd_cpu")


def linalg_svd(A: Tensor, full_matrices: bool = True) -> Any:
    """``torch.linalg.svd``: U, S (descending), Vh with ``A = U @ diag(S) @ Vh``.

    Args:
        A: a (batch of) matrices.
        full_matrices: U and Vh square (m x m, n x n), else reduced to min(m, n) columns and rows.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_svd):
        return autocast_mode.run("linalg_svd", linalg_svd, A, full_matrices)
    _check_svd_input("linalg.svd", A)
    return ReturnSvd(*Svd.apply(A, bool(full_matrices)))


def linalg_svdvals(A: Tensor) -> Tensor:
    """``torch.linalg.svdvals``: the singular values, descending."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_svdvals):
        return autocast_mode.run("linalg_svdvals", linalg_svdvals, A)
    _check_svd_input("linalg.svd", A)
    return Svdvals.apply(A)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> Any:
    """``torch.svd`` (deprecated in torch for ``linalg.svd``): (U, S, V) with V, not Vh; ``some``: reduced; without
    ``compute_uv``, U and V are zeros."""
    if autocast_mode.enabled_threads and autocast_mode.wants(svd):
        return autocast_mode.run("svd", svd, input, some, compute_uv)
    _check_svd_input("linalg.svd", input)
    if not compute_uv:
        s = linalg_svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        return ReturnLegacySvd(
            creation.zeros(*batch, m, m, dtype=input.dtype, device=input.device),
            s,
            creation.zeros(*batch, n, n, dtype=input.dtype, device=input.device),
        )
    u, s, vh = linalg_svd(input, full_matrices=not some)
    return ReturnLegacySvd(u, s, vh.mT)


def _tolerances(atol: Any, rtol: Any) -> tuple:
    """The tolerances as the ops take them: tensors (one per matrix) as they are, numbers as floats."""
    return tuple(v if isinstance(v, Tensor) or v is None else float(v) for v in (atol, rtol))


def linalg_pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """``torch.linalg.pinv``: the pseudo-inverse, via the SVD (or, ``hermitian``, the eigendecomposition).

    Args:
        A: a (batch of) matrices.
        atol: singular values at most this count as zero (a number, or a tensor per matrix).
        rtol: ... or at most this times the largest; default eps * max(m, n), or 0 when only atol > 0 is given.
        hermitian: A is symmetric (its lower triangle is read).
    """
    if A.ndim < 2 or not A.dtype.is_floating_point or A.dtype is dtypes.float16:
        kind = {"float32": "Float", "float64": "Double", "float16": "Half"}.get(A.dtype.name, A.dtype._scalar_name)
        raise RuntimeError(
            f"linalg.pinv({kind}{{{list(A.shape)}}}): expected a tensor with 2 or more dimensions of float, double, "
            "cfloat or cdouble types"
        )
    if hermitian:
        _check_square_only("linalg.eigh", A)
    atol, rtol = _tolerances(atol, rtol)
    return Pinv.apply(A, atol, rtol, bool(hermitian))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: ``linalg.pinv`` with the relative cut-off ``rcond``."""
    if autocast_mode.enabled_threads and autocast_mode.wants(pinverse):
        return autocast_mode.run("pinverse", pinverse, input, rcond)
    return linalg_pinv(input, rtol=rcond)


def linalg_matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """``torch.linalg.matrix_rank``: how many singular values exceed torch's cut-off (see ``linalg_pinv``); int64."""
    if autocast_mode.enabled_threads and autocast_mode.wants(linalg_matrix_rank):
        return autocast_mode.run("linalg_matrix_rank", linalg_matrix_rank, A, atol=atol, rtol=rtol, hermitian=hermitian)
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if not A.dtype.is_floating_point or A.dtype is dtypes.float16:
        raise RuntimeError("This function doesn't handle types other than float and double")
    atol, rtol = _tolerances(atol, rtol)
    data = A._data
    xp = array_module(data)
    if data.shape[-1] == 0 or data.shape[-2] == 0:
        return Tensor._wrap(xp.zeros(data.shape[:-2], dtype=xp.int64))
    s = xp.abs(xp.linalg.eigvalsh(data)) if hermitian else xp.linalg.svd(data, compute_uv=False)
    largest = s.max(axis=-1, keepdims=True)
    cutoff = _cutoff(xp, largest, _last_axis(atol), _last_axis(rtol), data.shape[-2], data.shape[-1], data.dtype)
    return Tensor._wrap(xp.asarray((s > cutoff).sum(axis=-1), dtype=xp.int64))
