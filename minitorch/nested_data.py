"""Python data to one array, as ``torch.tensor`` reads it: nested lists and tuples of numbers, bools, numpy
scalars and arrays, and one-element tensors, with torch's dtype inference, its range checks and its errors
for ragged or non-numeric data. ``creation.tensor`` and the legacy ``Tensor(data)`` constructor use it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .tensor import Tensor


def infer_array(data: Any, dtype: dtypes.dtype | None = None) -> np.ndarray:
    """A numpy array for ``data`` with torch's dtype inference; ``dtype``, when given, is the target.

    Arrays and tensors are cast as torch casts them (wrapping); Python data is converted element by
    element as ``torch.tensor`` does (see ``_from_python``).
    """
    if isinstance(data, Tensor):
        arr = data._cpu_array()
    elif isinstance(data, np.ndarray):
        dtypes.from_numpy_dtype(data.dtype)
        arr = data
    else:
        return _from_python(data, dtype)
    return arr if dtype is None else arr.astype(dtype.np_dtype)


def _leaves(data: Any) -> tuple:
    """An object array of ``data``'s numbers in its shape, and the set of their types."""
    if isinstance(data, (list, tuple)) and any(issubclass(k, (Tensor, np.ndarray)) for k in set(map(type, data))):
        data = [_unpack_item(x) for x in data]
    try:
        leaves = np.array(data, dtype=object)
    except ValueError:
        leaves = None
    kinds = set() if leaves is None else set(map(type, leaves.reshape(-1)))
    if leaves is None or list in kinds or tuple in kinds:  # numpy keeps the rows of a ragged list whole
        _check_ragged(data)
        raise ValueError("expected sequence of equal lengths")
    return leaves, kinds


def _unpack_item(x: Any) -> Any:
    """Numbers that keep their dtype: a tensor inside a sequence counts as its one number (torch's rule),
    an array as its elements."""
    if isinstance(x, Tensor):
        if x.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return x._cpu_array().reshape(())[()]
    if isinstance(x, np.ndarray):
        return np.array(list(x.reshape(-1)), dtype=object).reshape(x.shape)
    return x


