"""Comparisons, logical and bitwise ops (shifts included), and the index finders: results that carry no gradient."""

from __future__ import annotations

from typing import Any

from .. import backend, dtypes
from ..autograd.function import Context
from ..autograd.grad_mode import is_grad_enabled
from ..backend import Array
from ..tensor import Tensor
from .base import Op, check_broadcast, namespace_of, no_graph, prepare

__all__ = [
    "all",
    "isin",
    "isneginf",
    "isposinf",
    "signbit",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "isreal",
    "nonzero_static",
    "allclose",
    "any",
    "argwhere",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "count_nonzero",
    "eq",
    "equal",
    "ge",
    "greater",
    "greater_equal",
    "greater_than",
    "gt",
    "isclose",
    "le",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "ne",
    "nonzero",
    "not_equal",
]


def _compare(name: str, input: Any, other: Any) -> Tensor:
    a, b, _ = prepare(input, other)
    check_broadcast(a, b)
    ra = a._data if isinstance(a, Tensor) else a
    rb = b._data if isinstance(b, Tensor) else b
    return no_graph(getattr(backend.array_module(ra, rb), name), ra, rb)


class ComparisonWritten(Op):
    """A comparison written into a floating tensor that is part of a graph (``y.gt_(0)``): its values in that
    tensor's dtype, recorded as torch records it, with a zero gradient for each operand."""

    @staticmethod
    def forward(ctx: Context, x: Array, other: Any, result: Array) -> Array:
        return result.astype(x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        xp = namespace_of(grad)
        zero = xp.zeros_like(grad)  # (the engine reduces the other operand's to its shape)
        return zero, (zero if ctx.needs_input_grad[1] else None)


# The node classes torch names, by comparison and by the other operand's kind (number: 0, tensor: 1).
_WRITTEN: dict[str, tuple[type[ComparisonWritten], ...]] = {
    name: tuple(
        type(f"{short}Written{form}", (ComparisonWritten,), {"node_name": f"{short}Backward{form}"}) for form in (0, 1)
    )
    for name, short in (
        ("equal", "Eq"),
        ("not_equal", "Ne"),
        ("less", "Lt"),
        ("less_equal", "Le"),
        ("greater", "Gt"),
        ("greater_equal", "Ge"),
    )
}


def compared_in_place(name: str, input: Tensor, other: Any) -> Tensor:
    """``input <name> other`` (``name`` numpy's: "greater", ...) as an in-place comparison writes it: a bool result,
    or, where ``input`` is floating and the graph is recorded, its values recorded with torch's node."""
    result = _compare(name, input, other)
    other_is_tensor = isinstance(other, Tensor)
    needs = input.requires_grad or (other_is_tensor and other.requires_grad)
    if not (needs and is_grad_enabled() and input.dtype.is_floating_point):
        return result
    return _WRITTEN[name][other_is_tensor].apply(input, other, result=result._data)


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
greater_than = gt


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
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one tensor per dimension.

    A 0-dim tensor counts as 1-dim for ``as_tuple`` (one index tensor), and as having no dimensions otherwise.
    """
    xp = input._xp
    data = input._data
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(xp.int64)) for i in xp.nonzero(data.reshape(data.shape or (1,))))
    if not data.ndim:
        return Tensor._wrap(xp.zeros((int(bool(data)), 0), xp.int64))
    return Tensor._wrap(xp.stack(xp.nonzero(data), axis=1).astype(xp.int64))


def argwhere(input: Tensor) -> Tensor:
    """Indices of the non-zero elements, one row each: ``nonzero(input)``."""
    return nonzero(input)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """How many elements (along ``dim``: an int or a tuple of ints) are non-zero, as int64."""
    axes = None if dim is None else tuple(input._wrap_dim(d) for d in ((dim,) if isinstance(dim, int) else dim))
    return no_graph(lambda a: backend.array_module(a).count_nonzero(a, axis=axes).astype("int64"), input._data)


def _close_args(input: Any, other: Any, rtol: float, atol: float) -> None:
    """torch's errors for isclose/allclose: tensors of one dtype, shapes that broadcast, tolerances >= 0."""
    for pos, (name, t) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"isclose(): argument '{name}' (position {pos}) must be Tensor, not {type(t).__name__}")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype._scalar_name} did not match {other.dtype._scalar_name}")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not float(tol) >= 0:  # torch reads a tolerance as a double: NaN is refused, a huge int is a float
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol}")
    check_broadcast(input, other)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise (infinities close only to themselves)."""
    _close_args(input, other, rtol, atol)
    rtol, atol = float(rtol), float(atol)
    return no_graph(
        lambda a, b: backend.array_module(a).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan),
        input._data,
        other._data,
    )


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element is close (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and elements."""
    return tuple(input.shape) == tuple(other.shape) and bool((input._data == other._data).all())


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each of ``elements`` is among ``test_elements`` (either may be a number), ``invert``: is not."""
    a, b, _ = prepare(elements, test_elements)
    raw_a, raw_b = (x._data if isinstance(x, Tensor) else x for x in (a, b))
    return no_graph(lambda e, t: backend.array_module(e).isin(e, t, invert=invert), raw_a, raw_b)


def isneginf(input: Tensor) -> Tensor:
    """Whether each element is -inf."""
    return no_graph(
        lambda a: (a == -float("inf")) if a.dtype.kind == "f" else backend.array_module(a).zeros(a.shape, bool),
        input._data,
    )


def isposinf(input: Tensor) -> Tensor:
    """Whether each element is +inf."""
    return no_graph(
        lambda a: (a == float("inf")) if a.dtype.kind == "f" else backend.array_module(a).zeros(a.shape, bool),
        input._data,
    )


def signbit(input: Tensor) -> Tensor:
    """Whether each element's sign bit is set (-0.0 included)."""
    return no_graph(lambda a: backend.array_module(a).signbit(a), input._data)


