"""Tensor creation: tensor, from_numpy, frombuffer, zeros, ones, full, empty, rand, randn, randint, arange, linspace, eye."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import backend, dtypes
from .nested_data import infer_array
from .random import Generator, check_integer_bounds, sample_integers, sample_normal, sample_permutation, sample_uniform
from .tensor import Tensor


def tensor(
    data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, pin_memory: bool = False
) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested sequence, array or tensor).

    Args:
        data: the values; Python floats become the default dtype (float32), ints int64, bools bool, numpy
            arrays and scalars keep their dtype; numbers are converted straight to ``dtype`` when given.
        dtype: the element type (default: inferred from ``data``).
        device: where the tensor lives (default cpu).
        requires_grad: record operations on it for autograd.
    """
    arr = infer_array(data, None if dtype is None else dtypes.as_dtype(dtype))
    if arr is data or (isinstance(data, Tensor) and arr is data._data):
        arr = np.array(arr, copy=True)  # order "K": a strided array keeps its layout, as in torch
    out = backend.to_device(arr, _device(device))
    t = Tensor._wrap(out)
    if requires_grad:
        t.requires_grad = True
    return t


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with a numpy array or tensor where dtype and device allow."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtypes.as_dtype(dtype) if dtype is not None else None)
    if isinstance(data, np.ndarray) or backend.is_array(data):
        dtypes.from_numpy_dtype(data.dtype)
        arr = backend.to_device(data, _device(device))
        if dtype is not None:
            arr = arr.astype(dtypes.as_dtype(dtype).np_dtype, copy=False)
        return Tensor._wrap(arr)
    return tensor(data, dtype=dtype, device=device)


def asarray(
    obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None, requires_grad: bool = False
) -> Tensor:
    """``obj`` (a tensor, an array, a number or nested sequences) as a tensor.

    Args:
        obj: what to convert.
        dtype: the result's dtype (default: ``obj``'s, or inferred as ``tensor`` infers it).
        device: the result's device (default: ``obj``'s, or the default device).
        copy: None shares memory with a tensor or array where dtype and device allow; True always copies;
            False never does, and raises ValueError where the conversion would have to.
        requires_grad: whether the result requires grad (a floating dtype only, as in torch).
    """
    want = None if dtype is None else dtypes.as_dtype(dtype)
    if copy is False:
        _check_aliasable(obj, want, device)
    if isinstance(obj, Tensor):
        result = obj.to(device=device, dtype=want)
        if copy:
            result = result.clone() if result is obj else result
    elif isinstance(obj, np.ndarray) or backend.is_array(obj):
        result = as_tensor(obj.copy() if copy else obj, dtype=want, device=device)
    else:
        result = tensor(obj, dtype=want, device=device)
    if requires_grad:
        result.requires_grad_(True)
    return result


def _check_aliasable(obj: Any, dtype: dtypes.dtype | None, device: Any) -> None:
    """torch's ValueError for ``asarray(..., copy=False)`` where the result cannot share ``obj``'s memory."""
    if isinstance(obj, Tensor):
        have, on = obj.dtype, obj.device
    elif isinstance(obj, np.ndarray) or backend.is_array(obj):  # (torch's words call an array a tensor too)
        have, on = dtypes.from_numpy_dtype(obj.dtype), backend.device_of(obj)
    else:
        raise ValueError("can't alias arbitrary sequence into a tensor.")
    if dtype is not None and dtype is not have:
        raise ValueError(f"can't alias tensor with dtype '{have._scalar_name}' into dtype '{dtype._scalar_name}'.")
    if device is not None and backend.as_device(device) != on:
        raise ValueError(f"can't alias tensor on device '{on}' into device '{backend.as_device(device)}'.")


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dtypes.from_numpy_dtype(ndarray.dtype)
    return Tensor._wrap(ndarray)


