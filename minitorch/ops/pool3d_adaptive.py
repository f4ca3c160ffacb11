"""3-d adaptive pooling: pool_adaptive.py's ops on (N, C, D, H, W) inputs, with torch's 3-d checks.

Average pooling is separable: over (H, W) its matrix is the Kronecker product of the two axes' averaging
matrices, so on the input viewed as (N, C, D, H*W) it is the 2-d op's ``A @ x @ B^T`` once, with ``A`` the
depth's matrix and ``B`` that product, an infinite or NaN input reaching exactly the outputs whose windows
hold it. Max pooling is ``AdaptiveMaxPool2D``, which takes any number of spatial dims (every window
gathered, the maximum with torch's tie and NaN rules, its index flat within each (D, H, W) volume). The
subclasses give the nodes torch's 3-d names.
"""

from __future__ import annotations

from typing import Any

from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import require_floating
from .pool_adaptive import AdaptiveMaxPool2D, Separable2D, averaging_matrix
from .windows import is_int

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d"]

_DIMS = 3


class AdaptiveAvgPool3D(Separable2D):
    """Mean over adaptive windows of a (N, C, D, H, W) array: A @ x @ kron(B, C)^T on its (N, C, D, H*W) view.

    ``plane``: the output's (h, w), which the rows of ``kron(B, C)`` make.
    """

    node_name = "AdaptiveAvgPool3DBackward0"

    @staticmethod  # (the output plane in zero_reads' place: averaging reads nothing with a zero weight)
    def forward(ctx: Context, x: Array, a: Array, b: Array, plane: tuple) -> Array:  # type: ignore[override]
        n, c, d, h, w = x.shape
        out = Separable2D.forward(ctx, x.reshape(n, c, d, h * w), a, b)
        ctx.views = (out.shape, x.shape)
        return out.reshape((n, c, a.shape[0]) + plane)


class AdaptiveMaxPool3D(AdaptiveMaxPool2D):
    """Max over adaptive windows of a (N, C, D, H, W) array; also torch's flat per-volume index of each maximum."""

    node_name = "AdaptiveMaxPool3DBackward0"


def _requested(fn: str, input: Tensor, output_size: Any) -> tuple:
    """``output_size`` as torch's Python layer passes it on: an int thrice, or the sequence with None taking the
    input's size (which must have more dims than the sequence has entries)."""
    if is_int(output_size):
        return (int(output_size),) * _DIMS
    if isinstance(output_size, bool):
        raise TypeError(f"{fn}(): argument 'output_size' (position 2) must be tuple of ints, not bool")
    if not hasattr(output_size, "__len__"):
        raise TypeError(f"object of type '{type(output_size).__name__}' has no len()")
    if input.ndim <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    size = tuple(n if v is None else v for v, n in zip(output_size, input.shape[-len(output_size) :]))
    for i, v in enumerate(size):
        if not is_int(v):
            raise TypeError(
                f"{fn}(): argument 'output_size' (position 2) must be tuple of ints, but found element of type "
                f"{type(v).__name__} at pos {i}"
            )
    return tuple(int(v) for v in size)


def _check_nonempty(fn: str, input: Tensor) -> None:
    for i in range(1, input.ndim):  # torch's loop starts after the first dim, batched or not
        if input.shape[i] == 0:
            raise RuntimeError(
                f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                f"{list(input.shape)} with dimension {i} being empty"
            )


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over the windows that make a (N, C, D, H, W) or (C, D, H, W) input ``output_size`` large.

    Args:
        output_size: an int or a (d, h, w) triple; None in the triple keeps that input size.
    """
    fn = "adaptive_avg_pool3d"
    out = _requested(fn, input, output_size)
    if len(out) != _DIMS:
        raise RuntimeError(f"{fn}: output_size must be 3")
    if min(out) < 0:
        raise RuntimeError(
            f"{fn}: elements of output_size must be greater than or equal to 0 but received "
            f"{{{out[0]}, {out[1]},{out[2]}}}"
        )
    if out == (1, 1, 1):  # global average pooling, as torch computes it
        return input.mean((-3, -2, -1), keepdim=True)
    _check_nonempty(fn, input)
    if input.ndim not in (_DIMS + 1, _DIMS + 2):
        raise RuntimeError(f"{fn}(): Expected 4D or 5D tensor, but got {list(input.shape)}")
    require_floating(input, "adaptive_avg_pool3d_cpu")
    x = input if input.ndim == _DIMS + 2 else input.unsqueeze(0)
    (d, h, w), xp, dtype = x.shape[2:], x._xp, x._data.dtype
    depth = averaging_matrix(xp, d, out[0], dtype)
    plane = xp.kron(averaging_matrix(xp, h, out[1], dtype), averaging_matrix(xp, w, out[2], dtype))
    res = AdaptiveAvgPool3D.apply(x, depth, plane, out[1:])
    return res if input.ndim == _DIMS + 2 else res.squeeze(0)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over the windows that make a (N, C, D, H, W) or (C, D, H, W) input ``output_size`` large.

    Args:
        output_size: an int or a (d, h, w) triple; None in the triple keeps that input size.
        return_indices: also return int64 indices of the maxima, flat within each (D, H, W) volume.
    """
    fn = "adaptive_max_pool3d"
    out = _requested(fn, input, output_size)
    if input.ndim not in (_DIMS + 1, _DIMS + 2):
        raise RuntimeError(f"{fn}(): Expected 4D or 5D tensor, but got: {list(input.shape)}")
    _check_nonempty(fn, input)
    if len(out) != _DIMS:
        raise RuntimeError(f"{fn}(): internal error: output_size.size() must be 3")
    if min(out) < 0:
        shape = list(input.shape[:-_DIMS]) + list(out)
        first = next(v for v in out if v < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {first}: {shape}")
    require_floating(input, "adaptive_max_pool3d_cpu")
    x = input if input.ndim == _DIMS + 2 else input.unsqueeze(0)
    values, index = AdaptiveMaxPool3D.apply(x, out)
    if input.ndim == _DIMS + 1:
        values, index = values.squeeze(0), index.squeeze(0)
    return (values, index) if return_indices else values
