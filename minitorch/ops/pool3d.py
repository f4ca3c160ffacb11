"""3-d max and average pooling: pool.py's window ops on (N, C, D, H, W) inputs, with torch's 3-d checks.

``MaxPool2DWithIndices`` and ``AvgPool2D`` (and average pooling's gradient op) take any number of
spatial dims: a strided view with three window dims, the maximum's index flat within each (D, H, W)
volume as torch's, the gradients a scatter through those indices and a transposed window sum. The
subclasses here only give the nodes torch's 3-d names. What is 3-d is the argument checking, which
follows torch's ``pooling_output_shape`` and ``pool3d_shape_check`` in order and words, and the
unbatched (C, D, H, W) form.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..tensor import Tensor
from .base import INTEGER_DTYPES, require_floating
from .pool import AvgPool2D, MaxPool2DWithIndices, output_size
from .windows import is_int

__all__ = ["avg_pool3d", "max_pool3d"]

_DIMS = 3
# The words of torch's messages for an argument of the wrong length, per function.
_LENGTH_WORDS = {
    ("max_pool3d", "kernel_size"): "must either be a single int",
    ("max_pool3d", "stride"): "must either be omitted, a single int",
    ("max_pool3d", "padding"): "must either be a single int",
    ("max_pool3d", "dilation"): "must be either a single int",
    ("avg_pool3d", "kernel_size"): "must be a single int",
    ("avg_pool3d", "stride"): "must be omitted, a single int",
    ("avg_pool3d", "padding"): "must be a single int",
}
_POSITIONS = {"kernel_size": 2, "stride": 3, "padding": 4, "dilation": 5}


class MaxPool3DWithIndices(MaxPool2DWithIndices):
    """Max over each window of a (N, C, D, H, W) array; also torch's flat per-volume index of that maximum."""

    node_name = "MaxPool3DWithIndicesBackward0"


class AvgPool3D(AvgPool2D):
    """Mean over each window of a (N, C, D, H, W) array, with torch's divisor rules."""

    node_name = "AvgPool3DBackward0"