def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-D tensor sharing memory with ``buffer``, an object with Python's buffer protocol (bytearray, array, mmap).

    Args:
        buffer: the bytes to view.
        dtype: the element type the bytes are read as.
        count: how many elements to read (negative: as many as fit after ``offset``).
        offset: how many bytes to skip at the start.
        requires_grad: whether the result requires grad (a floating dtype only).
    """
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    want = dtypes.as_dtype(dtype)
    size, length = np.dtype(want.np_dtype).itemsize, view.nbytes
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length ({length} bytes) minus 1"
        )
    if count < 0 and (length - offset) % size:
        raise ValueError(
            f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a multiple of element "
            f"size ({size})"
        )
    if count > 0 and count * size > length - offset:
        raise ValueError(
            f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) must not be greater "
            f"than actual buffer length ({length} bytes)"
        )
    if view.readonly:
        # torch shares the memory anyway; here the array stays read-only, so writing through the tensor raises.
        warnings.warn(
            "The given buffer is not writable, and PyTorch does not support non-writable tensors. This means you "
            "can write to the underlying (supposedly non-writable) buffer using the tensor. You may want to copy "
            "the buffer to protect its data or make it writable before converting it to a tensor.",
            UserWarning,
            stacklevel=2,
        )
    arr = np.frombuffer(view, dtype=want.np_dtype, count=-1 if count < 0 else count, offset=offset)
    result = Tensor._wrap(arr)
    if requires_grad:
        result.requires_grad_(True)
    return result


_default_device: backend.device | None = None


def set_default_device(device: Any) -> None:
    """Make the creation functions put new tensors on ``device`` when they are given none (None: the CPU again).

    ``from_numpy`` and the ``*_like`` functions are unaffected, as in torch.

    Args:
        device: a device or its name ('cpu', 'cuda', 'cuda:1'), or None.
    """
    global _default_device
    _default_device = None if device is None else backend.as_device(device)


def get_default_device() -> backend.device:
    """The device the creation functions use when given none (the CPU unless ``set_default_device`` changed it)."""
    return _default_device if _default_device is not None else backend.as_device(None)


def _device(device: Any) -> backend.device:
    return backend.as_device(device if device is not None else _default_device)


def _size(size: Sequence[Any]) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if not isinstance(s, (int, np.integer)) and not (isinstance(s, Tensor) and s.numel() == 1):
            raise TypeError(f"argument 'size' must be tuple of ints, but found element of type {type(s).__name__}")
        s = int(s)
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(map(int, size))}")
        out.append(s)
    return tuple(out)


def _make(arr: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(backend.to_device(arr, _device(device)))
    if requires_grad:
        t.requires_grad = True
    return t


def _float_dtype(dtype: Any) -> dtypes.dtype:
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def _filled(shape: tuple, value: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    """A tensor of the (checked) ``shape`` holding ``value``."""
    dev = _device(device)
    xp = backend.module_for_device(dev)
    return _make(xp.full(shape, value, dtype=_float_dtype(dtype).np_dtype), dev, requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None) -> Tensor:
    """A tensor of zeros of the given size."""
    return _filled(_size(size), 0, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, out: Any = None) -> Tensor:
    """A tensor of ones of the given size."""
    return _filled(_size(size), 1, dtype, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **_: Any) -> Tensor:
    """A tensor of the given size with unspecified contents."""
    dev = _device(device)
    return _make(
        backend.module_for_device(dev).empty(_size(size), dtype=_float_dtype(dtype).np_dtype), dev, requires_grad
    )


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s`` (default dtype: the default floating dtype, whatever ``s`` is)."""
    return full((), s, dtype=_float_dtype(dtype), device=device, requires_grad=requires_grad)


def full(
    size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype inferred from the value, as torch).

    The value is converted as ``fill_`` converts it: straight to the dtype, with torch's overflow error.
    """
    if isinstance(fill_value, Tensor) and fill_value.numel() == 1:
        fill_value = fill_value.item()
    if not dtypes.is_number(fill_value):
        raise TypeError(f"full(): argument 'fill_value' (position 2) must be Number, not {type(fill_value).__name__}")
    dt = dtypes.result_type(fill_value) if dtype is None else dtypes.as_dtype(dtype)
    shape = _size((tuple(size),))
    value = dtypes.fill_scalar(fill_value, dt, math.prod(shape))
    return _filled(shape, value, dt, device, requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The n×m identity matrix."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _make(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype).np_dtype), device, requires_grad)


def arange(
    start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments."""
    if end is None:
        start, end = 0, start
    if step == 0 or step != step:
        raise RuntimeError("step must be nonzero")
    for v in (start, end):
        if not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = dtypes.result_type(start, end, step)
    dt = dtypes.as_dtype(dtype)
    if not dt.is_floating_point:  # torch steps in int64: the bounds convert to it (checked, truncated)
        for v in (start, end, step):
            dtypes.check_fits(v, dtypes.int64)
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero")
    n = max(0, math.ceil((end - start) / step))
    arr = (
        (start + np.arange(n, dtype=np.float64) * step)
        if dt.is_floating_point
        else np.arange(start, end, step, dtype=np.int64)[:n]
    )
    return _make(arr.astype(dt.np_dtype), device, requires_grad)


