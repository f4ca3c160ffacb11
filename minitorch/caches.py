"""Every module-level cache of the library, in one place, each with its limit.

The library works a few things out once instead of on every training step: a layer's checked
arguments and geometry (per call signature), a filled operand for numpy's fast ``maximum``, a
dtype's largest finite value. Each cache is a :class:`BoundedCache` declared below, so a reader
finds all of the library's global state here; :func:`clear_all` empties every one (tests).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


class BoundedCache(dict):
    """A dict that empties itself when it reaches ``limit`` entries (None: never).

    A model uses a handful of call signatures, so refilling after a clear is cheap and
    simpler than an LRU. Reads are plain ``dict.get`` (the hot path).
    """

    def __init__(self, name: str, limit: int | None, holds: str) -> None:
        super().__init__()
        self.name, self.limit, self.holds = name, limit, holds

    def put(self, key: Hashable, value: Any) -> Any:
        """Store ``value`` under ``key`` (clearing first when full) and return it."""
        if self.limit is not None and len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value

    def __repr__(self) -> str:
        return f"BoundedCache({self.name!r}, {len(self)}/{self.limit} entries: {self.holds})"


CONV2D_PLANS = BoundedCache(
    "conv2d plans", 256, "per conv2d call signature: the checked arguments, padding and flat-row geometry"
)
POOL2D_PLANS = BoundedCache(
    "max_pool2d plans", 256, "per max_pool2d call signature: the checked arguments and output size"
)
FILLED_OPERANDS = BoundedCache(
    "filled operands", 16, "read-only host arrays of one value, for maximum/minimum against a bound"
)
FLOAT_LIMITS = BoundedCache("float limits", None, "the largest finite value of each floating dtype (np.finfo is slow)")
CLAMP_BOUNDS = BoundedCache(
    "clamp bounds", 64, "read-only 0-d host arrays of clamp's integer lower bounds, by (bound, dtype): clamp(min=0)"
)
GEMM_PLANS = BoundedCache(
    "gemm plans",
    256,
    "per blocked matrix product (shapes, strides, dtype, block size): its blocks, cut and operands' layouts",
)

ALL: tuple = (CONV2D_PLANS, POOL2D_PLANS, FILLED_OPERANDS, FLOAT_LIMITS, CLAMP_BOUNDS, GEMM_PLANS)


def clear_all() -> None:
    """Empty every cache of the library (each refills on demand)."""
    for cache in ALL:
        cache.clear()
