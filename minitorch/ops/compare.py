"""Comparisons and logical ops: bool results that carry no gradient."""

from __future__ import annotations

from typing import Any

from .. import backend, dtypes
from ..tensor import Tensor
from .base import as_tensor, check_broadcast, no_graph, prepare


def _compare(name: str, input: Any, other: Any) -> Tensor:
    a, b, _ = prepare(input, other)
    check_broadcast(a, b)
    ra = a._data if isinstance(a, Tensor) else a
    rb = b._data if isinstance(b, Tensor) else b
    return no_graph(getattr(backend.array_module(ra, rb), name), ra, rb)


def eq(input: Any, other: Any) -> Tensor:
    """input == other, elementwise."""
    return _compare("equal", input, other)


def ne(input: Any, other: Any) -> Tensor:
    """input != other, elementwise."""
    return _compare("not_equal", input, other)


def lt(input: Any, other: Any) -> Tensor:
    """input < other, elementwise."""
    return _compare("less", input, other)


def le(input: Any, other: Any) -> Tensor:
    """input <= other, elementwise."""
    return _compare("less_equal", input, other)


def gt(input: Any, other: Any) -> Tensor:
    """input > other, elementwise."""
    return _compare("greater", input, other)


def ge(input: Any, other: Any) -> Tensor:
    """input >= other, elementwise."""
    return _compare("greater_equal", input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_and(input: Any, other: Any) -> Tensor:
    return _compare("logical_and", input, other)


def logical_or(input: Any, other: Any) -> Tensor:
    return _compare("logical_or", input, other)


def logical_xor(input: Any, other: Any) -> Tensor:
    return _compare("logical_xor", input, other)


def logical_not(input: Tensor) -> Tensor:
    return no_graph(backend.array_module(input._data).logical_not, input._data)


def _bitwise(name: str, input: Any, other: Any) -> Tensor:
    a, b, dt = prepare(input, other)
    if dt.is_floating_point:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_short(dt)}'")
    check_broadcast(a, b)
    ra = a._data if isinstance(a, Tensor) else a
    rb = b._data if isinstance(b, Tensor) else b
    return no_graph(getattr(backend.array_module(ra, rb), name), ra, rb)


def bitwise_and(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_and", input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_or", input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_xor", input, other)


def bitwise_not(input: Tensor) -> Tensor:
    if input.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return no_graph(backend.array_module(input._data).invert, input._data)


def _short(dt: dtypes.dtype) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(dt.name, dt.name)


def all(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """True where every element (along ``dim``) is non-zero."""
    return no_graph(lambda a: backend.array_module(a).all(a, axis=dim, keepdims=keepdim), input._data)


def any(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """True where some element (along ``dim``) is non-zero."""
    return no_graph(lambda a: backend.array_module(a).any(a, axis=dim, keepdims=keepdim), input._data)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one tensor per dimension."""
    xp = input._xp
    idx = xp.nonzero(input._data)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(xp.int64)) for i in idx)
    return Tensor._wrap(xp.stack(idx, axis=1).astype(xp.int64) if idx else xp.zeros((1, 0), xp.int64))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise."""
    return no_graph(
        lambda a, b: backend.array_module(a).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan),
        input._data,
        as_tensor(other)._data,
    )


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element is close (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and elements."""
    return tuple(input.shape) == tuple(other.shape) and bool((input._data == other._data).all())