def linspace(
    start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    dt = _float_dtype(dtype)
    for v in (start, end):  # torch converts both ends to the dtype, checked
        dtypes.check_fits(v, dt)
    return _make(np.linspace(start, end, steps).astype(dt.np_dtype), device, requires_grad)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in the exponent."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _float_dtype(dtype)
    powers = np.power(float(base), np.linspace(start, end, steps))  # in float64, then to the dtype (torch's values)
    if not dt.is_floating_point:
        powers = np.trunc(powers)
    return _make(powers.astype(dt.np_dtype), device, requires_grad)


def tril_indices(
    row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None, layout: Any = None
) -> Tensor:
    """The (row, column) coordinates of a ``row`` x ``col`` matrix's lower triangle (below the ``offset``-th
    diagonal, inclusive), as a 2 x N tensor in row-major order."""
    return _triangle_indices("tril_indices", np.tril_indices(row, offset, col), row, col, dtype, device)


def triu_indices(
    row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None, layout: Any = None
) -> Tensor:
    """The (row, column) coordinates of a ``row`` x ``col`` matrix's upper triangle (above the ``offset``-th
    diagonal, inclusive), as a 2 x N tensor in row-major order."""
    return _triangle_indices("triu_indices", np.triu_indices(row, offset, col), row, col, dtype, device)


def _triangle_indices(name: str, where: tuple, row: int, col: int, dtype: Any, device: Any) -> Tensor:
    if row < 0 or col < 0:  # torch's messages, their missing space included
        raise RuntimeError(f"row must be non-negative, got{row}" if row < 0 else f"col must be non-negative, got{col}")
    dt = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if dt.name not in ("int32", "int64"):
        raise NotImplementedError(f"\"{name}\" not implemented for '{dt._scalar_name}'")
    return _make(np.stack(where).astype(dt.np_dtype).reshape(2, -1), device, False)


def rand(
    *size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Uniform samples on [0, 1) from minitorch's generator."""
    dt = _sampled_dtype(dtype, "check_uniform_bounds")
    return _make(sample_uniform(_size(size), 0.0, 1.0, dt, generator), device, requires_grad)


def randn(
    *size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples from minitorch's generator."""
    dt = _sampled_dtype(dtype, "normal_kernel_cpu")
    return _make(sample_normal(_size(size), 0.0, 1.0, dt, generator), device, requires_grad)


def _sampled_dtype(dtype: Any, kernel: str) -> dtypes.dtype:
    """The dtype of rand/randn samples; torch has no integer kernels for them."""
    dt = _float_dtype(dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt._scalar_name}'")
    return dt


def randint(
    low: int,
    high: int | None = None,
    size: Sequence[int] = (),
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers uniform on [low, high) (int64 unless ``dtype`` says otherwise); ``randint(high, size)`` too."""
    if isinstance(high, (tuple, list)):
        size, high = high, None
    if high is None:
        low, high = 0, low
    dt = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    check_integer_bounds(low, high, dt)
    return _make(
        sample_integers(_size((tuple(size),)), low, high, generator).astype(dt.np_dtype), device, requires_grad
    )


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    return _make(sample_permutation(n, generator).astype(dt.np_dtype), device, False)


def _like(input: Tensor, dtype: Any, device: Any) -> tuple:
    return (input.dtype if dtype is None else dtypes.as_dtype(dtype)), (input.device if device is None else device)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return zeros(tuple(input.shape), dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return ones(tuple(input.shape), dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return empty(tuple(input.shape), dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(
    input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return full(tuple(input.shape), fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return rand(tuple(input.shape), dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return randn(tuple(input.shape), dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int, high: int | None = None, *, dtype: Any = None, device: Any = None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return randint(low, high, tuple(input.shape), dtype=dt, device=dev)
