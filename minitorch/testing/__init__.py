"""Tools for checking minitorch against PyTorch, for users as much as for minitorch's own suite.

- ``assert_parity(fn, *inputs)``: run ``fn(lib, *tensors)`` in minitorch and in torch and compare
  outputs and every input's gradient, naming the first backward Function that goes wrong.
- ``first_divergence(model, torch_model, inputs)``: the first module whose output, then whose
  gradients, leave tolerance; ``lockstep(...)``: the first training step where two runs separate.
- ``gradcheck`` / ``gradgradcheck``: finite-difference checks of first and second derivatives.
- ``compare`` and ``DEFAULT_TOLERANCES``: the comparison underneath, with torch.testing's tolerances.
- ``assert_close`` and ``make_tensor``: ``torch.testing``'s own two, so that PyTorch's tests run on minitorch
  (``assert_close`` needs no torch).
- ``minitorch.testing.strategies``: hypothesis strategies (needs the optional ``hypothesis``).

torch is imported only when a comparison runs; ``import minitorch.testing`` needs neither torch
nor hypothesis.
"""

from .assertions import assert_close
from .comparison import DEFAULT_TOLERANCES, Mismatch, compare, default_tolerances
from .divergence import Divergence, DivergenceReport, first_divergence
from .factory import make_tensor
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .lockstep import LockstepReport, lockstep
from .parity import assert_parity

__all__ = [
    "assert_close",
    "make_tensor",
    "assert_parity",
    "compare",
    "Mismatch",
    "DEFAULT_TOLERANCES",
    "default_tolerances",
    "first_divergence",
    "lockstep",
    "Divergence",
    "DivergenceReport",
    "LockstepReport",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
]
