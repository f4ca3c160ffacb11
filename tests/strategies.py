"""Hypothesis strategies shared by the parity suite: shapes, broadcastable pairs, bounded arrays."""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 5) -> st.SearchStrategy:
    """Array shapes; ``min_side=0`` lets size-0 dimensions in."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num: int = 2, min_dims: int = 0, max_dims: int = 4, min_side: int = 1,
                         max_side: int = 4) -> st.SearchStrategy:
    """``num`` shapes that broadcast together (size-1 and missing dims included)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num, min_dims=min_dims, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side).map(lambda r: r.input_shapes)


@st.composite
def arrays(draw: Any, shape: Any, low: float = -1.0, high: float = 1.0, dtype: Any = np.float64,
           noncontiguous: bool = True) -> np.ndarray:
    """Float64 values in [low, high]; sometimes a non-contiguous (transposed or strided) view."""
    shape = tuple(draw(shape) if isinstance(shape, st.SearchStrategy) else shape)
    layout = draw(st.sampled_from(["c", "t", "s"])) if noncontiguous and len(shape) >= 1 else "c"
    if layout == "t" and len(shape) >= 2:
        base = draw(hnp.arrays(dtype, shape[::-1], elements=st.floats(low, high, width=64)))
        return base.T
    if layout == "s":
        wide = shape[:-1] + (shape[-1] * 2,)
        base = draw(hnp.arrays(dtype, wide, elements=st.floats(low, high, width=64)))
        return base[..., ::2]
    return draw(hnp.arrays(dtype, shape, elements=st.floats(low, high, width=64)))


def away_from(values: np.ndarray, points: tuple = (0.0,), margin: float = 1e-3) -> np.ndarray:
    """Nudge values off points where an op is not differentiable (|x| at 0, relu at 0, ties)."""
    out = np.array(values, copy=True)
    for p in points:
        close = np.abs(out - p) < margin
        out[close] = p + np.where(out[close] >= p, margin, -margin) * 2
    return out


def ints(shape: Any, low: int = -5, high: int = 5) -> st.SearchStrategy:
    return hnp.arrays(np.int64, shape, elements=st.integers(low, high))
