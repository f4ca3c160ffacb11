"""Regions of an array and the ops that read, fill and scatter into them: what indexing, slicing, gathering,
padding, pooling and the other picking ops differentiate through.

A region (``IndexRegion``: any index, advanced included, in torch's order; ``BasicRegion``: a view of
basic indices; ``ViewRegion``: what a view function selects) reads, writes and adds into an array.
``ReadRegion`` and ``ScatterRegion`` are each other's gradient, so every read of a region is
differentiable to any order; ``FillRegion`` zeros the part a write replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import backend
from ..autograd.function import Context
from ..backend import Array, backend_of
from .base import Op


def basic_view(a: Any, idx: tuple) -> Any:
    """``a[idx]`` as a view, even when every dimension is indexed by an integer."""
    out = a[idx]
    # numpy answers a[1, 2] with a scalar copy; a[1, 2, ...] is the 0-d view torch's select gives.
    return out if backend.is_array(out) else a[idx + (Ellipsis,)]


class IndexRegion:
    """The region ``a[idx]`` of an array (advanced indices included, which numpy copies on read).

    torch applies integers before advanced indices, so ``x[0, :, [1, 2]]`` keeps the advanced
    dimension where it is, while numpy, taking the integer as advanced too, would move it to the
    front. With ``ndim`` given and both kinds present, the index runs in two steps like torch's:
    a basic one (integers, slices, None), then the advanced one on the view it gives.
    """

    def __init__(self, idx: tuple, ndim: int | None = None) -> None:
        self.idx = idx
        self.steps = _two_steps(idx, ndim) if ndim is not None else None

    def _target(self, a: Any) -> tuple:
        return (a, self.idx) if self.steps is None else (a[self.steps[0]], self.steps[1])

    def read(self, a: Any) -> Any:
        target, idx = self._target(a)
        return target[idx]

    def write(self, a: Any, value: Any) -> None:
        target, idx = self._target(a)
        target[idx] = value

    def add(self, a: Any, value: Any) -> None:
        """``a[idx] += value``, repeated indices accumulating."""
        target, idx = self._target(a)
        backend_of(target).scatter_add(target, idx, value)


def _two_steps(idx: tuple, ndim: int) -> tuple | None:
    """(basic index, advanced index on its result) when ``idx`` mixes integers and advanced indices."""

    def is_adv(it: Any) -> bool:
        return backend.is_array(it)

    if not (any(is_adv(it) for it in idx) and any(isinstance(it, int) and not isinstance(it, bool) for it in idx)):
        return None
    if any(isinstance(it, bool) or (is_adv(it) and it.dtype.kind == "b" and it.ndim == 0) for it in idx):
        return None
    width = [0 if it is None or it is Ellipsis else it.ndim if is_adv(it) and it.dtype.kind == "b" else 1 for it in idx]
    if sum(width) > ndim or sum(it is Ellipsis for it in idx) > 1:
        return None  # numpy raises its error on the one-step index
    first, second = [], []
    for it, w in zip(idx, width):
        if it is Ellipsis:
            first += [slice(None)] * (ndim - sum(width))
            second += [slice(None)] * (ndim - sum(width))
        elif is_adv(it):
            first += [slice(None)] * w
            second.append(it)
        else:
            first.append(it)
            if not isinstance(it, int):
                second.append(slice(None))
    return tuple(first), tuple(second)


class BasicRegion:
    """The view ``a[idx]`` of basic indices (integers, slices, None, ``...``): no element is in it twice."""

    def __init__(self, idx: tuple) -> None:
        self.idx = idx

    def read(self, a: Any) -> Any:
        return basic_view(a, self.idx)

    def write(self, a: Any, value: Any) -> None:
        a[self.idx] = value

    def add(self, a: Any, value: Any) -> None:
        a[self.idx] += value


class ViewRegion:
    """The region a view function selects from its base."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def read(self, a: Any) -> Any:
        return self.fn(a)

    def write(self, a: Any, value: Any) -> None:
        self.fn(a)[...] = value

    def add(self, a: Any, value: Any) -> None:
        self.fn(a)[...] += value


class ReadRegion(Op):
    """``region.read(x)``: the pieces of a gradient that go to a region (and, under create_graph, the
    gradient of ``ScatterRegion``)."""

    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, region: Any) -> Array:
        ctx.shape, ctx.region = x.shape, region
        return region.read(x)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return ScatterRegion.call(grad, ctx.region, ctx.shape), None


class ScatterRegion(Op):
    """Zeros of ``shape`` with ``values`` added into ``region`` (repeated indices accumulate): the gradient
    of every read of a region (indexing, slicing, gathering, max-pooling), differentiable again."""

    node_name = "IndexPutImplBackward0"

    @staticmethod
    def forward(ctx: Context, values: Array, region: Any, shape: tuple) -> Array:
        ctx.region = region
        out = backend.array_module(values).zeros(shape, dtype=values.dtype)
        region.add(out, values)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return ReadRegion.call(grad, ctx.region), None, None


class FillRegion(Op):
    """A copy of ``x`` with zeros in ``region``: the gradient of what a write into that region replaced."""

    @staticmethod
    def forward(ctx: Context, x: Array, region: Any) -> Array:
        ctx.region = region
        out = backend.array_module(x).array(x)  # a writable copy, even of a numpy scalar
        region.write(out, 0)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        return FillRegion.call(grad, ctx.region), None
