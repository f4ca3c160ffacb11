"""``HalfCauchy(scale)``: |X| for X ~ Cauchy(0, scale), as a ``TransformedDistribution`` (like torch)."""

from __future__ import annotations

import math
from typing import Any

from .. import ops
from ..creation import full
from ..tensor import Tensor
from .cauchy import Cauchy
from .half_symmetric import HalfSymmetric

__all__ = ["HalfCauchy"]


class HalfCauchy(HalfSymmetric):
    """Y = |X| for X ~ Cauchy(0, scale).

    Args:
        scale: the scale of the full Cauchy distribution, positive (a number or a tensor).
        validate_args: check the parameter, and ``log_prob``'s values.
    """

    base = Cauchy
    base_dist: Cauchy

    def expand(self, batch_shape: Any, _instance: Any = None) -> HalfCauchy:
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        return full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def _value(self, value: Any) -> Any:
        return ops.as_tensor(value, dtype=self.scale.dtype, device=self.scale.device)  # (a number, as torch takes)
