"""Counting values: unique, unique_consecutive, bincount, histc, histogram, histogramdd (no gradients, as in torch)."""

from __future__ import annotations

import builtins
from typing import Any

from .. import backend, dtypes
from ..autograd.function import Context
from ..backend import Array
from ..tensor import Tensor
from .base import Op, no_graph
from .linalg_failures import named_result

__all__ = ["bincount", "histc", "histogram", "histogramdd", "unique", "unique_consecutive"]


class _NotDifferentiable(Op):
    """An op torch records but cannot differentiate: its result requires grad, its backward raises."""

    message = ""

    @classmethod
    def backward(cls, ctx: Context, grad: Array, *_: Any) -> tuple:
        raise RuntimeError(cls.message)


class Unique(_NotDifferentiable):
    """The sorted distinct values (each NaN its own), with inverse indices and counts."""

    node_name = "Unique2Backward0"
    message = "the derivative for '_unique2' is not implemented."

    @staticmethod
    def forward(ctx: Context, x: Array) -> tuple:
        xp = backend.array_module(x)
        values, inverse, counts = xp.unique(x.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        return _marked(ctx, values, inverse.reshape(x.shape), counts)


class UniqueDim(_NotDifferentiable):
    """The distinct slices along ``axis``, in lexicographic order, with inverse indices and counts."""

    message = "the derivative for 'unique_dim' is not implemented."

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int) -> tuple:
        xp = backend.array_module(x)
        if x.shape[axis] == 0 or x.size == 0:
            empty = xp.zeros((0,), dtype="int64")
            return _marked(ctx, x.copy(), empty, empty)
        values, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True, axis=axis)
        return _marked(ctx, values, inverse.reshape(-1), counts)


class UniqueConsecutive(_NotDifferentiable):
    """One value (or slice along ``axis``) per run of equal neighbours, with inverse indices and run lengths."""

    message = "the derivative for 'unique_consecutive' is not implemented."

    @staticmethod
    def forward(ctx: Context, x: Array, axis: int | None) -> tuple:
        xp = backend.array_module(x)
        rows = x.reshape(-1, 1) if axis is None else xp.moveaxis(x, axis, 0).reshape(x.shape[axis], -1)
        n = rows.shape[0]
        differs = (rows[1:] != rows[:-1]).any(axis=1) if n else xp.zeros((0,), dtype=bool)
        starts = xp.concatenate([xp.ones(min(n, 1), dtype=bool), differs])
        inverse = xp.cumsum(starts) - 1
        first = xp.flatnonzero(starts)
        counts = xp.diff(xp.concatenate([first, xp.asarray([n])]))
        if axis is None:
            return _marked(ctx, x.reshape(-1)[first], inverse.reshape(x.shape), counts)
        return _marked(ctx, xp.take(x, first, axis=axis), inverse, counts)


def _marked(ctx: Context, values: Any, inverse: Any, counts: Any) -> tuple:
    inverse, counts = inverse.astype("int64"), counts.astype("int64")
    ctx.mark_non_differentiable(inverse, counts)
    return values, inverse, counts


