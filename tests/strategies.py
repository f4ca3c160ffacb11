"""Hypothesis strategies shared by the parity suite; they live in ``minitorch.testing.strategies``."""

from minitorch.testing.strategies import arrays, away_from, broadcastable_shapes, ints, shapes

__all__ = ["shapes", "broadcastable_shapes", "arrays", "away_from", "ints"]
