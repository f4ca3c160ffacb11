"""``minitorch.linalg``, as ``torch.linalg``: the norms (``vector_norm``, ``matrix_norm``, ``norm``), ``cross``, and
what factorises a matrix: ``inv``, ``det``, ``slogdet``, ``solve``, ``cholesky`` (``LinAlgError`` where one fails).

The functions are the ops of ``minitorch/ops/norms.py``, ``products.py`` and ``decompositions.py``; ``linalg.norm`` is
``torch.linalg.norm`` (a vector or a matrix norm by ``ord`` and ``dim``), not the older ``torch.norm``.
"""

from __future__ import annotations

from .ops import linalg_cholesky as cholesky
from .ops import linalg_cross as cross
from .ops import linalg_det as det
from .ops import linalg_inv as inv
from .ops import linalg_norm as norm
from .ops import linalg_slogdet as slogdet
from .ops import linalg_solve as solve
from .ops import matrix_norm, matrix_power, vector_norm
from .ops.decompositions import LinAlgError

__all__ = [
    "LinAlgError",
    "cholesky",
    "cross",
    "det",
    "inv",
    "matrix_norm",
    "matrix_power",
    "norm",
    "slogdet",
    "solve",
    "vector_norm",
]
