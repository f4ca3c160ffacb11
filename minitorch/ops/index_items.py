"""How torch reads an index: which items a Python index holds (tuples, and the legacy rule for short lists),
and each item as numpy indexes with it (Python sequences and ranges as index arrays, bools as masks, 0-dim
integer tensors as ints), with torch's errors."""

from __future__ import annotations

import warnings
from collections.abc import Sequence as SequenceABC
from typing import Any

from .. import backend, creation, dtypes
from ..tensor import Tensor

_LEGACY_TUPLE = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in pytorch 2.9; "
    "use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor index, "
    "x[torch.tensor(seq)], which will result either in an error or a different result"
)


def _is_sequence(it: Any) -> bool:
    """A Python sequence (list, tuple, range, ...) or a host/device array: what torch turns into an index tensor."""
    return isinstance(it, SequenceABC) and not isinstance(it, (str, bytes)) or backend.is_array(it)


def index_items(index: Any) -> tuple:
    """The items of an index, as torch splits them: a tuple is a tuple; a short list holding a tensor,
    sequence, slice, None or ``...`` is one too (numpy's legacy rule, deprecated in torch, with its warning);
    anything else (an int, a tensor, a list of numbers, a range) is one item."""
    if isinstance(index, tuple):
        return index
    if isinstance(index, Tensor) or backend.is_array(index) or not _is_sequence(index) or len(index) >= 32:
        return (index,)
    if any(isinstance(it, (Tensor, slice)) or it is None or it is Ellipsis or _is_sequence(it) for it in index):
        warnings.warn(_LEGACY_TUPLE, UserWarning, stacklevel=5)  # at the user's x[...]
        return tuple(index)
    return (index,)


def _numbers(seq: Any, x: Tensor) -> Any:
    """A Python sequence of numbers (nested evenly) as an array on ``x``'s device, else None."""
    try:
        arr = backend.array_module(x._data).asarray(seq)
    except (ValueError, TypeError):
        return None
    return arr if arr.dtype.kind in "biuf" else None


def _sequence_index(seq: Any, x: Tensor) -> Any:
    """A sequence or array as an index array on ``x``'s device: bools stay masks, uint8 becomes one (torch's
    deprecated byte masks), anything else int64 (floats truncated), as torch's indexing_tensor_from_data."""
    arr = seq if backend.is_array(seq) else _numbers(seq, x)
    if arr is None:  # ragged, or holding something else: as torch.tensor reads it (and fails with its errors)
        arr = creation.tensor(seq)._data
    if arr.dtype == "uint8":
        msg = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."
        warnings.warn(msg, UserWarning, stacklevel=5)  # at the user's x[...]
        arr = arr.astype(bool)
    elif arr.dtype.kind != "b":
        arr = arr.astype("int64", copy=False)
    return backend.to_device(arr, x.device)


def convert_index(index: Any, x: Tensor) -> tuple:
    """Turn tensors and sequences inside an index into arrays; say whether it is basic (a view)."""
    out, basic = [], True
    for it in index_items(index):
        if type(it) is int or it is None or it is Ellipsis:  # the common items first: nothing to convert
            pass
        elif isinstance(it, Tensor):
            if it.device != x.device and it.device.type != "cpu":
                raise RuntimeError(
                    f"indices should be either on cpu or on the same device as the indexed tensor ({x.device})"
                )
            if it.dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if it.ndim == 0 and it.dtype not in (dtypes.bool_, dtypes.uint8):
                it = int(it.item())  # a 0-dim integer tensor selects, as an int does (a view)
            else:
                it = _sequence_index(it._data, x)  # cpu indices serve a tensor on any device
                basic = False
        elif backend.is_array(it) and it.ndim == 0 and it.dtype.kind in "iu" and it.dtype != "uint8":
            it = int(it)
        elif isinstance(it, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(it).__name__}'")
        elif _is_sequence(it):
            it = _sequence_index(it, x)
            basic = False
        elif isinstance(it, bool):
            basic = False
        elif not (it is None or it is Ellipsis or isinstance(it, (int, slice))):
            if hasattr(it, "__index__"):
                it = it.__index__()
            else:
                raise IndexError(
                    "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                    "Variables are valid indices (got " + type(it).__name__ + ")"
                )
        if isinstance(it, slice) and it.step is not None and it.step <= 0:
            raise ValueError("step must be greater than zero")
        out.append(it)
    _check_masks(out, tuple(x.shape))
    if not basic and any(it is Ellipsis for it in out) and _width(out) == x.ndim:
        # An ellipsis standing for no dimension does not part advanced indices for torch (x[:, [0], ..., [0]] of a
        # 3-d x keeps the indexed dimensions in place); numpy would move them to the front.
        out = [it for it in out if it is not Ellipsis]
    return tuple(out), basic


def _width(items: list) -> int:
    """The dimensions an index's items cover (a boolean mask its own, None and ``...`` none)."""
    total = 0
    for it in items:
        if it is None or it is Ellipsis or isinstance(it, bool):
            continue
        total += it.ndim if backend.is_array(it) and it.dtype.kind == "b" else 1
    return total


def _check_masks(items: list, shape: tuple) -> None:
    """torch's error for a boolean mask whose shape differs from the dimensions it covers."""

    def width(it: Any) -> int:
        if it is None or it is Ellipsis or isinstance(it, bool):
            return 0
        return it.ndim if backend.is_array(it) and it.dtype.kind == "b" else 1

    dim = 0
    for i, it in enumerate(items):
        if it is Ellipsis:
            dim = len(shape) - sum(width(rest) for rest in items[i + 1 :])
            continue
        if backend.is_array(it) and it.dtype.kind == "b":
            for j, n in enumerate(it.shape):
                if dim + j < len(shape) and shape[dim + j] != n:
                    raise IndexError(
                        f"The shape of the mask {list(it.shape)} at index {j} does not match the shape "
                        f"of the indexed tensor {list(shape)} at index {dim + j}"
                    )
        dim += width(it)
