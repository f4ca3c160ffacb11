"""Array-level gather and scatter along a dimension: what the scatter family, sorting and the cumulative ops
compute with, forward and backward (``gather_along`` and ``scatter_along`` are the array twins of the
gather and scatter_reduce ops)."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..backend import backend_of


def as_vector(a: Any) -> Any:
    """``a`` with a 0-dim array as 1-dim: torch's scatter and gather treat the two alike."""
    return a.reshape(a.shape or (1,))


def grid_along(index: Any, axis: int) -> tuple:
    """Advanced-index arrays addressing, for each entry of ``index``, its place along ``axis``."""
    index = as_vector(index)
    grids = backend_of(index).open_grid(index.shape)
    grids[axis] = index
    return tuple(grids)


def head(src: Any, shape: tuple) -> Any:
    """The leading ``shape`` block of ``src`` (scatter reads only as much of src as index covers)."""
    src = as_vector(src)
    return src[tuple(slice(0, n) for n in (shape or (1,)))]


def padded(g: Any, shape: tuple) -> Any:
    """``g`` (the gradient of ``src``'s leading block) zero-padded to ``src``'s ``shape``."""
    g = as_vector(g)
    if g.shape == (shape or (1,)):
        return g.reshape(shape)
    out = backend.array_module(g).zeros(shape or (1,), dtype=g.dtype)
    out[tuple(slice(0, n) for n in g.shape)] = g
    return out.reshape(shape)


def gather_along(a: Any, axis: int, index: Any) -> Any:
    """``out[i][j] = a[i][index[i][j]]`` along ``axis``: gather on arrays."""
    return as_vector(a)[grid_along(index, axis)].reshape(index.shape)


def write_along(a: Any, axis: int, index: Any, values: Any) -> Any:
    """A copy of ``a`` with ``values`` written along ``axis`` at ``index``: scatter on arrays."""
    out = as_vector(a).copy()
    out[grid_along(index, axis)] = as_vector(values) if backend.is_array(values) else values
    return out.reshape(a.shape)


def _identity(reduce: str, dtype: Any) -> Any:
    """The value a reduction starts from where ``include_self=False`` leaves ``self`` out."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -float("inf") if reduce == "amax" else float("inf")
    bits = 8 * dtype.itemsize
    low, high = (0, 2**bits - 1) if dtype.kind in "ub" else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return (low if reduce == "amax" else high) if dtype.kind != "b" else reduce == "amin"


def scatter_along(a: Any, axis: int, index: Any, values: Any, reduce: str, include_self: bool = True) -> Any:
    """A copy of ``a`` with ``values`` reduced into it along ``axis`` at ``index``: scatter_reduce on arrays."""
    xp = backend.array_module(a)
    out, grid = as_vector(a).copy(), grid_along(index, axis)
    values = as_vector(values)
    if not include_self:
        out[grid] = _identity(reduce, out.dtype)
    backend_of(out).scatter_reduce(out, grid, values, "sum" if reduce == "mean" else reduce)
    if reduce == "mean":
        count = xp.full(out.shape, 1 if include_self else 0, dtype=out.dtype)
        backend_of(count).scatter_reduce(count, grid, xp.ones(values.shape, dtype=out.dtype), "sum")
        count[count == 0] = 1
        out = out / count if out.dtype.kind == "f" else out // count  # integers round down, as torch
    return out.reshape(a.shape)


def take_slices(a: Any, axis: int, index: Any) -> Any:
    """``a``'s slices along ``axis`` at ``index`` (index_select on arrays; 0-dim ``a`` as 1-dim)."""
    return backend.array_module(a).take(as_vector(a), index, axis=axis)


def put_slices(a: Any, axis: int, index: Any, values: Any) -> Any:
    """A copy of ``a`` with its slices along ``axis`` at ``index`` set to ``values``."""
    xp = backend.array_module(a)
    out = as_vector(a).copy()
    moved = backend.is_array(values) and values.ndim  # a source's slices; a fill value (0-dim) as it is
    xp.moveaxis(out, axis, 0)[index] = xp.moveaxis(values, axis, 0) if moved else values
    return out.reshape(a.shape)
