"""Statistics of samples: cov (with frequency and observation weights), corrcoef, quantile and nanquantile, composed
of the differentiable ops in torch's order (so they round alike; cov and corrcoef record torch's nodes)."""

from __future__ import annotations

import warnings
from typing import Any

from .. import creation, dtypes
from ..amp import autocast_mode
from ..tensor import Tensor
from .linalg import mm
from .movement import take_along_dim
from .pointwise import lerp
from .selection import clamp

__all__ = ["corrcoef", "cov", "nanquantile", "quantile"]

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


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


def quantile(
    input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Tensor:
    """The ``q``-th quantiles (a number, or a 1-D tensor: its dimension first) of ``input`` along ``dim`` (None:
    all of it), interpolated as ``interpolation`` says; a slice holding a NaN gives NaN."""
    if autocast_mode.enabled_threads and autocast_mode.wants(quantile):
        return autocast_mode.run("quantile", quantile, input, q, dim, keepdim, interpolation=interpolation)
    return _quantile("quantile", input, q, dim, keepdim, interpolation, skip_nan=False)


def nanquantile(
    input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Tensor:
    """``quantile`` over the values that are not NaN (NaN for a slice of NaN only)."""
    if autocast_mode.enabled_threads and autocast_mode.wants(nanquantile):
        return autocast_mode.run("nanquantile", nanquantile, input, q, dim, keepdim, interpolation=interpolation)
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, skip_nan=True)


def _quantile(name: str, input: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str, skip_nan: bool) -> Tensor:
    if not input.dtype.is_floating_point or input.dtype is dtypes.float16:
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if q.dtype is not input.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        qs = [float(v) for v in q.reshape(-1).tolist()]  # read once: the ranks are computed on the host
        if any(not 0 <= v <= 1 for v in qs):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
        vector = q.ndim == 1
    else:
        if not 0 <= float(q) <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        qs, vector = [float(q)], False
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            "quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but got "
            f"{interpolation}"
        )
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    # The values along the last dimension, sorted (NaN last), one row per slice.
    if dim is None:
        x, axis = input.reshape(-1), 0
    else:
        axis = input._wrap_dim(dim)
        x = input.movedim(axis, -1)
    ordered = x.sort(-1).values
    xp = ordered._xp
    raw = ordered._data
    n = raw.shape[-1]
    nan = xp.isnan(raw)
    qv = xp.asarray(qs, dtype=xp.float64).reshape((-1,) + (1,) * raw.ndim)  # (Q, ..., 1)
    if skip_nan:
        ranks = qv * ((~nan).sum(-1, keepdims=True) - 1)
        ranks = xp.where(ranks < 0, 0, ranks)  # a slice of NaN only: its first (NaN) value
    else:
        ranks = xp.where(nan.any(-1, keepdims=True), n - 1, qv * (n - 1))  # a NaN in the slice: the NaN
    below, above = xp.floor(ranks), xp.ceil(ranks)
    if interpolation == "lower":
        above = below
    elif interpolation == "higher":
        below = above
    elif interpolation == "nearest":
        below = above = xp.round(ranks)
    if interpolation == "midpoint":
        weights = xp.where(above == below, 0.0, 0.5)
    else:
        weights = ranks - below
    rows = ordered.expand((len(qs),) + tuple(ordered.shape))
    lo = take_along_dim(rows, creation.tensor(below.astype(xp.int64), device=input.device), -1)
    hi = take_along_dim(rows, creation.tensor(above.astype(xp.int64), device=input.device), -1)
    out = lerp(lo, hi, creation.tensor(weights.astype(raw.dtype), device=input.device)).squeeze(-1)  # (Q, ...)
    if keepdim:
        out = out.unsqueeze(-1) if dim is not None else out.reshape((len(qs),) + (1,) * input.ndim)
        if dim is not None:
            out = out.movedim(-1, axis + 1)
    return out if vector else out.squeeze(0)