def _chosen(values: Tensor, inverse: Tensor, counts: Tensor, return_inverse: bool, return_counts: bool) -> Any:
    if not (return_inverse or return_counts):
        return values
    return (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct elements of ``input`` (or its distinct slices along ``dim``), sorted.

    Args:
        sorted: accepted for torch's signature; the result is always sorted (as torch's on the CPU).
        return_inverse: also return, for each element (slice), the index of its value in the result.
        return_counts: also return how often each value occurs.
        dim: compare whole slices along this dimension instead of elements.
    """
    out: tuple[Tensor, Tensor, Tensor]  # values, inverse, counts
    if dim is None:
        out = Unique.apply(input)
    else:
        out = UniqueDim.apply(input, input._wrap_dim(dim))
    return _chosen(*out, return_inverse, return_counts)


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
) -> Any:
    """One element (or slice along ``dim``) per run of equal consecutive ones.

    Args:
        return_inverse: also return, for each element (slice), the index of its run.
        return_counts: also return the length of each run.
        dim: compare whole slices along this dimension instead of the flattened elements.
    """
    out: tuple[Tensor, Tensor, Tensor] = UniqueConsecutive.apply(input, None if dim is None else input._wrap_dim(dim))
    return _chosen(*out, return_inverse, return_counts)


class Bincount(_NotDifferentiable):
    """Weighted counts of non-negative integers."""

    node_name = "NotImplemented"
    message = "derivative for aten::bincount is not implemented"

    @staticmethod
    def forward(ctx: Context, weights: Array, x: Array, minlength: int, np_dtype: Any) -> Array:
        return backend.array_module(x).bincount(x, weights, minlength).astype(np_dtype)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in the 1-dim non-negative integer tensor ``input`` (weighted:
    the sum of the weights of its occurrences), at least ``minlength`` long.

    Args:
        weights: one weight per element; the result takes their dtype (float64 for integer weights).
        minlength: the least length of the result.
    """
    if input.dtype.is_floating_point:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype._scalar_name}'")
    data = input._data
    if input.ndim != 1 or input.dtype is dtypes.bool_ or (data.size and data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None or data.size == 0:  # torch counts an empty input as int64 even with weights
        return no_graph(lambda a: backend.array_module(a).bincount(a, minlength=minlength).astype("int64"), data)
    if weights.ndim != 1 or weights.shape[0] != input.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out = weights.dtype if weights.dtype.is_floating_point else dtypes.float64
    return Bincount.apply(weights, data, minlength, out.np_dtype)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts of ``input``'s elements in ``bins`` equal bins between ``min`` and ``max`` (both 0, or equal: the
    data's range), in ``input``'s dtype; elements outside the range (and NaN) are left out.
    """
    for v in (min, max):
        dtypes.scalar(v)  # read as torch's Scalar first: an int beyond 64 bits raises
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    data = input._data
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (abs(lo) < float("inf") and abs(hi) < float("inf")):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    # torch then spaces the bin edges in input's dtype: both ends convert to it, checked (uint8 300, float16 1e6).
    if input.dtype is dtypes.bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    for v in (lo, hi):
        dtypes.cast_scalar(v, input.dtype)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype._scalar_name}'")

    def counts(a: Any) -> Any:
        xp = backend.array_module(a)
        left, right = xp.asarray(lo, dtype=a.dtype), xp.asarray(hi, dtype=a.dtype)
        inside = a[(a >= left) & (a <= right)]
        # In the input's dtype, as torch computes the bin (the value at the right edge joins the last bin).
        where = ((inside - left) * bins / (right - left)).astype("int64")
        return xp.bincount(xp.minimum(where, bins - 1), minlength=bins).astype(a.dtype)

    return no_graph(counts, data.reshape(-1))


HistogramResult = named_result("histogram", ["hist", "bin_edges"])


class Histogram(_NotDifferentiable):
    """Counts (or sums of weights) of the elements in each bin between consecutive edges (the last bin closed)."""

    node_name = "NotImplemented"
    message = "derivative for aten::histogram is not implemented"

    @staticmethod
    def forward(ctx: Context, x: Array, edges: Array, weight: Any, density: bool) -> tuple:
        xp = backend.array_module(x)
        values, bins = x.reshape(-1), edges.shape[0] - 1
        inside = (values >= edges[0]) & (values <= edges[-1])  # (NaN is in no bin)
        # the bin of each value, found among the edges themselves (as torch's kernel settles it)
        where = xp.minimum(xp.searchsorted(edges, values[inside], side="right") - 1, bins - 1)
        weights = None if weight is None else weight.reshape(-1)[inside]
        hist = xp.bincount(where, weights=weights, minlength=bins).astype(x.dtype)
        if density:
            hist = hist / hist.sum() / xp.diff(edges)
        return hist, edges.copy()


def _cpp(dt: dtypes.dtype) -> str:
    return dtypes.CPP_TYPE_NAMES.get(dt.name, dt.name)


def _edges(input: Tensor, bins: int, range: Any) -> Any:
    """``bins + 1`` evenly spaced edges over ``range`` (or the data's), in ``input``'s dtype, bit for bit torch's
    linspace: the step in the dtype, then each edge ``start + k step`` (``end - k step`` in the second half) rounded
    once, as its fused multiply-add rounds it (in float64 with the product's and the sum's rounding errors added
    back), with torch's errors."""
    data = input._data
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
    elif data.size:
        lo, hi = float(data.min()), float(data.max())
    else:
        lo, hi = 0.0, 1.0
    if not (abs(lo) < float("inf") and abs(hi) < float("inf")):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{lo:g}, {hi:g}] is not finite")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    xp = input._xp
    start, end = xp.asarray(lo, dtype=data.dtype), xp.asarray(hi, dtype=data.dtype)
    step = ((end - start) / xp.asarray(bins, dtype=data.dtype)).astype("float64")
    i = xp.arange(bins + 1)
    first = i < (bins + 1) // 2
    k = xp.where(first, i, bins - i).astype("float64")
    base = xp.where(first, start, end).astype("float64")
    step = xp.where(first, step, -step)
    product = step * k
    split = 134217729.0 * step  # Dekker's split: each half times k (< 2**26) is exact
    high = split - (split - step)
    product_error = (high * k - product) + (step - high) * k
    total = base + product
    back = total - base
    sum_error = (base - (total - back)) + (product - back)
    return (total + (sum_error + product_error)).astype(data.dtype)


def histogram(
    input: Tensor, bins: Any = 100, *, range: Any = None, weight: Tensor | None = None, density: bool = False
) -> Any:
    """A histogram of ``input``'s elements: ``(hist, bin_edges)``, named as torch's ``torch.return_types.histogram``.

    Args:
        input: a float32 or float64 tensor (flattened).
        bins: the number of equal bins (int), or their edges (a 1-D increasing tensor of ``input``'s dtype).
        range: ``(min, max)`` of the equal bins (default: the data's; a bins tensor sets its own).
        weight: a weight per element (``input``'s shape and dtype): the bins sum them instead of counting.
        density: divide by the total and by each bin's width, so that the histogram integrates to 1.
    """
    tensor_bins = isinstance(bins, Tensor)
    if not tensor_bins and (isinstance(bins, bool) or not isinstance(bins, int)):
        raise TypeError(f"histogram(): argument 'bins' must be int or Tensor, not {type(bins).__name__}")
    if tensor_bins and range is not None:
        raise TypeError("histogram(): a 'range' is given with the int form of 'bins' only, not with a bins tensor")
    count = bins.numel() - 1 if tensor_bins else bins
    if count <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {count} for dimension 0")
    if range is not None:
        if len(range) != 2:
            raise RuntimeError(
                f"torch.histogramdd: for a 1-dimensional histogram range should have 2 elements, but got {len(range)}"
            )
        if float(range[0]) > float(range[1]):
            raise RuntimeError(
                f"torch.histogramdd: min should not exceed max, but got min {float(range[0]):g} max "
                f"{float(range[1]):g} for dimension 0"
            )
    if tensor_bins:
        if bins.ndim != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{bins.ndim} dimensions in the bins tensor for dimension 0"
            )
        if bins.dtype is not input.dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input with "
                f"dtype {_cpp(input.dtype)} and bins for dimension 0 with dtype {_cpp(bins.dtype)}"
            )
    if weight is not None:
        if weight.dtype is not input.dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should have the "
                f"same dtype, but got input({_cpp(input.dtype)}), and weight({_cpp(weight.dtype)})"
            )
        if tuple(weight.shape) != tuple(input.shape):
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape as the input tensor "
                f"excluding its innermost dimension, but got input with shape {[input.numel(), 1]} and weight "
                f"with shape {list(weight.shape)}"
            )
    if input.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{input.dtype._scalar_name}'")
    edges = bins._data if tensor_bins else _edges(input, bins, range)
    return HistogramResult(*Histogram.apply(input, edges, weight, density))


