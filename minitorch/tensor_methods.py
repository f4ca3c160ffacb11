"""Tensor's operator and method spellings of the ops (``x + y``, ``x.sum()``, ``x.view(...)``).

Each is one line that calls the function of the same name in ``minitorch.ops``,
so an op's behaviour lives in one place. ``_ops`` is bound by ``tensor.py`` once
the ops package (which needs Tensor) has been imported.
"""

from __future__ import annotations

from typing import Any

_ops: Any = None


class TensorMethods:
    """Mixin of Tensor: operators and op methods, all delegating to ``minitorch.ops``."""

    __slots__ = ()

    # arithmetic operators
    def __add__(self, other: Any) -> Any:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Any:
        return _ops.add(self, other)  # as torch: self first in the graph

    def __sub__(self, other: Any) -> Any:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Any:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Any:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Any:
        return _ops.mul(self, other)  # as torch: self first in the graph

    def __truediv__(self, other: Any) -> Any:
        return _ops.div(self, other)

    # number / tensor is reciprocal then multiply in torch (MulBackward0 over ReciprocalBackward0), rounding included
    def __rtruediv__(self, other: Any) -> Any:
        return _ops.mul(_ops.reciprocal(self), other) if isinstance(other, (int, float)) else _ops.div(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return _ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Any:
        return _ops.remainder(self, other)

    def __pow__(self, other: Any) -> Any:
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> Any:
        return _ops.pow(other, self)

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
        return _ops.eq(self, other)  # type: ignore[override]

    def __ne__(self, other: Any) -> Any:
        return _ops.ne(self, other)  # type: ignore[override]

    def __lt__(self, other: Any) -> Any:
        return _ops.lt(self, other)

    def __le__(self, other: Any) -> Any:
        return _ops.le(self, other)

    def __gt__(self, other: Any) -> Any:
        return _ops.gt(self, other)

    def __ge__(self, other: Any) -> Any:
        return _ops.ge(self, other)

    def __and__(self, other: Any) -> Any:
        return _ops.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Any:
        return _ops.bitwise_and(other, self)

    def __or__(self, other: Any) -> Any:
        return _ops.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Any:
        return _ops.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Any:
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Any:
        return _ops.bitwise_xor(other, self)

    def __invert__(self) -> Any:
        return _ops.bitwise_not(self)

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

    def isnan(self) -> Any:
        return _ops.isnan(self)

    def isinf(self) -> Any:
        return _ops.isinf(self)

    def isfinite(self) -> Any:
        return _ops.isfinite(self)

    # arithmetic methods
    def add(self, other: Any, *, alpha: Any = 1) -> Any:
        return _ops.add(self, other, alpha=alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Any:
        return _ops.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Any:
        return _ops.mul(self, other)

    def div(self, other: Any, *, rounding_mode: Any = None) -> Any:
        return _ops.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent: Any) -> Any:
        return _ops.pow(self, exponent)

    def floor_divide(self, other: Any) -> Any:
        return _ops.floor_divide(self, other)

    def remainder(self, other: Any) -> Any:
        return _ops.remainder(self, other)

    def maximum(self, other: Any) -> Any:
        return _ops.maximum(self, other)

    def minimum(self, other: Any) -> Any:
        return _ops.minimum(self, other)

    def clamp(self, min: Any = None, max: Any = None) -> Any:
        return _ops.clamp(self, min, max)

    def where(self, condition: Any, other: Any) -> Any:
        return _ops.where(condition, self, other)

    def masked_fill(self, mask: Any, value: Any) -> Any:
        return _ops.masked_fill(self, mask, value)

    def true_divide(self, other: Any) -> Any:
        return _ops.true_divide(self, other)

    multiply, subtract, divide, clip = mul, sub, div, clamp

    # elementwise functions
    def neg(self) -> Any:
        return _ops.neg(self)

    def abs(self) -> Any:
        return _ops.abs(self)

    def exp(self) -> Any:
        return _ops.exp(self)

    def reciprocal(self) -> Any:
        return _ops.reciprocal(self)

    def log(self) -> Any:
        return _ops.log(self)

    def sqrt(self) -> Any:
        return _ops.sqrt(self)

    def sin(self) -> Any:
        return _ops.sin(self)

    def cos(self) -> Any:
        return _ops.cos(self)

    def tanh(self) -> Any:
        return _ops.tanh(self)

    def sigmoid(self) -> Any:
        return _ops.sigmoid(self)

    def relu(self) -> Any:
        return _ops.relu(self)

    def square(self) -> Any:
        return _ops.square(self)

    def sign(self) -> Any:
        return _ops.sign(self)

    def floor(self) -> Any:
        return _ops.floor(self)

    def ceil(self) -> Any:
        return _ops.ceil(self)

    def round(self, *, decimals: int = 0) -> Any:
        return _ops.round(self, decimals=decimals)

    def softmax(self, dim: int, dtype: Any = None) -> Any:
        return _ops.softmax(self, dim, dtype)

    def log_softmax(self, dim: int, dtype: Any = None) -> Any:
        return _ops.log_softmax(self, dim, dtype)

    negative, absolute = neg, abs

    # reductions
    def sum(
        self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None, keepdims: Any = None
    ) -> Any:
        return _ops.sum(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return _ops.mean(self, dim, keepdim, dtype=dtype)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.min(self, dim, keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Any:
        return _ops.amax(self, dim, keepdim)

    def argmax(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.argmax(self, dim, keepdim)

    def argmin(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.argmin(self, dim, keepdim)

    def prod(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.prod(self, dim, keepdim)

    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Any:
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Any:
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    # matrix products
    def matmul(self, other: Any) -> Any:
        return _ops.matmul(self, other)

    def mm(self, mat2: Any) -> Any:
        return _ops.mm(self, mat2)

    def bmm(self, mat2: Any) -> Any:
        return _ops.bmm(self, mat2)

    def dot(self, other: Any) -> Any:
        return _ops.dot(self, other)

    def mv(self, vec: Any) -> Any:
        return _ops.mv(self, vec)

    # shape and layout
    def view(self, *shape: Any) -> Any:
        return _ops.view(self, *shape)

    def view_as(self, other: Any) -> Any:
        return _ops.view(self, tuple(other.shape))

    def reshape(self, *shape: Any) -> Any:
        return _ops.reshape(self, *shape)

    def reshape_as(self, other: Any) -> Any:
        return _ops.reshape(self, tuple(other.shape))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        return _ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes: Any) -> Any:
        return _ops.unflatten(self, dim, sizes)

    def permute(self, *dims: Any) -> Any:
        return _ops.permute(self, *dims)

    def transpose(self, dim0: int, dim1: int) -> Any:
        return _ops.transpose(self, dim0, dim1)

    def t(self) -> Any:
        return _ops.t(self)

    def squeeze(self, dim: Any = None) -> Any:
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Any:
        return _ops.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Any:
        return _ops.expand(self, *sizes)

    def expand_as(self, other: Any) -> Any:
        return _ops.expand_as(self, other)

    def broadcast_to(self, size: Any) -> Any:
        return _ops.broadcast_to(self, size)

    def split(self, split_size: Any, dim: int = 0) -> Any:
        return _ops.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> Any:
        return _ops.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> Any:
        return _ops.unbind(self, dim)

    def narrow(self, dim: int, start: int, length: int) -> Any:
        return _ops.narrow(self, dim, start, length)

    def flip(self, dims: Any) -> Any:
        return _ops.flip(self, dims)

    def repeat(self, *sizes: Any) -> Any:
        return _ops.repeat(self, *sizes)

    def gather(self, dim: int, index: Any) -> Any:
        return _ops.gather(self, dim, index)

    def index_select(self, dim: int, index: Any) -> Any:
        return _ops.index_select(self, dim, index)

    def clone(self, *, memory_format: Any = None) -> Any:
        return _ops.clone(self)

    def contiguous(self, memory_format: Any = None) -> Any:
        return _ops.contiguous(self)

    swapaxes = swapdims = transpose