def _leaf_dtype(kind: type) -> dtypes.dtype:
    """The dtype torch infers for one number of type ``kind``."""
    if issubclass(kind, np.generic):
        if issubclass(kind, np.complexfloating):
            raise TypeError("minitorch has no complex dtypes")
        return dtypes.from_numpy_dtype(np.dtype(kind))
    if kind is bool:
        return dtypes.bool_
    if issubclass(kind, int):
        return dtypes.int64
    if issubclass(kind, float):
        return dtypes.get_default_dtype()
    if issubclass(kind, complex):
        raise TypeError("minitorch has no complex dtypes")
    if issubclass(kind, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{kind.__name__}'")
    raise RuntimeError(f"Could not infer dtype of {kind.__name__}")


def _from_python(data: Any, dtype: dtypes.dtype | None) -> np.ndarray:
    """Python numbers (nested sequences, numpy scalars, one-element tensors) as torch.tensor stores them.

    Each number goes straight from its Python value to the target dtype: a float through its own
    double, never through float32 first; an int exactly (beyond int64 only into a floating dtype).
    Integer targets check the range and raise torch's errors instead of wrapping.
    """
    leaves, kinds = _leaves(data)
    flat = leaves.reshape(-1)
    if flat.size and isinstance(flat[0], (str, bytes)) and leaves.ndim:
        raise ValueError(f"too many dimensions '{type(flat[0]).__name__}'")  # torch reads a string as a sequence
    if dtype is None:
        dtype = None if kinds else dtypes.get_default_dtype()
        for d in map(_leaf_dtype, kinds):
            dtype = d if dtype is None else dtypes.promote_types(dtype, d)
    assert dtype is not None  # kinds is empty only when the default dtype was taken
    for k in kinds:
        if not issubclass(k, (bool, int, float, np.bool_, np.number)) or issubclass(k, np.complexfloating):
            raise TypeError(f"must be real number, not {k.__name__}")
    if dtype is dtypes.bool_:
        for k in kinds:  # torch reads these through __index__, which numpy's floats lack
            if issubclass(k, np.floating) and not issubclass(k, float):
                raise TypeError(f"'numpy.{k.__name__}' object cannot be interpreted as an integer")
        out = flat.astype(np.bool_)  # truth values: NaN is True
    elif dtype.is_floating_point:
        out = flat.astype(np.float64)  # float() of each: exact for numpy floats, one rounding for big ints
        with np.errstate(over="ignore"):  # too large for float32 or float16 becomes inf, as in torch
            if dtype is dtypes.float16:  # c10 converts a double to half through float
                out = out.astype(np.float32)
            out = out.astype(dtype.np_dtype)
    else:
        out = _to_integers(flat, kinds, dtype)
    return out.reshape(leaves.shape)


def _to_integers(flat: np.ndarray, kinds: set, dtype: dtypes.dtype) -> np.ndarray:
    """Numbers into an integer dtype as torch.tensor stores them: floats truncate, nothing wraps past the
    range, and the first number that does not fit (in order, as torch stores them) names the error."""
    not_int = tuple(k for k in kinds if issubclass(k, (np.floating, np.bool_)) and not issubclass(k, float))
    errors: list[tuple[int, Exception]] = []  # (position, error) of the first bad number of each kind
    if not_int:  # numpy's other floats and bools have no __index__, and are not Python floats
        first = next(i for i, x in enumerate(flat) if isinstance(x, not_int))
        errors.append(
            (first, TypeError(f"'numpy.{type(flat[first]).__name__}' object cannot be interpreted as an integer"))
        )
        flat = np.where([isinstance(x, not_int) for x in flat], 0, flat)
    is_float = (
        np.fromiter((isinstance(x, float) for x in flat), dtype=bool, count=flat.size)
        if any(issubclass(k, float) for k in kinds)
        else np.zeros(flat.size, dtype=bool)
    )
    info = np.iinfo(dtype.np_dtype)
    out = np.empty(flat.size, dtype=dtype.np_dtype)
    with np.errstate(invalid="ignore"):
        where = np.flatnonzero(is_float)
        if where.size:
            f = flat[where].astype(np.float64)
            bad = ~((f >= float(info.min)) & (f <= float(info.max)))  # NaN is bad too
            if bad.any():
                errors.append((where[bad.argmax()], dtypes.overflow_error(dtype, dtype.name)))
            out[where] = f.astype(dtype.np_dtype)
        where = np.flatnonzero(~is_float)
        if where.size:
            ints = flat[where]
            huge = ((ints < -(2**63)) | (ints >= 2**63)).astype(bool)  # Python comparisons: exact for any int
            if huge.any():
                errors.append((where[huge.argmax()], ValueError("Overflow when unpacking long long")))
            i = np.where(huge, 0, ints).astype(np.int64)
            # A negative value wraps into an unsigned type when its magnitude fits, as c10 allows.
            low = -int(info.max) if info.min == 0 else int(info.min)
            bad = (i < low) | (i > int(info.max))
            if bad.any():
                errors.append((where[bad.argmax()], dtypes.overflow_error(dtype, dtype.name)))
            out[where] = i.astype(dtype.np_dtype)
    if errors:
        raise min(errors, key=lambda e: e[0])[1]
    return out


def _check_ragged(data: Any) -> None:
    """Raise torch's error for nested sequences whose lengths disagree with the first element's."""
    shape, x = [], data
    while isinstance(x, (list, tuple)):
        shape.append(len(x))
        x = x[0] if len(x) else None
    stack = [(data, 0)]
    while stack:
        x, d = stack.pop()
        if d == len(shape):
            if isinstance(x, (list, tuple)):
                raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as a number")
            continue
        if not isinstance(x, (list, tuple)):
            raise TypeError("not a sequence")
        if len(x) != shape[d]:
            raise ValueError(f"expected sequence of length {shape[d]} at dim {d} (got {len(x)})")
        stack.extend((y, d + 1) for y in reversed(x))
