"""The window functions of signal processing (``hann_window`` and the like): tapers of a given length.

``periodic`` windows (the default, for spectral analysis) are the symmetric window one sample longer, without its
last sample. Each is computed in float64 from the positions ``0 .. N-1`` and cast to the requested dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import creation, dtypes
from ..tensor import Tensor
from .special_series import i0

__all__ = ["bartlett_window", "blackman_window", "hamming_window", "hann_window", "kaiser_window"]


def _window(
    name: str,
    window_length: int,
    periodic: bool,
    dtype: Any,
    device: Any,
    requires_grad: bool,
    shape: Callable[[Tensor, int], Tensor],
) -> Tensor:
    """``shape(n, N)`` at the positions ``n`` of a symmetric window of ``N`` points, the common checks and cast."""
    dt = dtypes.get_default_dtype() if dtype is None else dtype
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if window_length <= 1:
        out = creation.ones(window_length, dtype=dt, device=device)
    else:
        points = window_length + 1 if periodic else window_length
        n = creation.arange(points, dtype=dtypes.float64, device=device)
        out = shape(n, points)[:window_length].to(dt)
    return out.requires_grad_(requires_grad) if requires_grad else out


def _cosine_sum(*coefficients: float) -> Callable[[Tensor, int], Tensor]:
    """The window a0 - a1 cos(2 pi n/(N-1)) + a2 cos(4 pi n/(N-1)) - ...: Hann, Hamming and Blackman."""

    def shape(n: Tensor, points: int) -> Tensor:
        phase = n * (2 * math.pi / (points - 1))
        out = n * 0 + coefficients[0]
        for k, a in enumerate(coefficients[1:], start=1):
            out = out + (-1) ** k * a * (phase * k).cos()
        return out

    return shape


def hann_window(
    window_length: int, periodic: bool = True, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """The Hann window, 0.5 - 0.5 cos(2 pi n / (N - 1)).

    Args:
        window_length: the number of points.
        periodic: drop the last point of a window one longer (for spectra), else symmetric.
        dtype, device, requires_grad: of the result (a floating dtype; the default float when None).
    """
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, _cosine_sum(0.5, 0.5))


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The Hamming window, alpha - beta cos(2 pi n / (N - 1)).

    Args:
        window_length: the number of points.
        periodic: drop the last point of a window one longer (for spectra), else symmetric.
        alpha, beta: the coefficients.
        dtype, device, requires_grad: of the result (a floating dtype; the default float when None).
    """
    shape = _cosine_sum(alpha, beta)
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad, shape)


def blackman_window(
    window_length: int, periodic: bool = True, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """The Blackman window, 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1)).

    Args:
        window_length: the number of points.
        periodic: drop the last point of a window one longer (for spectra), else symmetric.
        dtype, device, requires_grad: of the result (a floating dtype; the default float when None).
    """
    shape = _cosine_sum(0.42, 0.5, 0.08)
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, shape)


def _bartlett(n: Tensor, points: int) -> Tensor:
    return 1 - (n * (2 / (points - 1)) - 1).abs()


def bartlett_window(
    window_length: int, periodic: bool = True, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """The Bartlett (triangular) window, 1 - |2n / (N - 1) - 1|.

    Args:
        window_length: the number of points.
        periodic: drop the last point of a window one longer (for spectra), else symmetric.
        dtype, device, requires_grad: of the result (a floating dtype; the default float when None).
    """
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, _bartlett)


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The Kaiser window, I0(beta sqrt(1 - ((n - c) / c)^2)) / I0(beta) with c = (N - 1) / 2.

    Args:
        window_length: the number of points.
        periodic: drop the last point of a window one longer (for spectra), else symmetric.
        beta: the shape parameter (larger: narrower).
        dtype, device, requires_grad: of the result (a floating dtype; the default float when None).
    """

    def shape(n: Tensor, points: int) -> Tensor:
        c = (points - 1) / 2
        ratio = (n - c) / c
        return i0((1 - ratio * ratio).clamp(min=0).sqrt() * beta) / i0(n * 0 + beta)

    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, shape)
