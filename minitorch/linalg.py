"""``minitorch.linalg``, as ``torch.linalg``: the norms (``vector_norm``, ``matrix_norm``, ``norm``), ``cross``, and
what factorises a matrix: ``inv``, ``det``, ``slogdet``, ``solve``, ``cholesky``, the LU family (``lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve``) (``LinAlgError`` where one fails; the ``_ex``
variants return LAPACK's info instead), and
the spectral ones: ``eigh``, ``eigvalsh``, ``svd``, ``svdvals``, ``pinv``, ``matrix_rank``; ``qr`` and ``solve_triangular``;
and what is built on them: ``matrix_exp``, ``cond``, ``lstsq``, ``multi_dot``, ``vecdot``, ``vander``, ``diagonal``,
``tensorinv``, ``tensorsolve`` (and ``matmul``).

The functions are the ops of ``minitorch/ops/norms.py``, ``products.py``, ``decompositions.py``, ``spectral.py``, ``triangular.py`` and ``matrix_functions.py``; ``linalg.norm`` is
``torch.linalg.norm`` (a vector or a matrix norm by ``ord`` and ``dim``), not the older ``torch.norm``.
"""

from __future__ import annotations

from .ops import linalg_cholesky as cholesky
from .ops import linalg_cholesky_ex as cholesky_ex
from .ops import linalg_cond as cond
from .ops import linalg_cross as cross
from .ops import linalg_det as det
from .ops import linalg_diagonal as diagonal
from .ops import linalg_eigh as eigh
from .ops import linalg_eigvalsh as eigvalsh
from .ops import linalg_inv as inv
from .ops import linalg_inv_ex as inv_ex
from .ops import linalg_lstsq as lstsq
from .ops import linalg_lu as lu
from .ops import linalg_lu_factor as lu_factor
from .ops import linalg_lu_factor_ex as lu_factor_ex
from .ops import linalg_lu_solve as lu_solve
from .ops import linalg_matrix_exp as matrix_exp
from .ops import linalg_matrix_rank as matrix_rank
from .ops import linalg_multi_dot as multi_dot
from .ops import linalg_norm as norm
from .ops import linalg_pinv as pinv
from .ops import linalg_qr as qr
from .ops import linalg_slogdet as slogdet
from .ops import linalg_solve as solve
from .ops import linalg_solve_ex as solve_ex
from .ops import linalg_solve_triangular as solve_triangular
from .ops import linalg_svd as svd
from .ops import linalg_svdvals as svdvals
from .ops import linalg_tensorinv as tensorinv
from .ops import linalg_tensorsolve as tensorsolve
from .ops import linalg_vander as vander
from .ops import linalg_vecdot as vecdot
from .ops import matmul, matrix_norm, matrix_power, vector_norm
from .ops.linalg_failures import LinAlgError

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "inv",
    "inv_ex",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]
