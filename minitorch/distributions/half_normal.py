"""``HalfNormal(scale)``: |X| for X ~ Normal(0, scale), as a ``TransformedDistribution`` (like torch)."""

from __future__ import annotations

import math
from typing import Any

from ..tensor import Tensor
from .half_symmetric import HalfSymmetric
from .normal import Normal

__all__ = ["HalfNormal"]


class HalfNormal(HalfSymmetric):
    """Y = |X| for X ~ Normal(0, scale).

    Args:
        scale: the scale of the full normal, positive (a number or a tensor).
        validate_args: check the parameter, and ``log_prob``'s values.
    """

    base = Normal
    base_dist: Normal

    def expand(self, batch_shape: Any, _instance: Any = None) -> HalfNormal:
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)
