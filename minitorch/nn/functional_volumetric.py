"""Functions composed of other ops for the volumetric (3-d) layers, and power-average pooling in 1, 2 and 3 dims.

``max_unpool3d`` scatters each pooled value to its flat position within a zero (D, H, W) volume (its gradient is
the gather back); ``dropout3d`` zeros whole channels; ``lp_pool1d/2d/3d`` are torch's compositions: the mean of
``x ** p`` over each window (average pooling), times the window size, to the power ``1 / p`` (through
``sign * relu(abs)``, so that a window whose sum is zero gets a zero gradient, as in torch), or max pooling of
``|x|`` for ``p = inf``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import dtypes, ops
from ..creation import zeros
from ..ops.activation import _feature_dropout, dropout
from ..ops.base import require_floating
from ..ops.pool import avg_pool2d, max_pool2d
from ..ops.pool1d import avg_pool1d, max_pool1d
from ..ops.pool3d import avg_pool3d, max_pool3d
from ..ops.pool3d_adaptive import adaptive_max_pool3d
from ..tensor import Tensor

__all__ = [
    "adaptive_max_pool3d_with_indices",
    "dropout3d",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool3d_with_indices",
    "max_unpool3d",
]


def max_pool3d_with_indices(input: Tensor, *args: Any, **kwargs: Any) -> tuple:
    """``max_pool3d`` returning (values, indices)."""
    kwargs["return_indices"] = True
    return max_pool3d(input, *args, **kwargs)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> tuple:
    """``adaptive_max_pool3d`` returning (values, indices)."""
    return adaptive_max_pool3d(input, output_size, return_indices=True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of a (N, C, D, H, W) or (C, D, H, W) input with probability ``p``; scale the rest by
    1/(1-p). Other ranks warn, as torch's do, and are taken as unbatched.

    Args:
        p: the probability of zeroing a channel.
        training: when False, ``input`` is returned unchanged.
        inplace: write the result into ``input``.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior "
            "and silence this warning, please use dropout instead. Note that dropout3d "
            "exists to provide channel-wise dropout on inputs with 3 spatial dimensions, "
            "a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=2,
        )
    if input.ndim == 1:  # torch makes it (1, L), each element a channel of its own: plain dropout
        if inplace and training:
            return input._inplace(lambda s: dropout(s, p, True))
        return dropout(input, p, training)
    return _feature_dropout(input, p, training, inplace, batched=input.ndim == 5)


def _triple(value: Any) -> tuple:
    """torch.nn's ``_triple``: a sequence as a tuple, anything else three times."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * 3


def max_unpool3d(
    input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    """The inverse of ``max_pool3d(return_indices=True)``: (N, C, D, H, W) values back at their positions in
    (N, C, D_out, H_out, W_out), zeros elsewhere; ``output_size`` picks among the sizes that pool to (D, H, W).

    Args:
        kernel_size, stride, padding: those of the max pooling (``stride`` defaults to ``kernel_size``).
        output_size: (D, H, W) or the full (N, C, D, H, W) size of the result.
    """
    kernel = _triple(kernel_size)
    step = kernel if stride is None else _triple(stride)
    pads = _triple(padding)
    size = _unpool_size(input, kernel, step, pads, output_size)
    if indices.dtype is not dtypes.int64:
        raise RuntimeError("elements in indices should be type int64")
    if input.ndim not in (4, 5):
        raise RuntimeError(
            f"Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with {input.ndim} dimensions."
        )
    if len(size) != 3:
        raise RuntimeError(
            "There should be exactly three elements (depth, height, width) in output_size, but got "
            f"{len(size)} elements."
        )
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) but got "
            f"indices tensor with shape: {list(indices.shape)}"
        )
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(
                "max_unpooling3d_forward_out_cpu(): Expected input to have non-zero size for non-batch dimensions, "
                f"but got {list(input.shape)} with dimension {i} being empty."
            )
    if min(step) <= 0:
        raise RuntimeError(f"strides should be greater than zero, but got stride: {list(step)}")
    require_floating(input, "max_unpool3d")
    lead, volume = tuple(input.shape[:-3]), math.prod(size)
    out = zeros((*lead, volume), dtype=input.dtype, device=input.device)
    if volume == 0 or input.numel() == 0:
        return out.reshape(*lead, *size)
    flat = indices.reshape(*lead, -1)
    bad = (flat < 0) | (flat >= volume)
    if bool(bad.any()):  # torch's check, which reads the indices too
        first = int(flat[bad][0])
        raise RuntimeError(
            f"Found an invalid max index: {first} (output volumes are of size {size[0]}x{size[1]}x{size[2]}"
        )
    return ops.scatter(out, -1, flat, input.reshape(*lead, -1)).reshape(*lead, *size)


