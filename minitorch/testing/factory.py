"""``torch.testing.make_tensor``: a random tensor of a dtype, shape and device, in torch's default ranges."""

from __future__ import annotations

import collections.abc
import math
import warnings
from typing import Any

from .. import dtypes
from ..creation import empty, randint
from ..tensor import Tensor
from ..type_info import finfo, iinfo

_INTEGRAL = (dtypes.uint8, dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64)
_FLOATING = (dtypes.float16, dtypes.float32, dtypes.float64)


def _bounds(dtype: Any, low: float | None, high: float | None, lowest: float, highest: float, default: tuple) -> tuple:
    """[low, high) from the user's values or the dtype's default, checked and clamped to [lowest, highest)."""
    low = default[0] if low is None else low
    high = default[1] if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
    if low == high and dtype in _FLOATING:
        warnings.warn(
            "Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is deprecated since "
            "2.1 and will be removed in 2.3. Use `torch.full(...)` instead.",
            FutureWarning,
            stacklevel=3,
        )
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(
            f"The value interval specified by `low` and `high` is [{low}, {high}), "
            f"but {dtype} only supports [{lowest}, {highest})"
        )
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dtype in _FLOATING:
        return low, high
    # randint's upper bound is exclusive: rounding both up keeps every draw inside [low, high)
    return math.ceil(low), math.ceil(high)


def make_tensor(
    *shape: Any,
    dtype: Any,
    device: Any,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)``, as ``torch.testing.make_tensor``.

    The default range is [0, 2) for bool, [-9, 10) for integers (clamped to the dtype's range) and [-9, 9) for
    floats; values come from minitorch's generator, so they differ from torch's.

    Args:
        shape: integers, or one sequence of them.
        dtype: the element type (any of minitorch's dtypes).
        device: the device of the result.
        low, high: the range, clamped to what ``dtype`` can represent; low must be below high.
        requires_grad: record operations on the result (floating dtypes only).
        noncontiguous: return a strided view (when there are at least two elements).
        exclude_zero: replace zeros by 1 (bool, integers) or by ``finfo(dtype).tiny`` (floats).
        memory_format: passed to ``clone``; exclusive with ``noncontiguous``.
    """
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = tuple(shape[0])
    if noncontiguous and memory_format is not None:
        raise ValueError(
            "The parameters `noncontiguous` and `memory_format` are mutually exclusive, "
            f"but got {noncontiguous=} and {memory_format=}"
        )
    if requires_grad and (dtype is dtypes.bool_ or dtype in _INTEGRAL):
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got {dtype=}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:  # draw twice the last dimension and keep every other column: a strided view, values distinct
        shape = (*shape[:-1], 2 * shape[-1])

    if dtype is dtypes.bool_:
        first, last = _bounds(dtype, low, high, 0, 2, (0, 2))
        result = randint(first, last, shape, device=device, dtype=dtype)
    elif dtype in _INTEGRAL:
        info = iinfo(dtype)
        # randint cannot draw int64's maximum itself (its bound would overflow): int64 stops one short
        highest = info.max + (0 if dtype is dtypes.int64 else 1)
        first, last = _bounds(dtype, low, high, info.min, highest, (-9, 10))
        result = randint(first, last, shape, device=device, dtype=dtype)
    elif dtype in _FLOATING:
        limits = finfo(dtype)
        first, last = _bounds(dtype, low, high, limits.min, limits.max, (-9, 9))
        result = empty(shape, device=device, dtype=dtype)
        if last - first >= limits.max:  # the width itself would overflow: draw half the range and double it
            result.uniform_(first / 2, last / 2).mul_(2)
        else:
            result.uniform_(first, last)
    else:
        raise TypeError(
            f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor()."
            " To request support, file an issue at: https://github.com/pytorch/pytorch/issues"
        )

    if noncontiguous:
        result = result[..., 1::2]  # from offset 1: an offset bug shows up too
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = finfo(dtype).tiny if dtype in _FLOATING else 1
    if dtype in _FLOATING:
        result.requires_grad = requires_grad
    return result
