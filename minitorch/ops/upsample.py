"""interpolate: nearest, nearest-exact, (bi)linear (align_corners either way) and area resizing.

Each mode maps output positions to input positions along each axis independently, with torch's
index and weight formulas, so a resize is linear and separable: ``out = A @ x @ B^T`` with one
(out, in) matrix per spatial axis (one nonzero per row for nearest, two for linear), and its
backward is ``A^T @ g @ B``: a small GEMM per image plane, exact for nearest (a product by 1 plus
zeros), needing nothing saved but the two matrices (constants of the shapes). The matrices grow
with in * out per axis: meant for the image sizes of small models. 'area' is adaptive average
pooling, as in torch.
"""

from __future__ import annotations

import math
from typing import Any

from ..backend import Array
from ..tensor import Tensor
from .pool_adaptive import Separable2D, adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["interpolate"]

_LINEAR = {"linear": 3, "bilinear": 4}


class UpsampleNearest2D(Separable2D):
    """Nearest-neighbour resizing (torch's 'nearest' and 'nearest-exact'): one 1 per matrix row."""


class UpsampleBilinear2D(Separable2D):
    """Bilinear resizing: two weights per matrix row."""


def _matrix(
    xp: Any,
    n_in: int,
    n_out: int,
    mode: str,
    align_corners: bool,
    scale: float | None,
    dtype: Any,
    zero_reads: bool = False,
) -> Array:
    """(n_out, n_in): row i holds the weights output i takes from the inputs, by torch's formulas.

    With ``zero_reads``, instead the booleans marking the inputs torch's linear formula reads with a zero weight
    (each output reads two, the same one twice at the edge): an infinite one makes that output NaN.
    """
    out = xp.zeros((n_out, n_in), dtype=bool if zero_reads else dtype)
    i = xp.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        if zero_reads:
            return out
        # torch computes the source index in float32: floor(i * s) or floor((i + 0.5) * s)
        s = xp.float32(1.0 / scale if scale else n_in / n_out)
        pos = i.astype(xp.float32) + (xp.float32(0.5) if mode == "nearest-exact" else xp.float32(0))
        src = xp.minimum(xp.floor(pos * s).astype(xp.int64), n_in - 1)
        out[i, src] = 1
        return out
    t = dtype.type  # torch computes the positions in the input's floating type
    if align_corners:
        s = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
        real = i.astype(dtype) * s
    else:
        s = t(1.0 / scale) if scale else t(n_in) / t(n_out)
        real = xp.maximum(s * (i.astype(dtype) + t(0.5)) - t(0.5), 0)
    lo = xp.minimum(xp.floor(real).astype(xp.int64), n_in - 1)
    hi = lo + (lo < n_in - 1)
    frac = (real - lo).astype(dtype)
    if zero_reads:
        out[i, lo] |= 1 - frac == 0
        out[i, hi] |= frac == 0
        return out
    out[i, lo] += 1 - frac
    out[i, hi] += frac
    return out


def _output_size(input: Tensor, size: Any, scale_factor: Any, dims: int) -> tuple:
    """(output sizes, scale factors or None) from ``size`` or ``scale_factor``, with torch's checks."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * dims
        if len(sizes) != dims:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {list(input.shape[2:])} and output size of {list(sizes)}. Please provide input "
                "tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        return tuple(int(s) for s in sizes), None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * dims
    if len(scales) != dims:
        raise ValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
            f"spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {list(scales)}. Please "
            "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
        )
    sizes = tuple(int(math.floor(float(n) * float(s))) for n, s in zip(input.shape[2:], scales))
    return sizes, tuple(float(s) for s in scales)


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize a (N, C, L) or (N, C, H, W) input, as ``torch.nn.functional.interpolate``.

    Args:
        size: the output's spatial size (an int or one per spatial dim).
        scale_factor: or a multiplier of the input's spatial size (a float or one per spatial dim).
        mode: 'nearest', 'nearest-exact', 'linear' (3-d input), 'bilinear' (4-d input) or 'area'.
        align_corners: (bi)linear only: map the corner pixels' centres onto each other (True) or the
            corners of the pixel grid (False, the default).
        recompute_scale_factor: with ``scale_factor``, map positions by the computed output size (True)
            rather than by the factor itself.
        antialias: not supported (False).
    """
    if antialias:
        raise NotImplementedError("minitorch's interpolate has no anti-aliasing")
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
        )
    if input.ndim not in (3, 4):
        raise NotImplementedError(
            f"Input Error: Only 3D and 4D input Tensors supported (got {input.ndim}D) for the modes: "
            f"nearest | linear | bilinear | area | nearest-exact (got {mode})"
        )
    if mode in _LINEAR and input.ndim != _LINEAR[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR[mode]}D input")
    if mode not in ("nearest", "nearest-exact", "area", "linear", "bilinear"):
        raise NotImplementedError(
            f"Input Error: Only 3D and 4D input Tensors supported (got {input.ndim}D) for the modes: "
            f"nearest | linear | bilinear | area | nearest-exact (got {mode})"
        )
    dims = input.ndim - 2
    sizes, scales = _output_size(input, size, scale_factor, dims)
    if recompute_scale_factor:
        scales = None
    if mode == "area":
        return adaptive_avg_pool2d(input, sizes) if dims == 2 else adaptive_avg_pool1d(input, sizes)
    if min(input.shape[2:]) <= 0 or min(sizes) <= 0:
        names = ("H", "W")[2 - dims :]
        given = ", ".join(f"{k}: {n}" for k, n in zip(names, input.shape[2:]))
        wanted = ", ".join(f"{k}: {n}" for k, n in zip(names, sizes))
        joint = " and" if dims == 1 else ""  # torch's two messages differ by this word
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input ({given}){joint} output ({wanted})"
        )
    x = input if dims == 2 else input.unsqueeze(-2)
    spatial = tuple(x.shape[2:])
    sizes = sizes if dims == 2 else (1,) + sizes
    scales = None if scales is None else (scales if dims == 2 else (1.0,) + scales)
    xp, dtype = input._xp, input._data.dtype
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"upsample_{mode}\" not implemented for '{input.dtype._scalar_name}'")
    mats = [
        _matrix(xp, n_in, n_out, mode, bool(align_corners), None if scales is None else scales[k], dtype)
        for k, (n_in, n_out) in enumerate(zip(spatial, sizes))
    ]
    op = UpsampleNearest2D if mode.startswith("nearest") else UpsampleBilinear2D
    zero_reads = None
    if op is UpsampleBilinear2D and not bool(xp.isfinite(input._data).all()):  # where an inf or NaN goes
        zero_reads = tuple(
            _matrix(xp, n_in, n_out, mode, bool(align_corners), None if scales is None else scales[k], dtype, True)
            if dims == 2 or k == 1  # a 1-d input's added axis is an identity, read by no formula of torch's
            else xp.zeros((n_out, n_in), dtype=bool)
            for k, (n_in, n_out) in enumerate(zip(spatial, sizes))
        )
    out = op.apply(x, mats[0], mats[1], zero_reads)
    return out if dims == 2 else out.squeeze(-2)
