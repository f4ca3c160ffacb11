"""Covariance and correlation of variables observed together: cov (with frequency and observation weights) and
corrcoef, composed of the differentiable ops in torch's order (so they record torch's nodes and round alike)."""

from __future__ import annotations

import warnings
from typing import Any

from .. import creation, dtypes
from ..tensor import Tensor
from .base import to_dtype
from .linalg import mm
from .selection import clamp

__all__ = ["corrcoef", "cov"]


def _weights(name: str, w: Any, n: int, integer: bool) -> Tensor:
    """An fweights/aweights argument checked as torch checks it: one non-negative value per observation."""
    if not isinstance(w, Tensor):
        raise TypeError(f"cov(): argument '{name}' must be Tensor, not {type(w).__name__}")
    if w.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with {w.ndim} dimensions"
        )
    if w.numel() != n:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the input but got "
            f"{w.numel()} != {n}"
        )
    if integer and w.dtype.is_floating_point:
        raise RuntimeError(
            f"cov(): expected {name} to have integral dtype but got {name} with {w.dtype._scalar_name} dtype"
        )
    if not integer and not w.dtype.is_floating_point:
        raise RuntimeError(
            f"cov(): expected {name} to have floating point dtype but got {name} with {w.dtype._scalar_name} dtype"
        )
    if bool((w < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")
    return w


def cov(
    input: Tensor, *, correction: int = 1, fweights: Tensor | None = None, aweights: Tensor | None = None
) -> Tensor:
    """The covariance matrix of the rows of ``input`` (variables; columns: observations; a 1-D input is one
    variable), with Bessel's ``correction`` and optional integer frequency and float observation weights."""
    if input.ndim > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with {input.ndim} dimensions"
        )
    if input.dtype is dtypes.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = _weights("fweights", fweights, n, integer=True)
    if aweights is not None:
        aw = _weights("aweights", aweights, n, integer=False)
        w = aw if w is None else w * aw
    if w is None:
        w_sum: Any = creation.tensor(n, device=input.device)
    else:
        w_sum = w.sum()
        if not bool(w_sum != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x if w is None else x * w).sum(1) / w_sum
    if w is not None and correction != 0 and aweights is not None:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if bool(norm <= 0):
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of observations.",
            UserWarning,
            stacklevel=2,
        )
        norm = norm * 0
    centred = x - avg.unsqueeze(1)
    c = mm(centred, (centred if w is None else centred * w).t())
    if not c.dtype.is_floating_point:  # true division, as torch's
        c = to_dtype(c, dtypes.get_default_dtype())
    return (c / norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson's correlation coefficients of the rows of ``input`` (``cov`` normalized by the deviations,
    clipped to [-1, 1])."""
    if input.ndim > 2:
        raise RuntimeError(
            f"corrcoef(): expected input to have two or fewer dimensions but got an input with {input.ndim} dimensions"
        )
    c = cov(input)
    if c.ndim == 0:  # one variable: 1, or NaN where its variance is 0, inf or NaN
        return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.reshape(-1, 1)
    c = c / stddev.reshape(1, -1)
    return clamp(c, -1, 1)
