"""Finite-difference checks, under the names torch.autograd gives them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.gradcheck import GradcheckError, gradcheck

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


def gradgradcheck(func: Callable, inputs: Any, grad_outputs: Any = None, **kwargs: Any) -> bool:
    """Second-order gradient check: not available in minitorch.

    torch checks second derivatives by differentiating through the backward pass,
    which needs ``create_graph=True``; minitorch's backward records no graph, so
    there is nothing to check and this always raises ``NotImplementedError``. Use
    ``gradcheck`` for first derivatives.

    Args:
        func, inputs, grad_outputs: as in ``torch.autograd.gradgradcheck``.
    """
    raise NotImplementedError(
        "gradgradcheck needs second derivatives, and minitorch's backward does not build a "
        "graph of itself (create_graph=True is unsupported); use gradcheck for first "
        "derivatives"
    )
