"""``minitorch.linalg``, as ``torch.linalg``: the norms (``vector_norm``, ``matrix_norm``, ``norm``) and ``cross``.

The functions are the ops of ``minitorch/ops/norms.py``; ``linalg.norm`` is ``torch.linalg.norm`` (a vector or
a matrix norm by ``ord`` and ``dim``), not the older ``torch.norm``.
"""

from __future__ import annotations

from .ops import linalg_cross as cross
from .ops import linalg_norm as norm
from .ops import matrix_norm, vector_norm

__all__ = ["cross", "matrix_norm", "norm", "vector_norm"]
