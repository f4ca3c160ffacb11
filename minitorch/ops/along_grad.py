"""Along a dimension, on arrays and tensors alike: the gradients of the gather and scatter family
(``scatter.py``, ``sort.py``) as the region ops of ``index.py``, so that each is differentiable again.
The differentiable twins of ``along.py``'s array helpers; ``a`` may be 0-dim (taken as 1-dim, as torch).
"""

from __future__ import annotations

from typing import Any

from ..backend import Array
from .along import as_vector, grid_along
from .regions import BasicRegion, FillRegion, IndexRegion, ReadRegion, ScatterRegion


def read_along(a: Any, axis: int, index: Array) -> Any:
    """``out[i][j] = a[i][index[i][j]]`` along ``axis`` (gather)."""
    return ReadRegion.call(as_vector(a), IndexRegion(grid_along(index, axis))).reshape(tuple(index.shape))


def add_along(values: Any, axis: int, index: Array, shape: tuple) -> Any:
    """Zeros of ``shape`` with ``values`` added along ``axis`` at ``index``, repeats accumulating (scatter-add)."""
    region = IndexRegion(grid_along(index, axis))
    return ScatterRegion.call(as_vector(values), region, tuple(shape) or (1,)).reshape(tuple(shape))


def clear_along(a: Any, axis: int, index: Array) -> Any:
    """``a`` with zeros written along ``axis`` at ``index``."""
    return FillRegion.call(as_vector(a), IndexRegion(grid_along(index, axis))).reshape(tuple(a.shape))


def read_slices(a: Any, axis: int, index: Array) -> Any:
    """``a``'s slices along ``axis`` at ``index`` (a vector): index_select."""
    return ReadRegion.call(as_vector(a), IndexRegion((slice(None),) * axis + (index,)))


def clear_slices(a: Any, axis: int, index: Array) -> Any:
    """``a`` with its slices along ``axis`` at ``index`` zeroed."""
    return FillRegion.call(as_vector(a), IndexRegion((slice(None),) * axis + (index,))).reshape(tuple(a.shape))


def padded_to(g: Any, shape: tuple) -> Any:
    """``g`` (the gradient of a leading block) zero-padded to ``shape``."""
    g = as_vector(g)
    if tuple(g.shape) == (tuple(shape) or (1,)):
        return g.reshape(tuple(shape))
    block = BasicRegion(tuple(slice(0, n) for n in g.shape))
    return ScatterRegion.call(g, block, tuple(shape) or (1,)).reshape(tuple(shape))
