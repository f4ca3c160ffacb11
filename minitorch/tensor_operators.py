"""Tensor's Python operators (``x + y``, ``-x``, ``x == y``, ``x & y``, ...) and its comparison and logic methods.

Each is one line that calls the function of the same name in ``minitorch.ops``; an operator returns
NotImplemented for an operand it does not take, as torch's do. A mixin of Tensor, as ``tensor_methods`` is;
``_ops`` is bound by ``tensor.py`` once the ops package (which needs Tensor) has been imported.
"""

from __future__ import annotations

from typing import Any

from . import backend, dtypes

_ops: Any = None


def _operand(other: Any) -> bool:
    """Whether an operator takes ``other``: a tensor, a number or an array. For anything else (None, a
    string, a list) the operator returns NotImplemented, so ``x == None`` is False and ``x + "a"`` raises
    Python's TypeError, as in torch."""
    return isinstance(other, OperatorMethods) or dtypes.is_number(other) or backend.is_array(other)


class OperatorMethods:
    """Mixin of Tensor: operators, comparisons and logic, all delegating to ``minitorch.ops``."""

    __slots__ = ()

    # arithmetic operators
    def __add__(self, other: Any) -> Any:
        return _ops.add(self, other) if _operand(other) else NotImplemented

    def __radd__(self, other: Any) -> Any:  # as torch: self first in the graph
        return _ops.add(self, other) if _operand(other) else NotImplemented

    def __sub__(self, other: Any) -> Any:
        return _ops.sub(self, other) if _operand(other) else NotImplemented

    def __rsub__(self, other: Any) -> Any:
        return _ops.sub(other, self) if _operand(other) else NotImplemented

    def __mul__(self, other: Any) -> Any:
        return _ops.mul(self, other) if _operand(other) else NotImplemented

    def __rmul__(self, other: Any) -> Any:  # as torch: self first in the graph
        return _ops.mul(self, other) if _operand(other) else NotImplemented

    def __truediv__(self, other: Any) -> Any:
        return _ops.div(self, other) if _operand(other) else NotImplemented

    # number / tensor is reciprocal then multiply in torch (MulBackward0 over ReciprocalBackward0), rounding included
    def __rtruediv__(self, other: Any) -> Any:
        if not _operand(other):
            return NotImplemented
        return _ops.mul(_ops.reciprocal(self), other) if isinstance(other, (int, float)) else _ops.div(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return _ops.floor_divide(self, other) if _operand(other) else NotImplemented

    def __rfloordiv__(self, other: Any) -> Any:
        return _ops.floor_divide(other, self) if _operand(other) else NotImplemented

    def __mod__(self, other: Any) -> Any:
        return _ops.remainder(self, other) if _operand(other) else NotImplemented

    def __rmod__(self, other: Any) -> Any:
        return _ops.remainder(other, self) if _operand(other) else NotImplemented

    def __pow__(self, other: Any) -> Any:
        return _ops.pow(self, other) if _operand(other) else NotImplemented

    def __rpow__(self, other: Any) -> Any:
        return _ops.pow(other, self) if _operand(other) else NotImplemented

    def __matmul__(self, other: Any) -> Any:
        return _ops.matmul(self, _ops.as_tensor(other))

    def __rmatmul__(self, other: Any) -> Any:
        return _ops.matmul(_ops.as_tensor(other), self)

    def __neg__(self) -> Any:
        return _ops.neg(self)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return _ops.abs(self)

    # comparisons and logic (bool tensors, no gradient)
    def __eq__(self, other: Any) -> Any:
        return _ops.eq(self, other) if _operand(other) else NotImplemented

    def __ne__(self, other: Any) -> Any:
        return _ops.ne(self, other) if _operand(other) else NotImplemented

    def __lt__(self, other: Any) -> Any:
        return _ops.lt(self, other) if _operand(other) else NotImplemented

    def __le__(self, other: Any) -> Any:
        return _ops.le(self, other) if _operand(other) else NotImplemented

    def __gt__(self, other: Any) -> Any:
        return _ops.gt(self, other) if _operand(other) else NotImplemented

    def __ge__(self, other: Any) -> Any:
        return _ops.ge(self, other) if _operand(other) else NotImplemented

    def __and__(self, other: Any) -> Any:
        return _ops.bitwise_and(self, other) if _operand(other) else NotImplemented

    def __rand__(self, other: Any) -> Any:
        return _ops.bitwise_and(other, self) if _operand(other) else NotImplemented

    def __or__(self, other: Any) -> Any:
        return _ops.bitwise_or(self, other) if _operand(other) else NotImplemented

    def __ror__(self, other: Any) -> Any:
        return _ops.bitwise_or(other, self) if _operand(other) else NotImplemented

    def __xor__(self, other: Any) -> Any:
        return _ops.bitwise_xor(self, other) if _operand(other) else NotImplemented

    def __rxor__(self, other: Any) -> Any:
        return _ops.bitwise_xor(other, self) if _operand(other) else NotImplemented

    def __invert__(self) -> Any:
        return _ops.bitwise_not(self)

    def __lshift__(self, other: Any) -> Any:
        return _ops.bitwise_left_shift(self, other) if _operand(other) else NotImplemented

    def __rlshift__(self, other: Any) -> Any:
        return _ops.bitwise_left_shift(other, self) if _operand(other) else NotImplemented

    def __rshift__(self, other: Any) -> Any:
        return _ops.bitwise_right_shift(self, other) if _operand(other) else NotImplemented

    def __rrshift__(self, other: Any) -> Any:
        return _ops.bitwise_right_shift(other, self) if _operand(other) else NotImplemented

    def eq(self, other: Any) -> Any:
        return _ops.eq(self, other)

    def ne(self, other: Any) -> Any:
        return _ops.ne(self, other)

    def lt(self, other: Any) -> Any:
        return _ops.lt(self, other)

    def le(self, other: Any) -> Any:
        return _ops.le(self, other)

    def gt(self, other: Any) -> Any:
        return _ops.gt(self, other)

    def ge(self, other: Any) -> Any:
        return _ops.ge(self, other)

    def equal(self, other: Any) -> bool:
        return _ops.equal(self, other)

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        return _ops.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
        return _ops.isclose(self, other, rtol, atol, equal_nan)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def bitwise_and(self, other: Any) -> Any:
        return _ops.bitwise_and(self, other)

    def bitwise_or(self, other: Any) -> Any:
        return _ops.bitwise_or(self, other)

    def bitwise_xor(self, other: Any) -> Any:
        return _ops.bitwise_xor(self, other)

    def bitwise_not(self) -> Any:
        return _ops.bitwise_not(self)

    def bitwise_left_shift(self, other: Any) -> Any:
        return _ops.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other: Any) -> Any:
        return _ops.bitwise_right_shift(self, other)

    def logical_and(self, other: Any) -> Any:
        return _ops.logical_and(self, other)

    def logical_or(self, other: Any) -> Any:
        return _ops.logical_or(self, other)

    def logical_xor(self, other: Any) -> Any:
        return _ops.logical_xor(self, other)

    def logical_not(self) -> Any:
        return _ops.logical_not(self)

    def all(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.all(self, dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.any(self, dim, keepdim)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return _ops.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> Any:
        return _ops.argwhere(self)

    def count_nonzero(self, dim: Any = None) -> Any:
        return _ops.count_nonzero(self, dim)