def _triple(fn: str, name: str, value: Any) -> tuple:
    """An int or a 1- or 3-sequence of ints as three ints, with torch's messages otherwise."""
    if is_int(value):
        return (int(value),) * _DIMS
    if not isinstance(value, (tuple, list)) or not all(is_int(v) for v in value):
        raise TypeError(
            f"{fn}(): argument '{name}' (position {_POSITIONS[name]}) must be tuple of ints, not {type(value).__name__}"
        )
    if len(value) not in (1, _DIMS):
        raise RuntimeError(f"{fn}: {name} {_LENGTH_WORDS[fn, name]}, or a tuple of three ints")
    return tuple(int(v) for v in value) * (_DIMS // len(value))


def _half(n: int) -> int:
    """n / 2 rounded toward zero, as C++ divides."""
    return -(-n // 2) if n < 0 else n // 2


def _check(fn: str, input: Tensor, k: tuple, s: tuple, p: tuple, d: tuple, ceil_mode: bool) -> tuple:
    """torch's checks of a 3-d pooling (after the input's rank), in its order; the output size."""
    for ki, si, pi, di in zip(k, s, p, d):  # pooling_output_shape, per dim
        if si == 0:
            raise RuntimeError("stride should not be zero")
        if pi < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pi}")
        if pi > _half((ki - 1) * di + 1):
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pi}, kernel_size={ki} and "
                f"dilation={di}"
            )
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kT: {k[0]} kH: {k[1]} kW: {k[2]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dT: {s[0]} dH: {s[1]} dW: {s[2]}")
    if min(d) <= 0:
        raise RuntimeError(
            f"dilation should be greater than zero, but got dilationT: {d[0]} dilationH: {d[1]} dilationW: {d[2]}"
        )
    batched = input.ndim == _DIMS + 2
    for n in input.shape[int(batched) :]:  # a batch may be empty, nothing else
        if n == 0:
            where = "max_pool3d_with_indices_out_cpu_template()" if fn == "max_pool3d" else "avg_pool3d()"
            raise RuntimeError(
                f"{where}: Expected input's non-batch dimensions to have positive length, but input has a shape of "
                f"{list(input.shape)} and non-batch dimension {n} has length zero!"
            )
    space = tuple(input.shape[-_DIMS:])
    if fn == "avg_pool3d" and any(n < ki for n, ki in zip(space, k)):
        raise RuntimeError(
            f"input image (T: {space[0]} H: {space[1]} W: {space[2]}) smaller than kernel size "
            f"(kT: {k[0]} kH: {k[1]} kW: {k[2]})"
        )
    if any(pi > _half(ki) for pi, ki in zip(p, k)):
        raise RuntimeError(
            "pad should be smaller than or equal to half of kernel size, but got "
            f"kT: {k[0]} kW: {k[2]} kH: {k[1]} padT: {p[0]} padW: {p[2]} padH: {p[1]}"
        )
    out = tuple(output_size(n, ki, si, pi, di, ceil_mode) for n, ki, si, pi, di in zip(space, k, s, p, d))
    if min(out) < 1:
        c = input.shape[-_DIMS - 1]
        raise RuntimeError(
            f"Given input size: ({c}x{'x'.join(map(str, space))}). Calculated output size: "
            f"({c}x{'x'.join(map(str, out))}). Output size is too small"
        )
    return out


def _args(fn: str, kernel_size: Any, stride: Any, padding: Any) -> tuple:
    k = _triple(fn, "kernel_size", kernel_size)
    omitted = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    return k, k if omitted else _triple(fn, "stride", stride), _triple(fn, "padding", padding)


def _check_rank(input: Tensor) -> None:
    if input.ndim not in (_DIMS + 1, _DIMS + 2):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")


def max_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over windows of a (N, C, D, H, W) or (C, D, H, W) input, padding with -inf.

    Args:
        kernel_size, stride, padding, dilation: an int or a triple (depth, rows, columns); ``stride`` defaults to
            ``kernel_size``; ``padding`` is at most half the kernel.
        ceil_mode: round the output size up (a last partial window, if it starts inside the input).
        return_indices: also return int64 indices of the maxima, flat within each (D, H, W) volume.
    """
    k, s, p = _args("max_pool3d", kernel_size, stride, padding)
    d = _triple("max_pool3d", "dilation", dilation)
    _check_rank(input)
    _check("max_pool3d", input, k, s, p, d, bool(ceil_mode))
    require_floating(input, "max_pool3d", also=INTEGER_DTYPES)
    x = input if input.ndim == _DIMS + 2 else input.unsqueeze(0)
    values, index = MaxPool3DWithIndices.apply(x, k, s, p, d, bool(ceil_mode))
    if input.ndim == _DIMS + 1:
        values, index = values.squeeze(0), index.squeeze(0)
    return (values, index) if return_indices else values


def avg_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over windows of a (N, C, D, H, W) or (C, D, H, W) input (zero padding).

    Args:
        kernel_size, stride, padding: an int or a triple (depth, rows, columns); ``stride`` defaults to
            ``kernel_size``; ``padding`` is at most half the kernel.
        ceil_mode: round the output size up (a last partial window, if it starts inside the input).
        count_include_pad: divide by the window size including padding (not the part beyond it in ceil
            mode); otherwise by the number of input elements in the window.
        divisor_override: divide every window by this instead.
    """
    if divisor_override is not None and not is_int(divisor_override):
        raise TypeError(f"avg_pool3d(): argument 'divisor_override' must be int, not {type(divisor_override).__name__}")
    k, s, p = _args("avg_pool3d", kernel_size, stride, padding)
    _check_rank(input)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _check("avg_pool3d", input, k, s, p, (1,) * _DIMS, bool(ceil_mode))
    require_floating(input, "avg_pool3d_out_frame", also=(dtypes.int64,))
    x = input if input.ndim == _DIMS + 2 else input.unsqueeze(0)
    out = AvgPool3D.apply(x, k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return out if input.ndim == _DIMS + 2 else out.squeeze(0)
