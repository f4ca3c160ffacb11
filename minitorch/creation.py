"""Tensor creation: tensor, from_numpy, zeros, ones, full, empty, rand, randn, randint, arange, linspace, eye."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import backend, dtypes
from .random import Generator, check_integer_bounds, sample_integers, sample_normal, sample_permutation, sample_uniform
from .tensor import Tensor


def _infer_array(data: Any, dtype: dtypes.dtype | None = None) -> np.ndarray:
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
    arr = _infer_array(data, None if dtype is None else dtypes.as_dtype(dtype))
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


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dtypes.from_numpy_dtype(ndarray.dtype)
    return Tensor._wrap(ndarray)


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
