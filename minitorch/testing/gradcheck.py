"""Finite-difference checks, under the names torch.autograd gives them."""

from __future__ import annotations

from ..autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]