def _shift(kernel: str, left: bool, input: Any, other: Any) -> Tensor:
    """``input`` shifted by ``other`` bits (promoted together, integers only), as torch's kernels define a shift by
    a negative count or by the width of the type or more: 0 to the left, the sign's fill to the right."""
    a, b, dt = prepare(input, other)
    if dt.is_floating_point or dt is dtypes.bool_:
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{dt._scalar_name}'")
    check_broadcast(a, b)
    bits = 8 * dt.itemsize

    def shifted(x: Any, n: Any) -> Any:
        xp = backend.array_module(x, n)
        x, n = xp.asarray(x, dtype=dt.np_dtype), xp.asarray(n, dtype=dt.np_dtype)  # (a number may come as it is)
        outside = (n < 0) | (n >= bits)  # (C leaves these undefined; numpy's and cupy's kernels may differ)
        count = xp.where(outside, 0, n).astype(x.dtype)
        if left:
            return xp.where(outside, 0, xp.left_shift(x, count)).astype(x.dtype)
        return xp.where(outside, xp.where(x < 0, -1, 0), xp.right_shift(x, count)).astype(x.dtype)

    return no_graph(shifted, a._data if isinstance(a, Tensor) else a, b._data if isinstance(b, Tensor) else b)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    """``input << other`` elementwise (integer tensors or numbers, promoted as torch promotes them)."""
    return _shift("lshift", True, input, other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    """``input >> other`` elementwise, arithmetic (the sign fills in) for signed types."""
    return _shift("rshift", False, input, other)


def isreal(input: Tensor) -> Tensor:
    """True everywhere: minitorch's dtypes are all real (torch's answer for a real tensor)."""
    return no_graph(lambda a: backend.array_module(a).ones(a.shape, dtype=bool), input._data)


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """``nonzero(input)`` with exactly ``size`` rows: the first ``size`` indices, then rows of ``fill_value``.

    Args:
        input: the tensor searched.
        size: the number of rows of the result (a non-negative int).
        fill_value: the value of the padding rows.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    found = nonzero(input)._data
    xp = input._xp
    out = xp.full((size, input.ndim), fill_value, dtype=xp.int64)
    k = min(size, found.shape[0])
    out[:k] = found[:k]
    return Tensor._wrap(out)
