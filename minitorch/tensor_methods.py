"""Tensor's method spellings of the ops (``x.sum()``, ``x.exp()``, ``x.view(...)``); the operators are in
``tensor_operators``.

Each is one line that calls the function of the same name in ``minitorch.ops``,
so an op's behaviour lives in one place. ``_ops`` is bound by ``tensor.py`` once
the ops package (which needs Tensor) has been imported.
"""

from __future__ import annotations

from typing import Any

_ops: Any = None


class TensorMethods:
    """Mixin of Tensor: op methods, all delegating to ``minitorch.ops``."""

    __slots__ = ()

    # counting
    def unique(
        self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: Any = None
    ) -> Any:
        return _ops.unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False, dim: Any = None) -> Any:
        return _ops.unique_consecutive(self, return_inverse, return_counts, dim)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Any:
        return _ops.bincount(self, weights, minlength)

    def histc(self, bins: int = 100, min: Any = 0, max: Any = 0) -> Any:
        return _ops.histc(self, bins, min, max)

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

    def clamp_min(self, min: Any) -> Any:
        return _ops.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Any:
        return _ops.clamp_max(self, max)

    def lerp(self, end: Any, weight: Any) -> Any:
        return _ops.lerp(self, end, weight)

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

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Any:
        return _ops.norm(self, p, dim, keepdim, dtype)

    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Any:
        return _ops.bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Any:
        return _ops.multinomial(self, num_samples, replacement, generator=generator)

    def relu(self) -> Any:
        return _ops.relu(self)

    def prelu(self, weight: Any) -> Any:
        return _ops.prelu(self, weight)

    def hardshrink(self, lambd: float = 0.5) -> Any:
        return _ops.hardshrink(self, lambd)

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

    def amin(self, dim: Any = (), keepdim: bool = False) -> Any:
        return _ops.amin(self, dim, keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Any:
        return _ops.logsumexp(self, dim, keepdim)

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

    # ordering
    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        return _ops.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        return _ops.argsort(self, dim, descending, stable)

    def msort(self) -> Any:
        return _ops.msort(self)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        return _ops.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        return _ops.kthvalue(self, k, dim, keepdim)

    def median(self, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.median(self, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        return _ops.mode(self, dim, keepdim)

    # running reductions
    def cumsum(self, dim: int, *, dtype: Any = None) -> Any:
        return _ops.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: int, *, dtype: Any = None) -> Any:
        return _ops.cumprod(self, dim, dtype=dtype)

    def cummax(self, dim: int) -> Any:
        return _ops.cummax(self, dim)

    def cummin(self, dim: int) -> Any:
        return _ops.cummin(self, dim)

    def logcumsumexp(self, dim: int) -> Any:
        return _ops.logcumsumexp(self, dim)

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

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return _ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return _ops.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return _ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return _ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def outer(self, vec2: Any) -> Any:
        return _ops.outer(self, vec2)

    ger = outer

    def kron(self, other: Any) -> Any:
        return _ops.kron(self, other)

    # parts of matrices
    def tril(self, diagonal: int = 0) -> Any:
        return _ops.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Any:
        return _ops.triu(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        return _ops.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal: int = 0) -> Any:
        return _ops.diag(self, diagonal)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
        return _ops.diag_embed(self, offset, dim1, dim2)

    def trace(self) -> Any:
        return _ops.trace(self)

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

    def flip(self, *dims: Any) -> Any:
        return _ops.flip(self, *dims)

    def repeat(self, *sizes: Any) -> Any:
        return _ops.repeat(self, *sizes)

    def tile(self, *dims: Any) -> Any:
        return _ops.tile(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims)

    def repeat_interleave(self, repeats: Any = None, dim: Any = None, *, output_size: Any = None) -> Any:
        return _ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def roll(self, shifts: Any, dims: Any = None) -> Any:
        return _ops.roll(self, shifts, dims)

    def movedim(self, source: Any, destination: Any) -> Any:
        return _ops.movedim(self, source, destination)

    moveaxis = movedim

    def fliplr(self) -> Any:
        return _ops.fliplr(self)

    def flipud(self) -> Any:
        return _ops.flipud(self)

    def take(self, index: Any) -> Any:
        return _ops.take(self, index)

    def take_along_dim(self, indices: Any, dim: Any = None) -> Any:
        return _ops.take_along_dim(self, indices, dim)

    def masked_select(self, mask: Any) -> Any:
        return _ops.masked_select(self, mask)

    def gather(self, dim: int, index: Any, *, sparse_grad: bool = False) -> Any:
        return _ops.gather(self, dim, index, sparse_grad=sparse_grad)

    def index_select(self, dim: int, index: Any) -> Any:
        return _ops.index_select(self, dim, index)

    def scatter(self, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: Any = None) -> Any:
        return _ops.scatter(self, dim, index, src, value, reduce=reduce)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Any:
        return _ops.scatter_add(self, dim, index, src)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Any:
        return _ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        return _ops.index_add(self, dim, index, source, alpha=alpha)

    def index_fill(self, dim: int, index: Any, value: Any) -> Any:
        return _ops.index_fill(self, dim, index, value)

    def index_copy(self, dim: int, index: Any, source: Any) -> Any:
        return _ops.index_copy(self, dim, index, source)

    def masked_scatter(self, mask: Any, source: Any) -> Any:
        return _ops.masked_scatter(self, mask, source)

    def clone(self, *, memory_format: Any = None) -> Any:
        return _ops.clone(self)

    def contiguous(self, memory_format: Any = None) -> Any:
        return _ops.contiguous(self)

    swapaxes = swapdims = transpose
