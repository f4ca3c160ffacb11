"""Resampling as a matrix: the (out, in) weights that resize one axis, as torch's interpolate computes them.

A separable resize of an image is then ``W_h @ img @ W_w.T``: two matmuls that run on any device and
carry gradients. The weights depend only on the sizes and the mode, so they are built on the host.

- antialiased (``antialias=True``, torchvision's default for tensors): output pixel i gathers the input
  pixels within ``support`` of its centre ``scale * (i + 0.5)``, weighted by the filter (triangle for
  bilinear, Keys' cubic with a = -0.5 for bicubic) stretched by ``scale`` when shrinking, normalised to
  sum to 1 -- torch's ``_upsample_bilinear2d_aa`` / ``_upsample_bicubic2d_aa``.
- bicubic without antialiasing: four taps around ``scale * (i + 0.5) - 0.5`` with Keys' cubic
  (a = -0.75), indices clamped to the edges -- torch's ``upsample_bicubic2d``.
"""

from __future__ import annotations

import numpy as np


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x: np.ndarray, a: float) -> np.ndarray:
    x = np.abs(x)
    inner = ((a + 2) * x - (a + 3)) * x * x + 1
    outer = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, inner, np.where(x < 2, outer, 0.0))


def antialias_weights(in_size: int, out_size: int, mode: str) -> np.ndarray:
    """(out_size, in_size) weights of torch's antialiased bilinear or bicubic resampling."""
    scale = in_size / out_size
    taps = 2 if mode == "bilinear" else 4  # the filter's width in input pixels before stretching
    support = taps * 0.5 * scale if scale >= 1.0 else taps * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    center = scale * (np.arange(out_size) + 0.5)
    # torch truncates toward zero (static_cast); the max with 0 makes that floor where it matters
    lo = np.maximum(np.trunc(center - support + 0.5), 0).astype(np.int64)
    hi = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), in_size)
    cols = np.arange(in_size)
    inside = (cols[None, :] >= lo[:, None]) & (cols[None, :] < hi[:, None])
    x = (cols[None, :] - center[:, None] + 0.5) * invscale
    w = np.where(inside, _triangle(x) if mode == "bilinear" else _keys_cubic(x, -0.5), 0.0)
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total != 0)


def bicubic_weights(in_size: int, out_size: int) -> np.ndarray:
    """(out_size, in_size) weights of torch's bicubic interpolation (align_corners=False, no antialiasing)."""
    scale = in_size / out_size
    src = scale * (np.arange(out_size) + 0.5) - 0.5
    first = np.floor(src)
    t = src - first
    offsets = np.arange(-1, 3)
    coeffs = _keys_cubic(t[:, None] - offsets[None, :], -0.75)  # (out, 4)
    index = np.clip(first.astype(np.int64)[:, None] + offsets[None, :], 0, in_size - 1)
    w = np.zeros((out_size, in_size))
    np.add.at(w, (np.repeat(np.arange(out_size), 4), index.ravel()), coeffs.ravel())  # clamped taps add up
    return w