def _unpool_size(input: Tensor, kernel: tuple, stride: tuple, padding: tuple, output_size: Any) -> tuple:
    """The unpooled (D, H, W): the default the pooling arguments give, or ``output_size`` checked against it."""
    n = len(kernel)
    spatial = tuple(input.shape[-n:])
    default = tuple((m - 1) * s + k - 2 * p for m, k, s, p in zip(spatial, kernel, stride, padding))
    size = default
    if output_size is not None:
        size = tuple(int(v) for v in output_size)
        if len(size) == n + 2:
            size = size[2:]
        if len(size) != n:
            raise ValueError(
                f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a length of "
                f"'{len(size)}'"
            )
        for d, (want, base, s) in enumerate(zip(size, default, stride)):
            if not base - s < want < base + s:
                raise ValueError(
                    f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {base - s} and {base + s})'
                )
    for d, v in enumerate(size):
        if v < 0:
            raise ValueError(
                f"max_unpooling: output_size must contain non-negative spatial dimensions, but got output_size[{d}]={v}"
            )
    return size


def _lp_pool(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool, dims: int, pools: tuple
) -> Tensor:
    """torch's power-average pooling over ``dims`` spatial dims, with ``pools`` = (max pooling, average pooling)."""
    max_pool, avg_pool = pools
    window = _window(kernel_size, dims)
    if isinstance(norm_type, (int, float)) and math.isinf(norm_type):
        biggest = max_pool(input.abs() if norm_type > 0 else -input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return biggest if norm_type > 0 else -biggest
    if stride is not None:
        out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    if dims == 1 and isinstance(kernel_size, (tuple, list)):  # torch's 1-d one multiplies by kernel_size itself
        raise TypeError(f"mul(): argument 'other' (position 1) must be Tensor, not {type(kernel_size).__name__}")
    return (out.sign() * ops.relu(out.abs())).mul(window).pow(1.0 / norm_type)


def _window(kernel_size: Any, dims: int) -> Any:
    """The number of elements in a window, with the errors torch's unpacking of ``kernel_size`` gives."""
    if dims == 1:
        return kernel_size
    sizes = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * dims
    if len(sizes) < dims:
        raise ValueError(f"not enough values to unpack (expected {dims}, got {len(sizes)})")
    if len(sizes) > dims:
        raise ValueError(f"too many values to unpack (expected {dims})")
    return math.prod(sizes)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of a (N, C, L) or (C, L) input: ``(sum over each window of x ** p) ** (1 / p)``.

    Args:
        norm_type: the power ``p`` (``inf`` takes the maximum of ``|x|``).
        kernel_size: the window's length.
        stride: the step between windows (default: ``kernel_size``).
        ceil_mode: round the output length up.
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1, (max_pool1d, avg_pool1d))


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of a (N, C, H, W) or (C, H, W) input: ``(sum over each window of x ** p) ** (1 / p)``.

    Args:
        norm_type: the power ``p`` (``inf`` takes the maximum of ``|x|``).
        kernel_size: the window, an int or (h, w).
        stride: the step between windows (default: ``kernel_size``).
        ceil_mode: round the output size up.
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, (max_pool2d, avg_pool2d))


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of a (N, C, D, H, W) or (C, D, H, W) input: ``(sum over each window of x ** p) ** (1/p)``.

    Args:
        norm_type: the power ``p`` (``inf`` takes the maximum of ``|x|``).
        kernel_size: the window, an int or (d, h, w).
        stride: the step between windows (default: ``kernel_size``).
        ceil_mode: round the output size up.
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3, (max_pool3d, avg_pool3d))
