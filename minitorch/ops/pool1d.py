"""1-d max and average pooling: the 2-d ops (pool.py) run on a unit height, as torch's own do.

The (N, C, L) input becomes (N, C, 1, L) and the 1-d arguments (k,) become (1, k); the result
is squeezed back (torch's graph ends in the same ``SqueezeBackward1``). What differs is only the
argument checking, which follows torch's 1-d messages.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .base import require_floating
from .pool import avg_pool2d, max_pool2d, output_size
from .windows import is_int

__all__ = ["avg_pool1d", "max_pool1d"]


def _single(fn: str, name: str, value: Any, position: int | None = None) -> int:
    """One int from an int or a 1-sequence, with torch's messages otherwise."""
    if is_int(value):
        return int(value)
    if not isinstance(value, (tuple, list)):
        where = f" (position {position})" if position else ""
        raise TypeError(f"{fn}(): argument '{name}'{where} must be tuple of ints, not {type(value).__name__}")
    if len(value) != 1:
        if fn == "max_pool1d":
            raise RuntimeError(
                f"max_pool1d() {name} must be an int, list of ints or tuple of ints of size 1 but got size {len(value)}"
            )
        raise RuntimeError(f"{fn}() argument '{name}' should contain one int (got {len(value)})")
    return int(value[0])


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over windows of a (N, C, L) or (C, L) input, padding with -inf.

    Args:
        kernel_size, stride, padding, dilation: ints (or 1-tuples); ``stride`` defaults to ``kernel_size``;
            ``padding`` is at most half the kernel.
        ceil_mode: round the output length up.
        return_indices: also return the int64 positions of the maxima.
    """
    if input.ndim not in (2, 3) or any(n == 0 for n in input.shape[-2:]):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got:{list(input.shape)}"
        )
    k = _single("max_pool1d", "kernel_size", kernel_size, 2)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else stride
    s = _single("max_pool1d", "stride", s, 3)
    p = _single("max_pool1d", "padding", padding, 4)
    d = _single("max_pool1d", "dilation", dilation, 5)
    for name, value in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if value <= 0:
            raise RuntimeError(f"max_pool1d() {name} must be greater than zero, but got {value}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(
            f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and kernel_size={k}"
        )
    n = output_size(input.shape[-1], k, s, p, d, bool(ceil_mode))
    if n < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {n}")
    if not return_indices:  # torch's own 1-d kernel, which has no integer version (its 2-d one has)
        require_floating(input, "max_pool1d_impl")
    out = max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over windows of a (N, C, L) or (C, L) input (zero padding).

    Args:
        kernel_size, stride, padding: ints (or 1-tuples); ``stride`` defaults to ``kernel_size``.
        ceil_mode: round the output length up.
        count_include_pad: divide by the window length including padding.
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 'self' "
            "(while checking arguments for avg_pool1d)"
        )
    k = _single("avg_pool1d", "kernel_size", kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else stride
    s = _single("avg_pool1d", "stride", s)
    p = _single("avg_pool1d", "padding", padding)
    out = avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode, count_include_pad)
    return out.squeeze(-2)