HistogramddResult = named_result("histogramdd", ["hist", "bin_edges"])


def _dd_counts(points: Any, weight: Any, edges: list, density: bool) -> Any:
    """The D-dim histogram of ``points`` (N x D): each point's bin per column, joined into one flat bin index."""
    xp = backend.array_module(points)
    sizes = tuple(e.shape[0] - 1 for e in edges)
    inside = xp.ones(points.shape[0], dtype=bool)
    where = []
    for d, e in enumerate(edges):
        column = points[:, d]
        inside &= (column >= e[0]) & (column <= e[-1])  # (NaN is in no bin)
        where.append(xp.minimum(xp.searchsorted(e, column, side="right") - 1, sizes[d] - 1))
    flat = xp.ravel_multi_index(tuple(w[inside] for w in where), sizes) if points.shape[0] else xp.zeros(0, "int64")
    weights = None if weight is None else weight.reshape(-1)[inside]
    hist = xp.bincount(flat, weights=weights, minlength=int(xp.prod(xp.asarray(sizes)))).astype(points.dtype)
    hist = hist.reshape(sizes)
    if density:
        hist = hist / hist.sum()
        for d, e in enumerate(edges):
            hist = hist / xp.diff(e).reshape([-1 if i == d else 1 for i in builtins.range(len(edges))])
    return hist


def histogramdd(
    input: Tensor, bins: Any, *, range: Any = None, weight: Tensor | None = None, density: bool = False
) -> Any:
    """A histogram of the points in ``input``'s rows (its innermost dimension holds each point's D coordinates):
    ``(hist, bin_edges)``, named as torch's ``torch.return_types.histogramdd``.

    Args:
        input: a float32 or float64 tensor of shape (..., D).
        bins: the number of equal bins for every dimension (int), one number per dimension, or one 1-D increasing
            tensor of edges per dimension.
        range: ``[min_0, max_0, min_1, max_1, ...]`` for the equal bins (default: the data's range per dimension).
        weight: a weight per point (``input``'s shape without its last dimension).
        density: divide by the total and by each bin's volume, so that the histogram integrates to 1.
    """
    dims = input.shape[-1]
    counts = [bins] * dims if isinstance(bins, int) else list(bins)
    if len(counts) != dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if input.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{input.dtype._scalar_name}'")
    points = input.reshape(-1, dims)
    edges = []
    for d, b in enumerate(counts):
        if isinstance(b, Tensor):
            edges.append(b._data)
            continue
        if b <= 0:
            raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {b} for dimension {d}")
        span = None if range is None else (range[2 * d], range[2 * d + 1])
        edges.append(_edges(points.select(1, d), b, span))
    w = None if weight is None else weight._data
    hist = no_graph(lambda p: _dd_counts(p, w, edges, density), points._data)
    return HistogramddResult(hist, tuple(Tensor._wrap(e.copy()) for e in edges))
