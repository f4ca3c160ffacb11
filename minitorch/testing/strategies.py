"""Hypothesis strategies for fuzzing ops and custom Functions: shapes, broadcastable shapes, bounded arrays.

These are the strategies minitorch's own parity suite draws from. They need the
optional ``hypothesis`` package (``pip install hypothesis``); the rest of
``minitorch.testing`` does not.

    from hypothesis import given
    from minitorch.testing import assert_parity
    from minitorch.testing import strategies as S

    @given(S.arrays(S.shapes(max_dims=3)))
    def test_my_tanh(x):
        assert_parity(lambda lib, t: my_tanh(t) if lib is minitorch else lib.tanh(t), x)
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as e:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "minitorch.testing.strategies needs the optional `hypothesis` package "
        "(pip install hypothesis); the rest of minitorch.testing works without it"
    ) from e

__all__ = ["shapes", "broadcastable_shapes", "arrays", "away_from", "ints"]


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 5) -> st.SearchStrategy:
    """Array shapes; ``min_side=0`` lets size-0 dimensions in.

    Args:
        min_dims: fewest dimensions (0 gives scalars).
        max_dims: most dimensions.
        min_side: smallest size of a dimension.
        max_side: largest size of a dimension.
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(
    num: int = 2, min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy:
    """``num`` shapes that broadcast together (size-1 and missing dims included).

    Args:
        num: how many shapes to draw.
        min_dims, max_dims, min_side, max_side: bounds as in ``shapes``.
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: r.input_shapes)


@st.composite
def arrays(
    draw: Any, shape: Any, low: float = -1.0, high: float = 1.0, dtype: Any = np.float64, noncontiguous: bool = True
) -> np.ndarray:
    """Float values in [low, high]; sometimes a non-contiguous (transposed or strided) view.

    Args:
        shape: a shape, or a strategy of shapes (``shapes()``).
        low, high: bounds of the values.
        dtype: the numpy dtype of the array.
        noncontiguous: let transposed and strided layouts in (ops must not assume C order).
    """
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
    """Nudge values off points where an op is not differentiable (|x| at 0, relu at 0, ties).

    Args:
        values: the array to nudge (not modified; a copy is returned).
        points: the kinks to keep away from.
        margin: values closer than this to a point move to twice the margin from it.
    """
    out = np.array(values, copy=True)
    for p in points:
        close = np.abs(out - p) < margin
        out[close] = p + np.where(out[close] >= p, margin, -margin) * 2
    return out


def ints(shape: Any, low: int = -5, high: int = 5) -> st.SearchStrategy:
    """int64 arrays of ``shape`` with values in [low, high]."""
    return hnp.arrays(np.int64, shape, elements=st.integers(low, high))
